import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import FlowCard from "../src/lib/FlowCard.svelte";
import FlowRecords from "../src/lib/FlowRecords.svelte";
import type { FlowView } from "../src/backend";
import { setLanguage } from "../src/i18n/index.svelte";

const FLOW = "flow-1";

function storedRecord(id: string, kind: string, email: string | null) {
  return {
    id,
    time: "2026-11-28T10:00:00Z",
    kind,
    visitorEmail: email,
    visitorName: null,
    visitorId: "v-1",
    conversationId: `c-${id}`,
    message: "H•••",
    record: null,
  };
}

const STORED = {
  datasetId: "ds-1",
  records: [
    storedRecord("r1", "chat_transcript", "b•••@e•••.com"),
    storedRecord("r2", "offline_message", "a•••@e•••.com"),
    storedRecord("r3", "visitor_event", null),
  ],
  sampled: 3,
};

const WHOLE = { _id: "r1", timestamp: "2026-11-28T10:00:00Z", _practice: { chatlio: { visitor: { email: "bob@example.com" } } } };

function failedRecord(index: number) {
  return {
    id: `batch-1:${index}`,
    batchId: "batch-1",
    runStarted: "2026-11-28T09:00:00Z",
    errors: [
      {
        adobeCode: "DCVS-1106-400",
        message: "required key [subjectId] not found",
        explanation: "missing_identifier",
        fix: "add an identifier",
        field: "subjectId",
      },
    ],
    payload: { visitor: { email: "", UUID: "" }, message: "H•••" },
    family: "visitor_event",
    replayable: true,
  };
}

function failures(count: number, replayed: { recordId: string; sentAt: string }[] = []) {
  return {
    failed: {
      records: Array.from({ length: count }, (_, index) => failedRecord(index)),
      counted: count,
      batchesWithoutDiagnostics: 0,
      unreadable: 0,
    },
    replayed,
  };
}

const BROKEN_BODY = JSON.stringify({ visitor: { email: "", UUID: "" }, message: "Hello?" }, null, 2);
const SAMPLE = JSON.stringify({ visitor: { email: "test@example.com", UUID: "u-1" }, message: "Hi" }, null, 2);

type Handler = (args: Record<string, unknown>) => unknown;

/** A mocked back end for the records commands; `overrides` replace single commands. */
function backend(overrides: Record<string, Handler> = {}) {
  const calls: { command: string; args: Record<string, unknown> }[] = [];
  let failedCount = 2;
  const handlers: Record<string, Handler> = {
    flow_records: () => STORED,
    reveal_record: () => WHOLE,
    flow_failures: () => failures(failedCount),
    failed_payload: () => BROKEN_BODY,
    sample_payload: () => SAMPLE,
    preview_payload: (args) => {
      const body = JSON.parse(args.payload as string) as { visitor?: { email?: string } };
      const valid = Boolean(body.visitor?.email);
      return {
        record: valid ? { _id: "x", timestamp: "t", _practice: { chatlio: { eventKind: "visitor_event" } } } : null,
        kind: valid ? "visitor_event" : null,
        mappingErrors: [],
        missingRequired: valid ? [] : ["chatlio.subjectId"],
        valid,
        validatedBy: "data_prep_preview_and_required_fields",
      };
    },
    replay_records: (args) => {
      const request = args.request as { edited: unknown[]; recordIds: unknown[]; pasted: unknown[] };
      const sent = request.edited.length + request.recordIds.length + request.pasted.length;
      return { sent, accepted: sent, items: [], sentAt: "2026-11-28T11:00:00Z" };
    },
    ...overrides,
  };
  mockIPC((command, args) => {
    const given = (args ?? {}) as Record<string, unknown>;
    calls.push({ command, args: given });
    const handler = handlers[command];
    if (!handler) throw new Error(`unexpected command ${command}`);
    return handler(given);
  });
  return {
    calls,
    setFailedCount(count: number) {
      failedCount = count;
    },
  };
}

/** Clicks a button once it is enabled (a command still under way disables the panel's buttons). */
async function press(element: HTMLElement) {
  await waitFor(() => expect((element as HTMLButtonElement).disabled).toBe(false));
  await fireEvent.click(element);
}

function show(onChanged = vi.fn()) {
  render(FlowRecords, { flowId: FLOW, onChanged });
  return onChanged;
}

describe("a dataflow's records", () => {
  beforeEach(() => {
    localStorage.clear();
    setLanguage("en");
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("opens in a dashboard card's details", async () => {
    backend();
    const flow: FlowView = {
      flowId: FLOW,
      name: "Chatlio events",
      health: "healthy",
      state: "enabled",
      hasWebhook: true,
      lastDay: { received: 3, ingested: 3, failed: 0 },
      lastWeek: { received: 3, ingested: 3, failed: 0 },
      lastIngestedAt: null,
      runs: [],
      errors: [],
      setupName: null,
      markedSetup: null,
      fields: [],
      acceptsDataFrom: null,
      testEvents: [],
      rotating: false,
      instance: null,
    };
    render(FlowCard, { flow, now: Date.now(), onChanged: vi.fn() });
    expect(screen.queryByTestId("flow-records")).toBeNull();
    await fireEvent.click(screen.getByTestId("flow-details"));
    const panel = await screen.findByTestId("flow-records");
    await press(within(panel).getByTestId("records-load"));
    expect(await within(panel).findAllByTestId("record-row")).toHaveLength(3);
  });

  it("lists stored records with their kind and masked visitor, and reveals one whole", async () => {
    const { calls } = backend();
    show();
    expect(screen.getByTestId("records-tab-stored").getAttribute("aria-selected")).toBe("true");
    expect(screen.getByTestId("records-note").textContent).toContain("masked until you reveal");
    await fireEvent.click(screen.getByTestId("records-load"));
    const rows = await screen.findAllByTestId("record-row");
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => row.getAttribute("data-kind"))).toEqual(["chat_transcript", "offline_message", "visitor_event"]);
    expect(rows[0].textContent).toContain("Chat transcript");
    expect(rows[1].textContent).toContain("Offline message");
    expect(rows[2].textContent).toContain("Visitor event (one of three");
    expect(rows[0].textContent).toContain("b•••@e•••.com");
    // Without an email the visitor's id shows.
    expect(rows[2].textContent).toContain("v-1");
    expect(screen.queryByTestId("record-json")).toBeNull();
    expect(calls.find((call) => call.command === "flow_records")?.args).toEqual({ flowId: FLOW });

    await press(within(rows[0]).getByTestId("record-reveal"));
    const json = await within(rows[0]).findByTestId("record-json");
    expect(JSON.parse(json.textContent ?? "")).toEqual(WHOLE);
    expect(calls.find((call) => call.command === "reveal_record")?.args).toEqual({ flowId: FLOW, recordId: "r1" });
    // Only the one asked for.
    expect(within(rows[1]).queryByTestId("record-json")).toBeNull();
    expect(within(rows[1]).getByTestId("record-reveal")).toBeTruthy();
  });

  it("says when nothing is stored yet", async () => {
    backend({ flow_records: () => ({ datasetId: "ds-1", records: [], sampled: 0 }) });
    show();
    await fireEvent.click(screen.getByTestId("records-load"));
    expect((await screen.findByTestId("records-empty")).textContent).toContain("Nothing stored yet");
  });

  it("explains a failed record, names the field and says how to fix it", async () => {
    const { calls } = backend();
    show();
    await fireEvent.click(screen.getByTestId("records-tab-failed"));
    const rows = await screen.findAllByTestId("failed-row");
    expect(rows).toHaveLength(2);
    expect(calls.find((call) => call.command === "flow_failures")?.args).toEqual({ flowId: FLOW });
    expect(screen.getByTestId("failed-summary").textContent).toContain("Adobe counted 2 failed records");
    const explanation = within(rows[0]).getByTestId("failed-explanation");
    expect(explanation.getAttribute("data-explanation")).toBe("missing_identifier");
    expect(explanation.textContent).toContain("Events arrived without a visitor or conversation identifier.");
    expect(explanation.textContent).toContain("identifier. · field subjectId");
    expect(explanation.textContent).toContain("This event has no visitor email, visitor id or conversation id.");
    expect(explanation.textContent).toContain("required key [subjectId] not found");
    expect(rows[0].textContent).toContain("Visitor event");
    expect(screen.queryByTestId("failed-more")).toBeNull();
    expect(screen.getByTestId("replay-selected")).toHaveProperty("disabled", true);
  });

  it("lists many failed records a page of 50 at a time", async () => {
    const { setFailedCount } = backend();
    setFailedCount(120);
    show();
    await fireEvent.click(screen.getByTestId("records-tab-failed"));
    await waitFor(() => expect(screen.getAllByTestId("failed-row")).toHaveLength(50));
    // The button names what a click shows: the next page, not all that is left.
    expect(screen.getByTestId("failed-more").textContent).toBe("Show 50 more");
    await fireEvent.click(screen.getByTestId("failed-more"));
    expect(screen.getAllByTestId("failed-row")).toHaveLength(100);
    expect(screen.getByTestId("failed-more").textContent).toBe("Show 20 more");
    await fireEvent.click(screen.getByTestId("failed-more"));
    expect(screen.getAllByTestId("failed-row")).toHaveLength(120);
    expect(screen.queryByTestId("failed-more")).toBeNull();
  });

  it("re-sends a corrected failed record and shows what Adobe accepted", async () => {
    const { calls } = backend();
    const onChanged = show();
    await fireEvent.click(screen.getByTestId("records-tab-failed"));
    const rows = await screen.findAllByTestId("failed-row");
    await press(within(rows[1]).getByTestId("failed-edit"));
    const editor = (await within(rows[1]).findByTestId("failed-editor")) as HTMLTextAreaElement;
    expect(calls.find((call) => call.command === "failed_payload")?.args).toEqual({ flowId: FLOW, recordId: "batch-1:1" });
    expect(editor.value).toBe(BROKEN_BODY);
    // Editing selects the record for re-sending.
    expect((within(rows[1]).getByTestId("failed-select") as HTMLInputElement).checked).toBe(true);
    expect(screen.getByTestId("replay-selected").textContent).toContain("Re-send 1 selected");

    const corrected = JSON.stringify({ visitor: { email: "fixed@example.com", UUID: "" }, message: "Hello?" });
    await fireEvent.input(editor, { target: { value: corrected } });
    await press(screen.getByTestId("replay-selected"));
    const result = await screen.findByTestId("replay-result");
    expect(result.getAttribute("data-sent")).toBe("1");
    expect(result.getAttribute("data-accepted")).toBe("1");
    expect(result.textContent).toContain("Sent 1, accepted by Adobe 1.");
    const replay = calls.find((call) => call.command === "replay_records");
    expect(replay?.args).toEqual({
      request: { flowId: FLOW, recordIds: [], edited: [{ recordId: "batch-1:1", payload: corrected }], pasted: [], again: false },
    });
    // The list is read again and the dashboard told.
    await waitFor(() => expect(calls.filter((call) => call.command === "flow_failures")).toHaveLength(2));
    expect(onChanged).toHaveBeenCalled();
    await waitFor(() => expect(screen.queryByTestId("failed-editor")).toBeNull());
  });

  it("re-sends a record as kept when it is only ticked, and marks what was re-sent", async () => {
    const { calls } = backend({
      flow_failures: () =>
        calls.some((call) => call.command === "replay_records")
          ? failures(2, [{ recordId: "batch-1:0", sentAt: "2026-11-28T11:00:00Z" }])
          : failures(2),
    });
    show();
    await fireEvent.click(screen.getByTestId("records-tab-failed"));
    const rows = await screen.findAllByTestId("failed-row");
    await fireEvent.click(within(rows[0]).getByTestId("failed-select"));
    await fireEvent.click(screen.getByTestId("replay-again"));
    await press(screen.getByTestId("replay-selected"));
    await screen.findByTestId("replay-result");
    expect(calls.find((call) => call.command === "replay_records")?.args).toEqual({
      request: { flowId: FLOW, recordIds: ["batch-1:0"], edited: [], pasted: [], again: true },
    });
    const marked = await screen.findAllByTestId("failed-replayed");
    expect(marked).toHaveLength(1);
    expect(marked[0].closest('[data-testid="failed-row"]')?.getAttribute("data-id")).toBe("batch-1:0");
  });

  it("tries a sample: preview says valid and the kind, and only then can it be sent", async () => {
    const { calls } = backend();
    const onChanged = show();
    await fireEvent.click(screen.getByTestId("records-tab-try"));
    const send = screen.getByTestId("try-send") as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    expect((screen.getByTestId("try-preview") as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.change(screen.getByTestId("try-sample"), { target: { value: "visitor_feedback" } });
    await press(screen.getByTestId("try-load-sample"));
    await waitFor(() => expect((screen.getByTestId("try-payload") as HTMLTextAreaElement).value).toBe(SAMPLE));
    expect(calls.find((call) => call.command === "sample_payload")?.args).toEqual({ kind: "visitor_feedback" });
    expect(send.disabled).toBe(true);

    await press(screen.getByTestId("try-preview"));
    const result = await screen.findByTestId("try-result");
    expect(result.getAttribute("data-valid")).toBe("true");
    expect(result.getAttribute("data-kind")).toBe("visitor_event");
    expect(result.textContent).toContain("Valid: Adobe would store this record.");
    expect(result.textContent).toContain("Would be stored as: Visitor event");
    expect(calls.find((call) => call.command === "preview_payload")?.args).toEqual({ flowId: FLOW, payload: SAMPLE });
    await waitFor(() => expect(send.disabled).toBe(false));

    await press(send);
    const report = await screen.findByTestId("replay-result");
    expect(report.getAttribute("data-accepted")).toBe("1");
    expect(calls.find((call) => call.command === "replay_records")?.args).toEqual({
      request: { flowId: FLOW, recordIds: [], edited: [], pasted: [SAMPLE], again: false },
    });
    expect(onChanged).toHaveBeenCalled();
  });

  it("shows an invalid body as such, and a body changed after its preview must be tried again", async () => {
    backend();
    show();
    await fireEvent.click(screen.getByTestId("records-tab-try"));
    const payload = screen.getByTestId("try-payload");
    const send = screen.getByTestId("try-send") as HTMLButtonElement;
    await fireEvent.input(payload, { target: { value: BROKEN_BODY } });
    await press(screen.getByTestId("try-preview"));
    const result = await screen.findByTestId("try-result");
    expect(result.getAttribute("data-valid")).toBe("false");
    expect(result.getAttribute("data-kind")).toBe("");
    expect(result.textContent).toContain("Not valid: the record lacks chatlio.subjectId");
    expect(send.disabled).toBe(true);

    await fireEvent.input(payload, { target: { value: SAMPLE } });
    await press(screen.getByTestId("try-preview"));
    await waitFor(() => expect(screen.getByTestId("try-result").getAttribute("data-valid")).toBe("true"));
    expect(send.disabled).toBe(false);
    // Edited after the preview: what would be sent was not checked.
    await fireEvent.input(payload, { target: { value: BROKEN_BODY } });
    expect(screen.queryByTestId("try-result")).toBeNull();
    expect(send.disabled).toBe(true);
  });

  it("shows a failed command in the error box", async () => {
    backend({
      flow_failures: () => {
        throw { code: "server_error", message: "Adobe said 500", hint: null, step: null, resumable: true, requestId: "req-9", fields: [] };
      },
    });
    show();
    await fireEvent.click(screen.getByTestId("records-tab-failed"));
    const box = await screen.findByTestId("error");
    expect(box.getAttribute("data-code")).toBe("server_error");
    expect(box.textContent).toContain("Adobe had an internal error.");
    expect(box.textContent).toContain("req-9");
    expect(screen.queryByTestId("failed-summary")).toBeNull();
    // A later success clears it.
    clearMocks();
    backend();
    await press(screen.getByTestId("failed-load"));
    await screen.findByTestId("failed-summary");
    expect(screen.queryByTestId("error")).toBeNull();
  });
});
