import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import App from "../src/App.svelte";
import type { AlertRules, AlertSettingsView } from "../src/backend";
import { setLanguage } from "../src/i18n/index.svelte";
import AlertRulesForm from "../src/lib/AlertRules.svelte";
import { alerts } from "../src/lib/alerts.svelte";
import { restart } from "../src/wizard/store.svelte";

const SETUP = "Chatlio events";

function rules(noDataHours: number | null = 4): AlertRules {
  return {
    noDataHours,
    failedSharePercent: 10,
    failedCount: 10,
    disabled: true,
    drift: true,
    connection: true,
    businessHours: {
      timeZone: "Europe/Stockholm",
      days: ["monday", "tuesday", "wednesday", "thursday", "friday"],
      start: "09:00",
      end: "17:00",
    },
    quietHours: { start: "20:00", end: "08:00" },
  };
}

function settingsView(setups: Record<string, AlertRules> = {}, pausedUntil: string | null = null): AlertSettingsView {
  return {
    settings: { version: 1, defaults: rules(), setups, pausedUntil },
    recommended: rules(),
    timeZones: ["Europe/Stockholm", "UTC"],
    adobeAlerts: { streamingSupport: "documented_unsupported", subscriptionReadable: false },
  };
}

type Args = Record<string, unknown>;
type Handler = (args: Args) => unknown;

/** A mocked back end for the alert commands; `overrides` replace single commands. */
function backend(overrides: Record<string, Handler> = {}) {
  const calls: { command: string; args: Args }[] = [];
  let settings = settingsView();
  let autostart = false;
  const handlers: Record<string, Handler> = {
    alert_settings: () => settings,
    save_alert_rules: (args) => {
      const next = settingsView({ ...settings.settings.setups }, settings.settings.pausedUntil);
      if (args.setup === null) next.settings.defaults = args.rules as AlertRules;
      else next.settings.setups[args.setup as string] = args.rules as AlertRules;
      settings = next;
      return settings;
    },
    reset_alert_rules: (args) => {
      const setups = { ...settings.settings.setups };
      delete setups[args.setup as string];
      settings = settingsView(setups, settings.settings.pausedUntil);
      return settings;
    },
    pause_alerts: (args) => {
      const until = args.hours === null ? null : new Date(Date.now() + (args.hours as number) * 3600_000).toISOString();
      settings = settingsView(settings.settings.setups, until);
      return settings;
    },
    check_alerts_now: () => null,
    start_at_login: () => autostart,
    set_start_at_login: (args) => {
      autostart = args.enabled as boolean;
      return autostart;
    },
    open_adobe_dataflow: () => null,
    open_link: () => null,
    ...overrides,
  };
  mockIPC(
    (command, args) => {
      const given = (args ?? {}) as Args;
      calls.push({ command, args: given });
      const handler = handlers[command];
      if (!handler) throw new Error(`unexpected command ${command}`);
      return handler(given);
    },
    { shouldMockEvents: true },
  );
  return {
    calls,
    setSettings(next: AlertSettingsView) {
      settings = next;
    },
  };
}

const called = (calls: { command: string; args: Args }[], command: string) => calls.filter((call) => call.command === command);

async function press(element: HTMLElement) {
  await waitFor(() => expect((element as HTMLButtonElement).disabled).toBe(false));
  await fireEvent.click(element);
}

function showForm(setup: string | null = SETUP) {
  render(AlertRulesForm, { setup, flows: [{ id: "flow-a", name: "Flow a" }] });
}

describe("the alert rules form", () => {
  beforeEach(() => {
    localStorage.clear();
    setLanguage("en");
    alerts.pausedUntil = null;
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("saves the setup's rules as typed, a switched-off threshold as none, and has the tray check again", async () => {
    const { calls } = backend();
    showForm();
    const hours = (await screen.findByTestId("alert-no-data-hours")) as HTMLInputElement;
    expect(hours.value).toBe("4");
    expect(screen.getByTestId("alert-source").getAttribute("data-own")).toBe("false");
    await fireEvent.input(hours, { target: { value: "6" } });
    await fireEvent.click(screen.getByTestId("alert-failed-share-on"));
    await fireEvent.click(screen.getByTestId("alert-day-saturday"));
    await fireEvent.input(screen.getByTestId("alert-end"), { target: { value: "24:00" } });
    await press(screen.getByTestId("alert-save"));

    expect((await screen.findByTestId("alert-saved")).textContent).toContain("The next check uses these rules");
    const saved = called(calls, "save_alert_rules");
    expect(saved).toHaveLength(1);
    expect(saved[0].args.setup).toBe(SETUP);
    expect(saved[0].args.rules).toMatchObject({
      noDataHours: 6,
      failedSharePercent: null,
      failedCount: 10,
      businessHours: {
        timeZone: "Europe/Stockholm",
        days: ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday"],
        start: "09:00",
        end: "24:00",
      },
    });
    expect(screen.getByTestId("alert-source").getAttribute("data-own")).toBe("true");
    expect(called(calls, "check_alerts_now")).toHaveLength(1);
  });

  it("shows each refused rule next to its field and keeps what was typed", async () => {
    backend({
      save_alert_rules: () => {
        throw {
          code: "fields_invalid",
          message: "refused",
          hint: null,
          step: null,
          resumable: false,
          requestId: null,
          fields: [
            { field: "no_data_hours", problem: "out_of_range" },
            { field: "end", problem: "end_before_start" },
            { field: "days", problem: "no_business_days" },
          ],
        };
      },
    });
    showForm();
    const hours = (await screen.findByTestId("alert-no-data-hours")) as HTMLInputElement;
    await fireEvent.input(hours, { target: { value: "99" } });
    await press(screen.getByTestId("alert-save"));

    expect((await screen.findByTestId("alert-no-data-hours-problem")).textContent).toBe(
      "Use a number of business hours from 1 to 40.",
    );
    expect(screen.getByTestId("alert-end-problem").textContent).toBe("Business hours must end after they start.");
    expect(screen.getByTestId("alert-days-problem").textContent).toBe("Choose at least one business day.");
    // Fields not refused stay quiet; nothing claims to be saved.
    expect(screen.queryByTestId("alert-start-problem")).toBeNull();
    expect(screen.queryByTestId("alert-saved")).toBeNull();
    expect(screen.getByTestId("alert-error").getAttribute("data-code")).toBe("fields_invalid");
    expect((screen.getByTestId("alert-no-data-hours") as HTMLInputElement).value).toBe("99");
  });

  it("goes back to the defaults for a setup with rules of its own", async () => {
    const { calls, setSettings } = backend();
    setSettings(settingsView({ [SETUP]: rules(8) }));
    showForm();
    const hours = (await screen.findByTestId("alert-no-data-hours")) as HTMLInputElement;
    expect(hours.value).toBe("8");
    expect(screen.getByTestId("alert-source").getAttribute("data-own")).toBe("true");
    await press(screen.getByTestId("alert-reset"));

    await waitFor(() => expect((screen.getByTestId("alert-no-data-hours") as HTMLInputElement).value).toBe("4"));
    expect(called(calls, "reset_alert_rules")[0].args).toEqual({ setup: SETUP });
    expect(screen.getByTestId("alert-source").getAttribute("data-own")).toBe("false");
    expect((screen.getByTestId("alert-reset") as HTMLButtonElement).disabled).toBe(true);
  });

  it("saves the defaults for every setup without rules of its own", async () => {
    const { calls } = backend();
    showForm(null);
    expect((await screen.findByTestId("alert-source")).textContent).toContain("every setup without rules of its own");
    expect(screen.queryByTestId("alert-reset")).toBeNull();
    await fireEvent.click(await screen.findByTestId("alert-quiet"));
    await press(screen.getByTestId("alert-save"));
    await screen.findByTestId("alert-saved");
    const saved = called(calls, "save_alert_rules")[0].args;
    expect(saved.setup).toBeNull();
    expect((saved.rules as AlertRules).quietHours).toBeNull();
  });

  it("pauses notifications for an hour and resumes them", async () => {
    const { calls } = backend();
    showForm();
    await press(await screen.findByTestId("alert-pause"));
    const paused = await screen.findByTestId("alert-paused");
    expect(paused.textContent).toContain("paused until");
    expect(called(calls, "pause_alerts")[0].args).toEqual({ hours: 1 });
    expect(screen.queryByTestId("alert-pause")).toBeNull();

    await press(screen.getByTestId("alert-resume"));
    await screen.findByTestId("alert-pause");
    expect(called(calls, "pause_alerts")[1].args).toEqual({ hours: null });
    expect(screen.queryByTestId("alert-paused")).toBeNull();
  });

  it("turns start at login on as the system reports it", async () => {
    const { calls } = backend();
    showForm();
    const toggle = (await screen.findByTestId("alert-start-at-login")) as HTMLInputElement;
    await waitFor(() => expect(toggle.disabled).toBe(false));
    expect(toggle.checked).toBe(false);
    await fireEvent.click(toggle);
    await waitFor(() => expect(called(calls, "set_start_at_login")[0]?.args).toEqual({ enabled: true }));
    await waitFor(() => expect(toggle.checked).toBe(true));
  });

  it("says when start at login cannot be set, and leaves it as the system has it", async () => {
    backend({
      set_start_at_login: () => {
        throw { code: "autostart_failed", message: "no autostart dir", hint: null };
      },
    });
    showForm();
    const toggle = (await screen.findByTestId("alert-start-at-login")) as HTMLInputElement;
    await waitFor(() => expect(toggle.disabled).toBe(false));
    await fireEvent.click(toggle);
    const error = await screen.findByTestId("alerts-closed-error");
    expect(error.getAttribute("data-code")).toBe("autostart_failed");
    expect(error.textContent).toContain("Starting the app at login could not be set up");
    await waitFor(() => expect(toggle.checked).toBe(false));
  });

  it("says plainly what works with the app closed, and opens the dataflow and Adobe's docs", async () => {
    const { calls } = backend();
    showForm();
    const closed = await screen.findByTestId("alerts-closed");
    expect(closed.textContent).toContain("They do not run while the computer is off or asleep");
    await waitFor(() => expect(screen.getByTestId("alerts-adobe").textContent).toContain("not supporting streaming sources"));
    expect(screen.getByTestId("alerts-adobe").textContent).toContain("cannot be read through any Adobe API");
    expect(screen.getByTestId("alerts-server").textContent).toContain("chatlio-aep check");
    await fireEvent.click(within(closed).getByTestId("alert-open-adobe"));
    await fireEvent.click(within(closed).getByTestId("alert-doc-source-alerts"));
    await fireEvent.click(within(closed).getByTestId("alert-doc-subscribe"));
    await waitFor(() => expect(called(calls, "open_adobe_dataflow")[0]?.args).toEqual({ flowId: "flow-a" }));
    expect(called(calls, "open_link").map((call) => call.args.link)).toEqual(["adobe_source_alerts", "adobe_alerts_subscribe"]);
  });
});

describe("the verify screen's alerts", () => {
  beforeEach(() => {
    localStorage.clear();
    setLanguage("en");
    restart();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("offers the new setup's rules collapsed, saying the defaults apply", async () => {
    const { calls } = backend({
      app_info: () => ({ version: "1.0.0", osLocale: "en-US", os: "linux" }),
      set_language: () => null,
      load_wizard: () => ({
        screen: "verify",
        mode: "practice",
        checked: [],
        connect: { imsUrl: "", platformUrl: "", clientId: "", orgId: "" },
        setup: { name: SETUP, sandbox: "prod" },
        setupName: SETUP,
      }),
      start_practice: () => ({
        practice: true,
        orgId: "PRACTICE@AdobeOrg",
        clientId: "practice-client",
        maskedSecret: "••••",
        sandboxes: [],
        sandbox: "prod",
      }),
      choose_sandbox: () => null,
      save_wizard: () => null,
      dataflow_timing: () => ({
        acceptsDataFrom: null,
        warmupSecs: 15,
        runWindowSecs: 30,
        adobeWarmupSecs: 300,
        adobeRunWindowSecs: 3600,
        practice: true,
      }),
      test_event_results: () => [],
      setup_state: () => ({
        name: SETUP,
        webhookMode: "per_event_url",
        practice: true,
        sandbox: "prod",
        complete: true,
        flowId: "flow-all",
        datasetId: "ds",
        schemaId: "schema",
        hasWebhook: true,
        steps: [
          { step: "dataflow", instance: "all", state: "done", resourceId: "flow-all", preExisting: false, attempts: 1, errorCode: null, errorMessage: null },
          { step: "dataflow", instance: "new_conversation", state: "done", resourceId: "flow-new", preExisting: false, attempts: 1, errorCode: null, errorMessage: null },
          { step: "dataset", instance: null, state: "done", resourceId: "ds", preExisting: false, attempts: 1, errorCode: null, errorMessage: null },
        ],
      }),
    });
    render(App);
    const panel = await screen.findByTestId("verify-alerts");
    expect(within(panel).getByTestId("alerts-note").textContent).toContain(`default alert rules apply to ${SETUP}`);
    const toggle = within(panel).getByTestId("alerts-toggle");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(within(panel).queryByTestId("alert-rules")).toBeNull();
    expect(called(calls, "alert_settings")).toHaveLength(0);

    await fireEvent.click(toggle);
    const form = await within(panel).findByTestId("alert-rules");
    expect(form.getAttribute("data-setup")).toBe(SETUP);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    await waitFor(() => expect(within(form).getByTestId("alert-source").textContent).toContain("uses the default rules"));
    // Its dataflows, from its journal, each openable in Adobe.
    await waitFor(() =>
      expect(within(form).getAllByTestId("alert-open-adobe").map((button) => button.getAttribute("data-flow"))).toEqual([
        "flow-all",
        "flow-new",
      ]),
    );
  });
});
