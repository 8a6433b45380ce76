import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import App from "../src/App.svelte";
import { setLanguage } from "../src/i18n/index.svelte";
import { restart } from "../src/wizard/store.svelte";
import { STEPS as ALL_STEPS } from "../src/backend/bindings";

type Args = Record<string, unknown>;
type Handler = (args: Args) => unknown;

const ALL_KINDS = ["new_conversation", "unanswered_visitor", "visitor_feedback", "offline_message", "chat_transcript"];

// A setup without Profile takes every step but the Profile one.
const STEPS = ALL_STEPS.filter((step) => step !== "profile_schema");

const connection = {
  practice: true,
  orgId: "PRACTICE0000000000000000@AdobeOrg",
  clientId: "practice-client",
  maskedSecret: "••••••••",
  sandboxes: [{ name: "prod", title: "Production", sandboxType: "production", region: "VA7", isDefault: true }],
  sandbox: "prod",
};

const preflightOk = {
  ok: true,
  tenantId: "practice",
  checks: [
    { id: "token", state: "passed", message: "ok", hint: null },
    { id: "sandbox", state: "passed", message: "ok", hint: null },
  ],
};

function setupView(complete: boolean) {
  return {
    name: "Chatlio events",
    practice: true,
    sandbox: "prod",
    complete,
    flowId: complete ? "flow-1" : null,
    datasetId: null,
    schemaId: null,
    hasWebhook: complete,
    webhookMode: "single_url",
    steps: STEPS.map((step) => ({
      step,
      state: complete ? "done" : "pending",
      resourceId: null,
      preExisting: false,
      attempts: 1,
      errorCode: null,
      errorMessage: null,
    })),
  };
}

/** A fake back end: per-command handlers, and a log of what was called. */
function backend(overrides: Record<string, Handler> = {}) {
  const calls: { command: string; args: Args }[] = [];
  const sentEvents: Record<string, unknown>[] = [];
  const handlers: Record<string, Handler> = {
    app_info: () => ({ version: "1.0.0", osLocale: "en-US", os: "linux" }),
    load_wizard: () => null,
    save_wizard: () => null,
    set_language: () => null,
    last_alert_check: () => null,
    start_practice: () => connection,
    choose_sandbox: () => null,
    connection_defaults: () => ({
      imsUrl: "https://ims-na1.adobelogin.com",
      platformUrl: "https://platform.adobe.io",
      clientId: "",
      orgId: "",
      sandbox: "",
      secretFromEnvironment: false,
    }),
    preflight: () => preflightOk,
    saved_connections: () => [],
    restore_connection: () => null,
    validate_setup: (args) =>
      (args.input as { name: string }).name.trim() === "" ? [{ field: "name", problem: "empty" }] : [],
    plan_setup: () => ({
      name: "Chatlio events",
      sandbox: "prod",
      resources: [{ step: "schema", kind: "schema", name: "Chatlio events", action: "create" }],
      calls: [{ step: "schema", method: "POST", path: "/data/foundation/schemaregistry/tenant/schemas", body: "{}" }],
      curl: "#!/bin/sh",
    }),
    setup_state: () => {
      throw { code: "unknown_setup", message: "no setup", hint: null };
    },
    run_setup: (args) => {
      const channel = args.onProgress as { onmessage: (event: unknown) => void };
      for (const step of STEPS) {
        channel.onmessage({ setupName: "Chatlio events", step, kind: "started", resourceId: null, adopted: false, error: null });
        channel.onmessage({ setupName: "Chatlio events", step, kind: "done", resourceId: "id", adopted: false, error: null });
      }
      return setupView(true);
    },
    chatlio_instructions: () => ({
      general: [{ code: "general.open_settings", certainty: "documented" }],
      mode: { code: "mode.single_url", certainty: "app" },
      events: ["new_conversation", "unanswered_visitor", "visitor_feedback", "offline_message", "chat_transcript"].map(
        (kind) => ({
          kind,
          title: `event.${kind}.title`,
          location: [{ code: `event.${kind}.where`, certainty: "documented" }],
          trigger: [],
          test: [],
        }),
      ),
    }),
    webhook_fields: () => ({
      mode: "single_url",
      statement: { code: "mode.single_url", certainty: "app" },
      fields: ALL_KINDS.map((kind) => ({
        kind,
        ready: true,
        sharedWith: ALL_KINDS.filter((other) => other !== kind),
      })),
    }),
    reveal_webhook_url: () => "http://127.0.0.1:1/collection/abc?x-adobe-flow-id=flow-1",
    copy_webhook_url: () => null,
    dataflow_timing: () => ({
      acceptsDataFrom: new Date(Date.now() - 1000).toISOString(),
      warmupSecs: 15,
      runWindowSecs: 30,
      adobeWarmupSecs: 300,
      adobeRunWindowSecs: 3600,
      practice: true,
    }),
    // Adobe accepts at once; the next look finds the hourly run counted it.
    test_event_results: () => sentEvents.map((event) => ({ ...event, state: "ingested" })),
    send_test_event: (args) => {
      const event = {
        kind: args.kind as string,
        state: "waiting",
        overdue: false,
        sentAt: new Date().toISOString(),
        expectedBy: new Date(Date.now() + 33000).toISOString(),
        errors: [],
      };
      sentEvents.push(event);
      return event;
    },
    ...overrides,
  };
  mockIPC(
    (command, args) => {
      calls.push({ command, args: (args ?? {}) as Args });
      const handler = handlers[command];
      if (!handler) throw new Error(`unexpected command ${command}`);
      return handler((args ?? {}) as Args);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

async function click(testId: string) {
  const element = await screen.findByTestId(testId);
  await waitFor(() => expect((element as HTMLButtonElement).disabled).toBe(false));
  await fireEvent.click(element);
}

describe("wizard", () => {
  beforeEach(() => {
    localStorage.clear();
    setLanguage("en");
    restart();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("walks the practice path from welcome to a counted test event", async () => {
    const calls = backend();
    render(App);
    await click("start-practice");
    await screen.findByTestId("screen-prerequisites");
    expect(screen.getByTestId("practice-badge")).toBeTruthy();
    await click("next");
    await screen.findByTestId("screen-connect");
    await screen.findByTestId("check-token");
    await click("next");
    await screen.findByTestId("screen-dataflow");
    await click("next");
    await screen.findByTestId("screen-review");
    await screen.findByTestId("plan-schema");
    await click("create");
    await screen.findByTestId("screen-create");
    await waitFor(() => expect(screen.getByTestId("step-read_back").getAttribute("data-state")).toBe("done"));
    for (const step of STEPS) expect(screen.getByTestId(`step-${step}`).getAttribute("data-state")).toBe("done");
    // The result is said in the window's live region, and focus went to
    // the screen's heading when it opened.
    await waitFor(() => expect(screen.getByTestId("announcer").textContent).toBe("Everything for Chatlio events is in place. Continue to give Chatlio the webhook address."));
    expect(document.activeElement?.id).toBe("create-title");
    await click("next");
    await screen.findByTestId("screen-chatlio");
    await waitFor(() => expect(document.activeElement?.id).toBe("chatlio-title"));
    expect(screen.getByTestId("webhook-url").textContent).not.toContain("http");
    await click("reveal-webhook-url");
    await waitFor(() => expect(screen.getByTestId("webhook-url").textContent).toContain("x-adobe-flow-id=flow-1"));
    await click("copy-webhook-url");
    await screen.findByTestId("copied");
    expect(screen.getAllByTestId(/^event-/)).toHaveLength(5);
    await click("next");
    await screen.findByTestId("screen-verify");
    const kind = screen.getByTestId("test-event-kind") as HTMLSelectElement;
    for (const option of Array.from(kind.options)) option.selected = option.value === "chat_transcript";
    await fireEvent.change(kind);
    await click("send-test-event");
    await waitFor(() => expect(screen.getByTestId("test-event-result").getAttribute("data-state")).toBe("waiting"));
    expect(screen.getByTestId("test-event-result").textContent).toContain("Waiting for the hourly run");
    await waitFor(() => expect(screen.getByTestId("test-event-result").getAttribute("data-state")).toBe("ingested"), {
      timeout: 5000,
    });
    const sent = calls.find((call) => call.command === "send_test_event");
    expect(sent?.args.kind).toBe("chat_transcript");
    await click("finish");
    await screen.findByTestId("screen-dashboard");
    // The wizard state was saved along the way, and never with a secret.
    const saved = calls.filter((call) => call.command === "save_wizard");
    expect(saved.length).toBeGreaterThan(3);
    expect(JSON.stringify(saved)).not.toMatch(/secret/i);
  });

  it("shows each refused connect field next to it", async () => {
    backend({
      connect: () => {
        throw {
          code: "fields_invalid",
          message: "refused",
          hint: null,
          step: null,
          resumable: false,
          requestId: null,
          fields: [
            { field: "client_id", problem: "empty" },
            { field: "org_id", problem: "wrong_format" },
          ],
        };
      },
    });
    render(App);
    await click("start-adobe");
    await click("next");
    await screen.findByTestId("screen-connect");
    await fireEvent.input(screen.getByTestId("org-id"), { target: { value: "not-an-org" } });
    await click("connect");
    expect((await screen.findByTestId("client-id-problem")).textContent).toBe("This field is required.");
    expect(screen.getByTestId("org-id-problem").textContent).toContain("@AdobeOrg");
    expect((screen.getByTestId("next") as HTMLButtonElement).disabled).toBe(true);
  });

  it("signs in with Adobe and asks which organization when there are several", async () => {
    const calls = backend({
      sign_in_with_adobe: () => ({
        connectionId: "c1",
        connection: null,
        organizations: [
          { orgId: "AAA@AdobeOrg", name: "Acme" },
          { orgId: "BBB@AdobeOrg", name: "Beta" },
        ],
      }),
      choose_org: () => ({ ...connection, practice: false, orgId: "BBB@AdobeOrg" }),
    });
    render(App);
    await click("start-adobe");
    await click("next");
    await screen.findByTestId("screen-connect");
    await fireEvent.input(screen.getByTestId("sign-in-client-id"), { target: { value: "native-client" } });
    await click("sign-in");
    const select = (await screen.findByTestId("org-select")) as HTMLSelectElement;
    for (const option of Array.from(select.options)) option.selected = option.value === "BBB@AdobeOrg";
    await fireEvent.change(select);
    await click("choose-org");
    await screen.findByTestId("connected");
    const chosen = calls.find((call) => call.command === "choose_org");
    expect(chosen?.args).toMatchObject({ connectionId: "c1", orgId: "BBB@AdobeOrg" });
    const signIn = calls.find((call) => call.command === "sign_in_with_adobe");
    expect(signIn?.args.input).toMatchObject({ clientId: "native-client", redirectUri: "", sessionOnly: false, practice: false });
  });

  it("offers only compatible existing schemas and their datasets", async () => {
    const calls = backend({
      existing_schemas: () => [{ id: "https://ns.adobe.com/practice/schemas/abc", name: "Chatlio events" }],
      existing_datasets: () => [{ id: "ds1", name: "Chatlio events" }],
    });
    render(App);
    await click("start-practice");
    await click("next");
    await screen.findByTestId("check-token");
    await click("next");
    expect(((await screen.findByTestId("dataset-existing")) as HTMLInputElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("schema-existing"));
    const schema = (await screen.findByTestId("existing-schema-select")) as HTMLSelectElement;
    for (const option of Array.from(schema.options)) option.selected = option.value.endsWith("/abc");
    await fireEvent.change(schema);
    await waitFor(() =>
      expect(calls.find((call) => call.command === "existing_datasets")?.args).toMatchObject({
        schemaId: "https://ns.adobe.com/practice/schemas/abc",
      }),
    );
    await fireEvent.click(screen.getByTestId("dataset-existing"));
    expect(await screen.findByTestId("existing-dataset-select")).toBeTruthy();
  });

  it("blocks the dataflow screen while the name is refused", async () => {
    backend();
    render(App);
    await click("start-practice");
    await click("next");
    await screen.findByTestId("check-token");
    await click("next");
    const name = await screen.findByTestId("dataflow-name");
    await fireEvent.input(name, { target: { value: "   " } });
    expect((await screen.findByTestId("dataflow-name-problem")).textContent).toBe("This field is required.");
    expect((screen.getByTestId("next") as HTMLButtonElement).disabled).toBe(true);
  });

  it("warns on the review screen that enabling Profile cannot be undone", async () => {
    backend({
      plan_setup: () => ({
        name: "Chatlio events",
        sandbox: "prod",
        resources: [
          { step: "schema", kind: "schema", name: "Chatlio events", action: "create" },
          { step: "profile_schema", kind: "profile_schema", name: "Chatlio events", action: "change_irreversibly" },
        ],
        calls: [],
        curl: "#!/bin/sh",
      }),
    });
    render(App);
    await click("start-practice");
    await click("next");
    await screen.findByTestId("check-token");
    await click("next");
    await screen.findByTestId("screen-dataflow");
    await fireEvent.click(await screen.findByTestId("profile-enabled"));
    await click("next");
    await screen.findByTestId("screen-review");
    const warning = await screen.findByTestId("profile-irreversible");
    expect(warning.textContent).toContain("cannot be undone");
    expect(screen.getByTestId("plan-profile_schema").textContent).toContain("Enable (cannot be undone)");
  });

  it("resumes an interrupted setup when reopened on the create screen", async () => {
    const calls = backend({
      load_wizard: () => ({
        screen: "create",
        mode: "practice",
        checked: [],
        connect: { imsUrl: "", platformUrl: "", clientId: "", orgId: "" },
        setup: { name: "Chatlio events", sandbox: "prod" },
        setupName: "Chatlio events",
      }),
      setup_state: () => setupView(false),
      resume_setup: () => setupView(true),
    });
    render(App);
    await screen.findByTestId("screen-create");
    await waitFor(() => expect(calls.some((call) => call.command === "resume_setup")).toBe(true));
    expect(calls.some((call) => call.command === "run_setup")).toBe(false);
    await waitFor(() => expect(screen.getByTestId("step-dataflow").getAttribute("data-state")).toBe("done"));
  });

  it("offers retry and rollback when a step fails, with the error in words", async () => {
    const calls = backend({
      run_setup: () => {
        throw {
          code: "forbidden",
          message: "403",
          hint: null,
          step: "dataset",
          resumable: false,
          requestId: "req-1",
          fields: [],
        };
      },
      rollback_setup: () => ({ name: "Chatlio events", deleted: [], kept: [] }),
    });
    render(App);
    await click("start-practice");
    await click("next");
    await screen.findByTestId("check-token");
    await click("next");
    await click("next");
    await click("create");
    await waitFor(() => expect(screen.getByTestId("step-dataset").getAttribute("data-state")).toBe("failed"));
    expect(screen.getByTestId("retry")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("announcer").textContent).toBe("The setup stopped. Retry, or roll back what it made."));
    await click("rollback");
    await screen.findByTestId("rolled-back");
    expect(calls.some((call) => call.command === "rollback_setup")).toBe(true);
  });
});
