// Draws the first screen at build time into dist/first-screen/<language>.fragment
// (see src/prerender.ts). Runs after `vite build`, through Vite so that the
// components compile as the app's build compiles them. Not ".html": Tauri's
// build parses every HTML asset as a whole document and writes it back with
// <html>, <head> and <body> around it, and this is the inside of one element.
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";

const root = fileURLToPath(new URL("..", import.meta.url));
const server = await createServer({
  root,
  appType: "custom",
  logLevel: "warn",
  server: { middlewareMode: true, hmr: false, watch: null },
});
try {
  const { firstScreen, LANGUAGES } = await server.ssrLoadModule("/src/prerender.ts");
  const folder = new URL("../dist/first-screen/", import.meta.url);
  await mkdir(folder, { recursive: true });
  for (const language of LANGUAGES) {
    const html = firstScreen(language);
    if (!html.includes('data-testid="screen-welcome"')) {
      throw new Error(`the first screen drawn in ${language} is not the welcome screen`);
    }
    await writeFile(new URL(`${language}.fragment`, folder), html);
  }
} finally {
  await server.close();
}
