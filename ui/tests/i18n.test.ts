import { afterEach, describe, expect, it, vi } from "vitest";
import { ERROR_CODES } from "../src/backend";
import {
  catalogs,
  dateLocale,
  forgetLanguageChoice,
  formatDateTime,
  formatTime,
  languageFor,
  setLanguage,
} from "../src/i18n/index.svelte";

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

describe("catalogs' parsing", () => {
  afterEach(() => vi.restoreAllMocks());

  it("parses a language's words only once that language is used", async () => {
    vi.resetModules();
    const parse = vi.spyOn(JSON, "parse");
    const fresh = await import("../src/i18n/index.svelte");
    fresh.setLanguage("en");
    const swedishParsed = () =>
      parse.mock.calls.some(([text]) => typeof text === "string" && text.includes("Strömma"));
    expect(fresh.t("welcome.title")).toBe("Stream Chatlio events into Adobe Experience Platform");
    expect(swedishParsed()).toBe(false);
    const calls = parse.mock.calls.length;
    fresh.t("welcome.title");
    expect(parse.mock.calls.length, "parsed once, then kept").toBe(calls);
    fresh.setLanguage("sv");
    expect(fresh.t("welcome.title")).toContain("Strömma");
    expect(swedishParsed()).toBe(true);
    fresh.setLanguage("en");
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

describe("dates and times", () => {
  const at = "2026-11-28T07:05:09Z";
  afterEach(() => {
    setLanguage("en");
    forgetLanguageChoice();
    vi.restoreAllMocks();
  });

  it("are written in the app's language, as the platform writes that locale", () => {
    setLanguage("sv");
    expect(dateLocale()).toBe("sv");
    expect(formatDateTime(at)).toBe(new Date(at).toLocaleString("sv"));
    expect(formatTime(at)).toBe(new Date(at).toLocaleTimeString("sv"));
    setLanguage("en");
    // The test environment's system locale is English: its own tag is kept.
    expect(dateLocale()).toBe(globalThis.navigator.language);
    expect(formatDateTime(Date.parse(at))).toBe(new Date(at).toLocaleString(globalThis.navigator.language));
  });

  it("use the system's locale only when it is a language tag of the app's language", () => {
    const system = vi.spyOn(globalThis.navigator, "language", "get");
    setLanguage("en");
    system.mockReturnValue("en-GB");
    expect(dateLocale()).toBe("en-GB");
    expect(formatDateTime(at)).toBe(new Date(at).toLocaleString("en-GB"));
    system.mockReturnValue("de-DE");
    expect(dateLocale()).toBe("en");
    // What a system without a locale reports: no tag at all.
    system.mockReturnValue("C");
    expect(dateLocale()).toBe("en");
    expect(formatTime(at)).toBe(new Date(at).toLocaleTimeString("en"));
    system.mockReturnValue("en_US.UTF-8");
    expect(() => formatDateTime(at)).not.toThrow();
  });

  it("show a value that is no date as it came instead of throwing", () => {
    expect(formatDateTime("not a date")).toBe("not a date");
    expect(formatTime("")).toBe("");
  });

  it("reuse one formatter per locale and form instead of one per call", () => {
    const made = vi.spyOn(Intl, "DateTimeFormat");
    for (let hour = 0; hour < 200; hour += 1) {
      setLanguage(hour % 2 === 0 ? "en" : "sv");
      formatDateTime(Date.parse(at) + hour * 3_600_000);
      formatTime(Date.parse(at) + hour * 3_600_000);
    }
    // At most one per language and form (fewer if an earlier test made them).
    expect(made.mock.calls.length).toBeLessThanOrEqual(4);
  });

  it("are never formatted by the Date methods that build a formatter per call", () => {
    const sources = import.meta.glob<string>("../src/**/*.{ts,svelte}", { query: "?raw", import: "default", eager: true });
    const offenders = Object.entries(sources)
      .filter(([path]) => !path.includes("/i18n/"))
      .filter(([, text]) => /\.toLocale(Date|Time)?String\(/.test(text))
      .map(([path]) => path);
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });
});
