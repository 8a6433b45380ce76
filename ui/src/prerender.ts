// The first screen drawn at build time (`ui/scripts/prerender.js`), one file
// per language: what a new user's window shows before the script has run.
// The shell puts the one for the system's language into the document on the
// window's first load (`app::info::document_with_first_screen`) and fills
// in the version; main.ts takes it over (hydrates it).

import { render } from "svelte/server";
import App from "./App.svelte";
import { VERSION_PLACEHOLDER, type Boot } from "./backend";
import { adoptBoot } from "./boot";
import { LANGUAGES, type Language } from "./i18n/index.svelte";

export { LANGUAGES };

/** #app's content for a first start in `language`: the shell around the
 *  welcome screen, as the page draws it from the shell's answers. */
export function firstScreen(language: Language): string {
  const boot: Boot = { info: { version: VERSION_PLACEHOLDER, osLocale: language, os: "" }, wizard: null };
  adoptBoot(boot);
  return render(App, { props: { boot } }).body;
}
