import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import App from "../src/App.svelte";
import { setLanguage } from "../src/i18n/index.svelte";
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

function backend(dashboard: () => unknown) {
  const calls: { command: string; args: Record<string, unknown> }[] = [];
  mockIPC((command, args) => {
    calls.push({ command, args: (args ?? {}) as Record<string, unknown> });
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
      default:
        throw new Error(`unexpected command ${command}`);
    }
  });
  return calls;
}

describe("dashboard", () => {
  beforeEach(() => {
    localStorage.clear();
    setLanguage("en");
    restart();
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
});
