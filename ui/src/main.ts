import { hydrate, mount } from "svelte";
import App from "./App.svelte";
import { takeBoot, takesOverFirstScreen } from "./boot";
import "./styles.css";

// The bench splits the cold start at these marks (bench/src/startup.rs):
// the script has run here, and App.svelte marks the first screen shown.
performance.mark("app-script");

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

const boot = takeBoot();
// On a first start the shell serves the document with the welcome screen
// already in it, so it shows as soon as the document is parsed; the script
// then takes it over (hydrates it) and its buttons work from there. Any
// other screen, language or load is drawn here from nothing.
let app: ReturnType<typeof mount>;
if (takesOverFirstScreen(target.dataset.firstScreen, boot)) {
  const drawn = target.querySelector("[data-testid=screen-welcome]");
  app = hydrate(App, { target, props: { boot } });
  // Svelte draws afresh when the document's screen does not match what it
  // would draw; the mark says the document's own screen was kept.
  if (drawn?.isConnected) performance.mark("first-screen-taken-over");
} else {
  target.replaceChildren();
  app = mount(App, { target, props: { boot } });
}
export default app;
