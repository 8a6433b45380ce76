import type { CommandError } from "../backend";
import { t } from "../i18n/index.svelte";

/** Words for a field problem, e.g. ("org_id", "wrong_format"). */
export function fieldMessage(field: string, problem: string): string {
  const specific = `fields.${field}.${problem}`;
  const text = t(specific);
  return text === specific ? t(`fields.problem.${problem}`) : text;
}

/** The problem for one field from an error, if any. */
export function problemFor(error: CommandError | null, field: string): string | null {
  const found = error?.fields.find((problem) => problem.field === field);
  return found ? fieldMessage(found.field, found.problem) : null;
}
