import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../src/backend";
import { catalogs, languageFor } from "../src/i18n/index.svelte";

describe("catalogs", () => {
  it("have the same keys in every language", () => {
    const english = Object.keys(catalogs.en).sort();
    const swedish = Object.keys(catalogs.sv).sort();
    expect(english.length).toBeGreaterThan(10);
    expect(swedish).toEqual(english);
  });

  it("have no empty texts", () => {
    for (const [language, catalog] of Object.entries(catalogs)) {
      for (const [key, text] of Object.entries(catalog)) {
        expect(text.trim(), `${language}:${key}`).not.toBe("");
      }
    }
  });

  it("have words for every error code the back end can return", () => {
    for (const code of ERROR_CODES) {
      expect(catalogs.en[`errors.code.${code}`], code).toBeTruthy();
      expect(catalogs.sv[`errors.code.${code}`], code).toBeTruthy();
      expect(catalogs.en[`errors.fix.${code}`], code).toBeTruthy();
      expect(catalogs.sv[`errors.fix.${code}`], code).toBeTruthy();
    }
  });

  it("include the Chatlio instructions from the chatlio crate", () => {
    expect(catalogs.en["chatlio.event.chat_transcript.title"]).toBeTruthy();
    expect(catalogs.sv["chatlio.event.chat_transcript.title"]).toBeTruthy();
  });
});

describe("languageFor", () => {
  it("maps OS locale tags to a language we have", () => {
    expect(languageFor("sv-SE")).toBe("sv");
    expect(languageFor("sv_FI.UTF-8")).toBe("sv");
    expect(languageFor("en-GB")).toBe("en");
    expect(languageFor("de-DE")).toBe("en");
    expect(languageFor(null)).toBe("en");
  });
});
