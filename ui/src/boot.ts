// What the page starts from: the answers the shell handed it
// (`bootFromShell`), taken up before the first render, and the first screen
// the shell may have put in the document itself (`data-first-screen` on
// #app, see `app::info::first_screen_offer`).

import { bootFromShell, type Boot } from "./backend";
import { applyOsLocale, language } from "./i18n/index.svelte";
import { adoptWizard, wizard } from "./wizard/store.svelte";

/** Takes up `boot`: the system's language (unless the user chose one) and
 *  the saved wizard state. Also how the build draws the first screen. */
export function adoptBoot(boot: Boot): void {
  applyOsLocale(boot.info.osLocale);
  adoptWizard(boot.wizard);
}

/** The shell's answers for this load, taken up; `null` when it handed none
 *  (a reload, or the data could not be read: the page asks the commands). */
export function takeBoot(): Boot | null {
  const boot = bootFromShell();
  if (boot) {
    // The bench's cold start phases (bench/src/startup.rs).
    performance.mark("answers-from-shell");
    adoptBoot(boot);
  }
  return boot;
}

/** Whether the first screen already in the document (drawn at build time
 *  in `offered`'s language, `ui/scripts/prerender.js`) is the one this
 *  load shows, so that the script takes it over instead of drawing it
 *  again: the page is on the welcome screen, in that language, with the
 *  shell's answers (the footer shows their version). */
export function takesOverFirstScreen(offered: string | undefined, boot: Boot | null): boolean {
  return boot !== null && offered === language() && wizard.loaded && wizard.state.screen === "welcome";
}
