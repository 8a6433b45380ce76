// The only module that talks to Tauri. Screens import from here, never from
// "@tauri-apps/*", so tests can mock one seam and a future shell can replace it.
import type { Boot, CommandError, ErrorCode, StepId } from "./bindings";
import { BOOT_GLOBAL, ERROR_CODES, STEPS } from "./bindings";

export {
  BOOT_GLOBAL,
  Channel,
  commands,
  ERROR_CODES,
  EVENT_KINDS,
  events,
  RECOMMENDED_PARTIAL_INGESTION_THRESHOLD,
  RECOMMENDED_SETUP,
  SCREENS,
  STEPS,
  VERSION_PLACEHOLDER,
} from "./bindings";
export type * from "./bindings";

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ERROR_CODES as readonly string[]).includes(value);
}

function isStepId(value: unknown): value is StepId {
  return typeof value === "string" && (STEPS as readonly string[]).includes(value);
}

/** Turns whatever a rejected command gave us into a CommandError. */
export function toCommandError(error: unknown): CommandError {
  if (typeof error === "object" && error !== null && "code" in error) {
    const candidate = error as {
      code: unknown;
      message?: unknown;
      hint?: unknown;
      step?: unknown;
      permission?: unknown;
      resumable?: unknown;
      requestId?: unknown;
      fields?: unknown;
    };
    if (isErrorCode(candidate.code)) {
      return {
        code: candidate.code,
        message: typeof candidate.message === "string" ? candidate.message : "",
        hint: typeof candidate.hint === "string" ? candidate.hint : null,
        step: isStepId(candidate.step) ? candidate.step : null,
        permission: typeof candidate.permission === "string" ? candidate.permission : null,
        resumable: candidate.resumable === true,
        requestId: typeof candidate.requestId === "string" ? candidate.requestId : null,
        fields: Array.isArray(candidate.fields) ? candidate.fields : [],
      };
    }
  }
  // Tauri itself rejects with a plain string when a command is missing or its
  // arguments do not deserialize; that is our bug, not the user's.
  return {
    code: "internal",
    message: String(error),
    hint: null,
    step: null,
    permission: null,
    resumable: false,
    requestId: null,
    fields: [],
  };
}

/** What the shell handed the page before its script ran (`Boot`: the
 *  answers of `appInfo` and `loadWizard` when the window was made), so the
 *  first screen draws without waiting for a command; `null` when it handed
 *  nothing. Used on the window's first load only: a reload (Ctrl+R) runs the
 *  shell's script again with the state read at start, and drawing that would
 *  take the user back to where they started and save it over their progress. */
export function bootFromShell(): Boot | null {
  const handed: unknown = Reflect.get(globalThis, BOOT_GLOBAL);
  if (typeof handed !== "object" || handed === null) return null;
  const navigation = globalThis.performance?.getEntriesByType?.("navigation")[0];
  if (!navigation || (navigation as PerformanceNavigationTiming).type !== "navigate") return null;
  return handed as Boot;
}
