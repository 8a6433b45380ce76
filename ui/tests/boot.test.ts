import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Boot } from "../src/backend";
import { adoptBoot, takesOverFirstScreen } from "../src/boot";
import { forgetLanguageChoice, language, setLanguage } from "../src/i18n/index.svelte";
import { restart, wizard } from "../src/wizard/store.svelte";

function firstStart(osLocale: string): Boot {
  return { info: { version: "1.2.3", osLocale, os: "linux" }, wizard: null };
}

describe("taking over the first screen the shell put in the document", () => {
  beforeEach(() => {
    localStorage.clear();
    forgetLanguageChoice();
    restart();
  });
  afterEach(() => forgetLanguageChoice());

  it("takes it over on a first start in the language it was drawn in", () => {
    const boot = firstStart("sv-SE");
    adoptBoot(boot);
    expect(language()).toBe("sv");
    expect(takesOverFirstScreen("sv", boot)).toBe(true);
  });

  it("draws afresh in the language the user chose over the system's", () => {
    setLanguage("en");
    const boot = firstStart("sv-SE");
    adoptBoot(boot);
    expect(takesOverFirstScreen("sv", boot)).toBe(false);
  });

  it("draws afresh when the saved state is past the welcome screen", () => {
    const boot: Boot = { ...firstStart("en-US"), wizard: { ...wizard.state, screen: "prerequisites" } };
    adoptBoot(boot);
    expect(takesOverFirstScreen("en", boot)).toBe(false);
  });

  it("draws afresh without the shell's answers or a screen in the document", () => {
    adoptBoot(firstStart("en-US"));
    // A reload: the shell's answers are not used, so the footer's version
    // would not be the one drawn.
    expect(takesOverFirstScreen("en", null)).toBe(false);
    expect(takesOverFirstScreen(undefined, firstStart("en-US"))).toBe(false);
  });
});
