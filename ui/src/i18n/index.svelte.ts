// Per-feature catalogs: locales/<language>/<feature>.json. The back end returns
// codes; every word the user reads comes from here.

export const LANGUAGES = ["en", "sv"] as const;
export type Language = (typeof LANGUAGES)[number];

type Catalog = Record<string, string>;

// The files' text, parsed only for a language in use: the catalogs are more
// than half of the script the page starts with, a string is scanned faster
// than the object literal it would otherwise be, and an English window never
// parses the Swedish words (bench/README.md, "Handing the first screen its
// answers").
const sources = import.meta.glob<string>("../locales/*/*.json", {
  eager: true,
  query: "?raw",
  import: "default",
});

// The Chatlio instructions' words live with the crate that decides which
// statements to show (crates/chatlio); their catalogs are nested objects.
type Nested = { [key: string]: string | Nested };
const chatlioSources = import.meta.glob<string>("../../../crates/chatlio/locales/*/chatlio.json", {
  eager: true,
  query: "?raw",
  import: "default",
});

function flatten(into: Catalog, prefix: string, tree: Nested): void {
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === "string") into[`${prefix}.${key}`] = value;
    else flatten(into, `${prefix}.${key}`, value);
  }
}

const parsed: Partial<Record<Language, Catalog>> = {};

/** One language's words, "feature.key" -> text, parsed on first use. */
function catalogOf(language: Language): Catalog {
  let catalog = parsed[language];
  if (!catalog) {
    catalog = {};
    for (const [path, text] of Object.entries({ ...sources, ...chatlioSources })) {
      const match = /locales\/([a-z]+)\/([a-z-]+)\.json$/.exec(path);
      if (match && match[1] === language) flatten(catalog, match[2], JSON.parse(text) as Nested);
    }
    parsed[language] = catalog;
  }
  return catalog;
}

/** catalogs[language]["feature.key"] = text (each parsed when first read) */
export const catalogs = {} as Record<Language, Catalog>;
for (const language of LANGUAGES) {
  Object.defineProperty(catalogs, language, { enumerable: true, get: () => catalogOf(language) });
}

const STORAGE_KEY = "chatlio-setup.language";

/** Maps a BCP 47 tag (from the OS or the web view) to a language we have. */
export function languageFor(tag: string | null | undefined): Language {
  return primaryLanguage(tag) === "sv" ? "sv" : "en";
}

/** A tag's language subtag, lower case: "sv" for "sv_FI.UTF-8". */
function primaryLanguage(tag: string | null | undefined): string {
  return (tag ?? "").toLowerCase().split(/[-_]/)[0];
}

function savedLanguage(): Language | null {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    return saved && (LANGUAGES as readonly string[]).includes(saved) ? (saved as Language) : null;
  } catch {
    // Storage can be unavailable (private mode, tests); the OS default applies.
    return null;
  }
}

const state = $state<{ language: Language; chosen: boolean }>({
  language: savedLanguage() ?? languageFor(globalThis.navigator?.language),
  chosen: savedLanguage() !== null,
});

export function language(): Language {
  return state.language;
}

/** The user's explicit choice; remembered across launches. */
export function setLanguage(next: Language): void {
  state.language = next;
  state.chosen = true;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered, but the switch still applies for this session.
  }
  if (globalThis.document) globalThis.document.documentElement.lang = next;
}

/** The OS locale wins over the web view's guess unless the user chose. */
export function applyOsLocale(tag: string | null): void {
  if (state.chosen || !tag) return;
  state.language = languageFor(tag);
  if (globalThis.document) globalThis.document.documentElement.lang = state.language;
}

/** Text for `feature.key`, with `{name}` placeholders filled from params. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const text = catalogOf(state.language)[key] ?? catalogOf("en")[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

// Dates and times: one formatter per locale and form, made once and kept,
// with the options `toLocaleString()` and `toLocaleTimeString()` default to.
// `Date.prototype.toLocaleString()` makes JavaScriptCore build a new ICU
// formatter (about 56 KB outside the JavaScript heap) on every call and free
// it only when its garbage collector runs, which a small JavaScript heap
// seldom asks for: the dashboard's 1,200 times per refresh grew the web
// process by about 68 MB each (bench/README.md, "every date the page wrote
// cost an ICU formatter").
const DATE_TIME: Intl.DateTimeFormatOptions = {
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "numeric",
  minute: "numeric",
  second: "numeric",
};
const TIME: Intl.DateTimeFormatOptions = { hour: "numeric", minute: "numeric", second: "numeric" };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The locale dates are written in: the system's own when it speaks the
 *  app's language (en-GB keeps its day-first dates), else the language. A
 *  system locale that is no language tag (POSIX's "C") is not used: the
 *  formatter would throw. */
export function dateLocale(): string {
  const system = globalThis.navigator?.language;
  if (!system || primaryLanguage(system) !== state.language) return state.language;
  return isLocaleTag(system) ? system : state.language;
}

// Asked once per tag: dates are formatted about 1,200 times per refresh.
const localeTags = new Map<string, boolean>();
function isLocaleTag(tag: string): boolean {
  let known = localeTags.get(tag);
  if (known === undefined) {
    try {
      known = Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0;
    } catch {
      known = false;
    }
    localeTags.set(tag, known);
  }
  return known;
}

function formatter(form: "dateTime" | "time"): Intl.DateTimeFormat {
  const locale = dateLocale();
  const key = `${locale}/${form}`;
  let made = formatters.get(key);
  if (!made) {
    made = new Intl.DateTimeFormat(locale, form === "time" ? TIME : DATE_TIME);
    formatters.set(key, made);
  }
  return made;
}

// A value that is no date is shown as it came: `format` would throw (where
// `toLocaleString` wrote "Invalid Date") and take the whole screen with it.
function format(form: "dateTime" | "time", at: string | number): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? String(at) : formatter(form).format(date);
}

/** Date and time of an ISO timestamp (or epoch milliseconds), in the app's language. */
export function formatDateTime(at: string | number): string {
  return format("dateTime", at);
}

/** Time of day of an ISO timestamp (or epoch milliseconds), in the app's language. */
export function formatTime(at: string | number): string {
  return format("time", at);
}

/** Drops the remembered choice so the OS locale applies again. */
export function forgetLanguageChoice(): void {
  state.chosen = false;
  try {
    globalThis.localStorage?.removeItem(STORAGE_KEY);
  } catch {
    // Nothing remembered to forget.
  }
}
