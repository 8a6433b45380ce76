// Generated from src-tauri/src/bindings.rs by `make bindings`. Do not edit by hand.
import { invoke } from "@tauri-apps/api/core";

export type ErrorCode = "internal" | "invalid_input";
export type CommandError = { code: ErrorCode, message: string, hint: string | null, };
export type AppInfo = { 
/**
 * The app's version, from Cargo.
 */
version: string, 
/**
 * The operating system's preferred language as a BCP 47 tag, when known.
 * The UI picks its default language from it.
 */
osLocale: string | null, 
/**
 * Operating system family, e.g. "linux", for platform-specific wording.
 */
os: string, };

/** Every error code the back end can return; the UI has words for each. */
export const ERROR_CODES: readonly ErrorCode[] = ["internal", "invalid_input"];

/** Typed wrappers over `invoke`; a rejected promise carries a CommandError. */
export const commands = {
  appInfo: (): Promise<AppInfo> => invoke<AppInfo>("app_info"),
};
