import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import App from "../src/App.svelte";
import type { AlertCheckView, Condition } from "../src/backend";
import { setLanguage } from "../src/i18n/index.svelte";
import { announcer } from "../src/lib/announce.svelte";
import { restart } from "../src/wizard/store.svelte";

const practiceConnection = {
  practice: true,
  orgId: "PRACTICE0000000000000000@AdobeOrg",
  clientId: "practice-client",
  maskedSecret: "••••••••",
  sandboxes: [{ name: "prod", title: "Production", sandboxType: "production", region: null, isDefault: true }],
  sandbox: "prod",
};

function flow(id: string, health: string, failed: number) {
  return {
    flowId: id,
    name: `Flow ${id}`,
    health,
    state: health === "disabled" ? "disabled" : "enabled",
    hasWebhook: true,
    lastDay: { received: 7, ingested: 7 - failed, failed },
    lastWeek: { received: 9, ingested: 9 - failed, failed },
    lastIngestedAt: new Date().toISOString(),
    runs: [{ runId: `${id}-run`, status: "success", received: 7, ingested: 7 - failed, failed, startedAt: new Date().toISOString() }],
    errors:
      failed > 0
        ? [{ explanation: "missing_identifier", adobeCode: "CONNECTOR-2001", message: "required key", records: failed }]
        : [],
    setupName: id === "a" ? "Chatlio events" : null,
    markedSetup: null,
    fields: id === "a" ? ["new_conversation", "unanswered_visitor", "visitor_feedback", "offline_message", "chat_transcript"] : [],
    acceptsDataFrom: null,
    testEvents:
      id === "a"
        ? [
            {
              kind: "offline_message",
              state: "waiting",
              overdue: false,
              sentAt: new Date().toISOString(),
              expectedBy: new Date(Date.now() + 3600000).toISOString(),
              errors: [],
            },
          ]
        : [],
  };
}

const RULES = {
  noDataHours: 4,
  failedSharePercent: 10,
  failedCount: 10,
  disabled: true,
  drift: true,
  connection: true,
  businessHours: { timeZone: "UTC", days: ["monday"], start: "09:00", end: "17:00" },
  quietHours: null,
};

function view(error: unknown = null) {
  return {
    practice: true,
    sandbox: "prod",
    fetchedAt: new Date(Date.now() - 10 * 60000).toISOString(),
    flows: [flow("a", "healthy", 0), flow("b", "failing", 2)],
    setups: [
      {
        name: "Chatlio events",
        health: "healthy",
        lastDay: { received: 7, ingested: 7, failed: 0 },
        lastWeek: { received: 9, ingested: 9, failed: 0 },
        flowIds: ["a"],
        madeHere: true,
      },
    ],
    error,
  };
}

function backend(
  dashboard: () => unknown,
  lastCheck: AlertCheckView | null = null,
  overrides: Record<string, () => unknown> = {},
) {
  const calls: { command: string; args: Record<string, unknown> }[] = [];
  mockIPC((command, args) => {
    calls.push({ command, args: (args ?? {}) as Record<string, unknown> });
    if (command in overrides) return overrides[command]();
    switch (command) {
      case "app_info":
        return { version: "1.0.0", osLocale: "en-US", os: "linux" };
      case "load_wizard":
        return {
          screen: "dashboard",
          mode: "practice",
          checked: [],
          connect: { imsUrl: "", platformUrl: "", clientId: "", orgId: "" },
          setup: { name: "Chatlio events", sandbox: "prod" },
          setupName: "Chatlio events",
        };
      case "start_practice":
        return practiceConnection;
      case "choose_sandbox":
      case "save_wizard":
      case "set_flow_enabled":
        return null;
      case "cached_dashboard":
        return null;
      case "dashboard":
        return dashboard();
      case "delete_dataflow":
        return { deleted: ["a"], kept: [] };
      case "set_language":
      case "check_alerts_now":
        return null;
      case "last_alert_check":
        return lastCheck;
      case "setup_health":
        return [];
      case "start_at_login":
        return false;
      case "alert_settings":
        return {
          settings: { version: 1, defaults: RULES, setups: {}, pausedUntil: null },
          recommended: RULES,
          timeZones: ["UTC"],
          adobeAlerts: { streamingSupport: "documented_unsupported", subscriptionReadable: false },
        };
      default:
        throw new Error(`unexpected command ${command}`);
    }
  }, { shouldMockEvents: true });
  return calls;
}

function condition(kind: Condition["kind"], severity: Condition["severity"], flowId: string | null, figures: Partial<Condition["figures"]> = {}): Condition {
  return {
    key: `${kind}/${flowId ?? ""}`,
    kind,
    severity,
    setup: flowId === "b" ? null : "Chatlio events",
    flowId,
    flowName: flowId ? `Flow ${flowId}` : null,
    figures: { silentHours: null, limitHours: null, lastDataAt: null, failed: null, received: null, drifted: null, errorCode: null, ...figures },
    summary: "in English",
  };
}

function check(conditions: Condition[]): AlertCheckView {
  return {
    checkedAt: new Date().toISOString(),
    worst: conditions.some((entry) => entry.severity === "alert") ? "alert" : conditions.length > 0 ? "warning" : null,
    conditions,
    notices: [],
    unreachable: null,
    pausedUntil: null,
    watching: true,
  };
}

/** Sends an event as the back end would, until `expectation` holds (the listener may still be starting). */
async function emitUntil(event: string, payload: unknown, expectation: () => void) {
  await waitFor(async () => {
    await emit(event, payload);
    expectation();
  });
}

describe("dashboard", () => {
  beforeEach(() => {
    localStorage.clear();
    setLanguage("en");
    restart();
    announcer.message = "";
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("shows this app's setup as one entry holding its dataflow, and others alone", async () => {
    backend(() => view());
    render(App);
    const group = await screen.findByTestId("setup-Chatlio events");
    expect(group.getAttribute("data-health")).toBe("healthy");
    expect(group.querySelector('[data-testid="flow-a"]')).not.toBeNull();
    expect(group.querySelector('[data-testid="flow-b"]')).toBeNull();
    expect(screen.getByTestId("flow-b")).toBeTruthy();
    // Hand over, for a setup made here; a setup file can be opened.
    expect(within(group).getByTestId("setup-handover")).toBeTruthy();
    // Rotating the webhook URL, for a setup made here.
    expect(within(group).getByTestId("setup-rotate")).toBeTruthy();
    expect(screen.queryByTestId("flow-rotating")).toBeNull();
    expect(screen.getByTestId("open-setup-file").getAttribute("accept")).toContain(".json");
  });

  it("opens straight to the dashboard with counts, health and explained errors", async () => {
    backend(() => view());
    render(App);
    const failing = await screen.findByTestId("flow-b");
    expect(failing.getAttribute("data-health")).toBe("failing");
    expect(within(failing).getByTestId("flow-failed").textContent).toBe("2");
    expect(within(failing).getByTestId("flow-error").textContent).toContain(
      "Events arrived without a visitor or conversation identifier.",
    );
    expect(within(screen.getByTestId("flow-a")).getByTestId("flow-received").textContent).toBe("7");
    expect(screen.getByTestId("practice-dataflows")).toBeTruthy();
    // A test event sent earlier and still waiting for its hourly run.
    const waiting = within(screen.getByTestId("flow-a")).getByTestId("flow-test-event");
    expect(waiting.getAttribute("data-state")).toBe("waiting");
    expect(waiting.textContent).toContain("Waiting for the hourly run");
  });

  it("keeps the last known status visible with a banner when a refresh fails", async () => {
    backend(() => view({ code: "network", message: "down", hint: null, step: null, resumable: true, requestId: null, fields: [] }));
    render(App);
    const banner = await screen.findByTestId("offline-banner");
    expect(banner.getAttribute("data-code")).toBe("network");
    expect(banner.textContent).toContain("Showing the last known status");
    expect(screen.getByTestId("flow-a")).toBeTruthy();
  });

  it("asks before deleting and names what goes", async () => {
    const calls = backend(() => view());
    render(App);
    const card = await screen.findByTestId("flow-a");
    await fireEvent.click(within(card).getByTestId("flow-delete"));
    expect(card.textContent).toContain("everything this app created");
    expect(calls.some((call) => call.command === "delete_dataflow")).toBe(false);
    await fireEvent.click(within(card).getByTestId("confirm-delete"));
    await waitFor(() => expect(calls.some((call) => call.command === "delete_dataflow")).toBe(true));
  });

  it("disables an enabled dataflow", async () => {
    const calls = backend(() => view());
    render(App);
    const card = await screen.findByTestId("flow-a");
    await fireEvent.click(within(card).getByTestId("flow-toggle"));
    await waitFor(() => {
      const toggle = calls.find((call) => call.command === "set_flow_enabled");
      expect(toggle?.args).toMatchObject({ flowId: "a", enabled: false });
    });
  });

  it("shows the conditions a background check found on their dataflow's card, with severity", async () => {
    backend(() => view());
    render(App);
    const failing = await screen.findByTestId("flow-b");
    await emitUntil(
      "alerts-checked",
      check([
        condition("no_data", "alert", "a", { silentHours: 5, limitHours: 4 }),
        condition("failed_records", "warning", "b", { failed: 2, received: 7 }),
        condition("drift", "warning", null, { drifted: 1 }),
      ]),
      () => expect(within(failing).getAllByTestId("flow-alert")).toHaveLength(1),
    );
    const onB = within(failing).getByTestId("flow-alert");
    expect(onB.getAttribute("data-kind")).toBe("failed_records");
    expect(onB.getAttribute("data-severity")).toBe("warning");
    expect(onB.textContent).toContain("Warning");
    expect(onB.textContent).toContain("2 of 7 records failed in the last hour.");
    const onA = within(screen.getByTestId("flow-a")).getByTestId("flow-alert");
    expect(onA.getAttribute("data-kind")).toBe("no_data");
    expect(onA.getAttribute("data-severity")).toBe("alert");
    expect(onA.textContent).toContain("No data for 5 business hours (the rule allows 4).");
    // The setup's own condition shows on the setup, not on a card.
    const group = screen.getByTestId("setup-Chatlio events");
    expect(within(group).getByTestId("setup-alert").getAttribute("data-kind")).toBe("drift");
    const summary = screen.getByTestId("alerts-summary");
    expect(summary.getAttribute("data-worst")).toBe("alert");
    expect(summary.textContent).toContain("1 alert(s) and 2 warning(s)");
    expect(within(summary).getAllByTestId("alert-condition").map((entry) => entry.getAttribute("data-severity"))).toEqual([
      "alert",
      "warning",
      "warning",
    ]);
  });

  it("shows the last background check at once, before any event", async () => {
    backend(() => view(), check([condition("disabled", "alert", "b")]));
    render(App);
    const failing = await screen.findByTestId("flow-b");
    await waitFor(() => expect(within(failing).getByTestId("flow-alert").getAttribute("data-kind")).toBe("disabled"));
    expect(within(screen.getByTestId("flow-a")).queryByTestId("flow-alert")).toBeNull();
    expect(screen.getByTestId("alerts-summary").getAttribute("data-worst")).toBe("alert");
  });

  it("opens the dataflow a clicked notification names", async () => {
    backend(() => view());
    render(App);
    const failing = await screen.findByTestId("flow-b");
    expect(within(failing).queryByTestId("flow-detail")).toBeNull();
    await emitUntil("open-flow", "b", () => expect(within(failing).getByTestId("flow-detail")).toBeTruthy());
    expect(within(failing).getByTestId("flow-details").getAttribute("aria-expanded")).toBe("true");
    await waitFor(() => expect(document.activeElement).toBe(within(failing).getByTestId("flow-name")));
    expect(within(screen.getByTestId("flow-a")).queryByTestId("flow-detail")).toBeNull();
  });

  it("has the background check catch up after a manual refresh", async () => {
    const calls = backend(() => view());
    render(App);
    await screen.findByTestId("flow-a");
    await waitFor(() => expect((screen.getByTestId("refresh") as HTMLButtonElement).disabled).toBe(false));
    expect(calls.filter((call) => call.command === "check_alerts_now")).toHaveLength(0);
    await fireEvent.click(screen.getByTestId("refresh"));
    await waitFor(() => expect(calls.filter((call) => call.command === "check_alerts_now")).toHaveLength(1));
  });

  it("keeps no replaced view once refreshed: an open dashboard does not grow", async () => {
    // A dashboard is left open for days, refreshed every few minutes: each
    // view it replaced must be garbage. Node's collector, asked for here,
    // says whether anything (a component, a store, a listener) still holds
    // one; WebKit's collects them only when it runs (bench/README.md).
    setFlagsFromString("--expose-gc");
    const collect = runInNewContext("gc") as () => void;
    const given: WeakRef<object>[] = [];
    backend(() => {
      const next = view();
      given.push(new WeakRef(next));
      return next;
    });
    render(App);
    await screen.findByTestId("flow-a");
    for (let refresh = 0; refresh < 5; refresh++) {
      const button = screen.getByTestId("refresh") as HTMLButtonElement;
      await waitFor(() => expect(button.disabled).toBe(false));
      await fireEvent.click(button);
    }
    await waitFor(() => expect((screen.getByTestId("refresh") as HTMLButtonElement).disabled).toBe(false));
    expect(given.length).toBeGreaterThanOrEqual(6);
    await waitFor(() => {
      collect();
      // Only the view on screen is held.
      expect(given.slice(0, -1).filter((reference) => reference.deref() !== undefined)).toHaveLength(0);
    });
    expect(given.at(-1)?.deref()).toBeDefined();
  });

  it("shows the last known status from disk before the connection is back, then refreshes", async () => {
    let connect: (value: unknown) => void = () => {};
    const calls = backend(() => ({ ...view(), flows: [flow("a", "healthy", 0)] }), null, {
      // Restoring the connection takes its time (here: until the test says).
      start_practice: () => new Promise((resolve) => (connect = resolve)),
      cached_dashboard: () => view(),
    });
    render(App);
    expect(await screen.findByTestId("flow-b")).toBeTruthy();
    const commandsCalled = () => calls.map((call) => call.command);
    expect(commandsCalled()).not.toContain("dashboard");
    connect(practiceConnection);
    await waitFor(() => expect(commandsCalled()).toContain("dashboard"));
    await waitFor(() => expect(screen.queryByTestId("flow-b")).toBeNull());
  });

  it("puts focus on the screen's heading and announces a refresh the user asked for", async () => {
    backend(() => view());
    render(App);
    await screen.findByTestId("flow-a");
    await waitFor(() => expect(document.activeElement?.id).toBe("dashboard-title"));
    const region = screen.getByTestId("announcer");
    expect(region.getAttribute("aria-live")).toBe("polite");
    // The timer's and the first refresh are not said.
    expect(region.textContent).toBe("");
    await waitFor(() => expect((screen.getByTestId("refresh") as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(screen.getByTestId("refresh"));
    await waitFor(() => expect(region.textContent).toBe("Status updated. Dataflows: 2; needing attention: 1."));
  });

  it("gives each run chart a text equivalent: its totals and a table of its runs", async () => {
    backend(() => view());
    render(App);
    const card = await screen.findByTestId("flow-b");
    const chart = within(card).getByTestId("flow-chart");
    expect(chart.getAttribute("role")).toBe("img");
    expect(chart.getAttribute("aria-label")).toBe("Last 1 runs: 7 received, 5 ingested, 2 failed.");
    // One bar per run, scaled to the most received (7 = the chart's 40 px):
    // 5 ingested from the bottom, 2 failed on top of them.
    expect(within(card).getByTestId("flow-chart-ingested").getAttribute("d")).toBe("M0 11h14v29h-14z");
    expect(within(card).getByTestId("flow-chart-failed").getAttribute("d")).toBe("M0 0h14v11h-14z");
    const table = within(card).getByTestId("flow-chart-table") as HTMLTableElement;
    expect(table.caption?.textContent).toBe("Records per run");
    const cells = [...table.querySelectorAll("tbody tr td")].map((cell) => cell.textContent);
    expect(cells.slice(1)).toEqual(["5", "2"]);
  });

  it("keeps the default rules and each setup's rules collapsed until asked, then opens the setup's", async () => {
    const calls = backend(() => view());
    render(App);
    const group = await screen.findByTestId("setup-Chatlio events");
    const panel = within(group).getByTestId("setup-alerts");
    const toggle = within(panel).getByTestId("alerts-toggle");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(screen.getByTestId("alert-defaults")).toBeTruthy();
    expect(screen.queryByTestId("alert-rules")).toBeNull();
    await fireEvent.click(toggle);
    const form = await within(panel).findByTestId("alert-rules");
    expect(form.getAttribute("data-setup")).toBe("Chatlio events");
    // The setup's dataflows as the dashboard knows them: no journal read.
    const open = await within(form).findAllByTestId("alert-open-adobe");
    expect(open.map((button) => button.getAttribute("data-flow"))).toEqual(["a"]);
    expect(calls.some((call) => call.command === "setup_state")).toBe(false);
    expect(within(screen.getByTestId("alert-defaults")).queryByTestId("alert-rules")).toBeNull();
  });
});
