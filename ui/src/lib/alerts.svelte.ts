// What the alert panels and the dashboard share: the rules as last read or
// saved, the pause, the latest background check, and a dataflow a clicked
// notification asked to show. The back end gives codes and figures; the
// words come from the `alerts` catalog.
import {
  toCommandError,
  type AlertCheckView,
  type AlertSettingsView,
  type CommandError,
  type Condition,
  type Day,
} from "../backend";
import { formatDateTime, t } from "../i18n/index.svelte";

export const DAYS: readonly Day[] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** The fields `saveAlertRules` can refuse, as the back end names them. */
export type RuleField =
  | "no_data_hours"
  | "failed_share_percent"
  | "failed_count"
  | "time_zone"
  | "days"
  | "start"
  | "end"
  | "quiet_start"
  | "quiet_end";

/** A dataflow a panel can open in Adobe. */
export type FlowRef = { id: string; name: string };

export const alerts = $state<{
  settings: AlertSettingsView | null;
  pausedUntil: string | null;
  startAtLogin: boolean | null;
  check: AlertCheckView | null;
  /** A notification was clicked: the dashboard opens this dataflow's card. */
  focus: string | null;
}>({ settings: null, pausedUntil: null, startAtLogin: null, check: null, focus: null });

export function applySettings(view: AlertSettingsView): void {
  alerts.settings = view;
  alerts.pausedUntil = view.settings.pausedUntil;
}

export function applyCheck(view: AlertCheckView | null): void {
  alerts.check = view;
  if (view) alerts.pausedUntil = view.pausedUntil;
}

/** Asks the dashboard to open a dataflow's details. */
export function showFlow(flowId: string): void {
  alerts.focus = flowId;
}

/** The pause's end, while it lasts. */
export function pausedUntil(now: number): string | null {
  return alerts.pausedUntil && Date.parse(alerts.pausedUntil) > now ? alerts.pausedUntil : null;
}

/** Words for a refused rule field: the field's own, else the problem's. */
export function ruleProblem(error: CommandError | null, field: RuleField): string | null {
  const found = error?.fields.find((problem) => problem.field === field);
  if (!found) return null;
  const specific = `alerts.problem.${field}.${found.problem}`;
  const general = `alerts.problem.${found.problem}`;
  if (t(specific) !== specific) return t(specific);
  return t(general) !== general ? t(general) : t("alerts.problem.refused");
}

/** Who a condition is about: its dataflow, its setup, or the connection. */
export function conditionSubject(condition: Condition): string {
  return condition.flowName ?? condition.setup ?? t("alerts.notice.connectionSubject");
}

/** A condition in words, from its kind and figures. */
export function describeCondition(condition: Condition): string {
  const figures = condition.figures;
  const text = t(`alerts.condition.${condition.kind}`, {
    hours: figures.silentHours ?? 0,
    limit: figures.limitHours ?? 0,
    failed: figures.failed ?? 0,
    received: figures.received ?? 0,
    count: figures.drifted ?? 0,
    code: figures.errorCode ?? "?",
  });
  if (condition.kind === "no_data" && figures.lastDataAt) {
    return `${text} ${t("alerts.condition.lastData", { time: formatDateTime(figures.lastDataAt) })}`;
  }
  return text;
}

/** Stops a listener; one the back end no longer knows is gone anyway. */
function unlistenQuietly(unlisten: () => unknown): void {
  Promise.resolve()
    .then(unlisten)
    .catch(() => undefined);
}

/**
 * Starts listening to a back-end event; the returned function stops it,
 * also when called before the listener was in place.
 */
export function subscribe(start: Promise<() => unknown>, onError: (error: CommandError) => void): () => void {
  let stopped = false;
  let stop: (() => unknown) | null = null;
  start.then(
    (unlisten) => {
      if (stopped) unlistenQuietly(unlisten);
      else stop = unlisten;
    },
    (error: unknown) => {
      if (!stopped) onError(toCommandError(error));
    },
  );
  return () => {
    stopped = true;
    if (stop) unlistenQuietly(stop);
  };
}
