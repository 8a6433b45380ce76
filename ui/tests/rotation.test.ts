import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { EventKind, FlowView, RotationPhase, RotationView } from "../src/backend";
import { setLanguage } from "../src/i18n/index.svelte";
import RotateUrl from "../src/lib/RotateUrl.svelte";

type Args = Record<string, unknown>;
type Handler = (args: Args) => unknown;

const ALL: EventKind[] = ["new_conversation", "unanswered_visitor", "visitor_feedback", "offline_message", "chat_transcript"];
const URL = "https://dcs.adobedc.net/collection/abc?x-adobe-flow-id=new-flow";

function flow(id: string, fields: EventKind[], instance: string | null = null, rotating = false): FlowView {
  return {
    flowId: id,
    name: `Flow ${id}`,
    health: "healthy",
    state: "enabled",
    hasWebhook: true,
    lastDay: { received: 0, ingested: 0, failed: 0 },
    lastWeek: { received: 0, ingested: 0, failed: 0 },
    lastIngestedAt: null,
    acceptsDataFrom: null,
    runs: [],
    errors: [],
    setupName: "Chatlio events",
    markedSetup: null,
    fields,
    testEvents: [],
    rotating,
    instance,
  };
}

function rotation(phase: RotationPhase, overrides: Partial<RotationView> = {}): RotationView {
  const ready = ["ready", "first_event_seen", "old_disabled", "finished"].includes(phase);
  return {
    setupName: "Chatlio events",
    instance: null,
    fields: ALL,
    phase,
    startedAt: new Date().toISOString(),
    acceptsDataFrom: new Date(Date.now() + (ready ? -60_000 : 15_000)).toISOString(),
    urlReady: ready,
    firstEventAt: null,
    oldDisabledAt: null,
    finishedAt: null,
    oldReceived: 4,
    newReceived: ["first_event_seen", "old_disabled", "finished"].includes(phase) ? 3 : 0,
    oldFlowId: "old-flow",
    newFlowId: "new-flow",
    ...overrides,
  };
}

function backend(handlers: Record<string, Handler>) {
  const calls: { command: string; args: Args }[] = [];
  mockIPC((command, args) => {
    const given = (args ?? {}) as Args;
    calls.push({ command, args: given });
    const handler = handlers[command];
    if (!handler) throw new Error(`unexpected command ${command}`);
    return handler(given);
  });
  return calls;
}

async function open(testid = "setup-rotate") {
  const details = screen.getByTestId(testid) as HTMLDetailsElement;
  details.open = true;
  await fireEvent(details, new Event("toggle"));
  return details;
}

describe("rotating the webhook URL", () => {
  beforeEach(() => {
    localStorage.clear();
    setLanguage("en");
  });
  afterEach(() => {
    cleanup();
    clearMocks();
    vi.useRealTimers();
  });

  it("explains why and starts a rotation of a setup's only dataflow", async () => {
    let current: RotationView | null = null;
    const calls = backend({
      rotation_status: () => current,
      start_rotation: () => (current = rotation("created")),
    });
    render(RotateUrl, { props: { name: "Chatlio events", flows: [flow("old-flow", ALL)], practice: true, testid: "setup-rotate" } });
    expect(screen.getByTestId("setup-rotate").textContent).toContain("Anyone who has a dataflow's webhook URL can write into its dataset");
    await open();
    await fireEvent.click(await screen.findByTestId("setup-rotate-start"));
    const status = await screen.findByTestId("setup-rotate-status");
    expect(status.dataset.phase).toBe("created");
    expect(calls.find((call) => call.command === "start_rotation")?.args).toEqual({ name: "Chatlio events", instance: null });
    expect(screen.getByTestId("setup-rotate-step-created").dataset.done).toBe("true");
    expect(screen.getByTestId("setup-rotate-step-ready").dataset.done).toBe("false");
    expect(screen.getByTestId("setup-rotate-step-ready").textContent).toContain("accepts data from");
    // During the warm-up there is nothing to copy.
    expect(screen.queryByTestId("setup-rotate-copy")).toBeNull();
  });

  it("goes on with a rotation interrupted while making the new dataflow", async () => {
    let current = rotation("started", { acceptsDataFrom: null, newFlowId: null });
    const calls = backend({
      rotation_status: () => current,
      start_rotation: () => (current = rotation("created")),
    });
    render(RotateUrl, { props: { name: "Chatlio events", flows: [flow("old-flow", ALL)], practice: true, testid: "setup-rotate" } });
    await open();
    expect((await screen.findByTestId("setup-rotate-status")).dataset.phase).toBe("started");
    await fireEvent.click(await screen.findByTestId("setup-rotate-resume"));
    await waitFor(() => expect(screen.getByTestId("setup-rotate-status").dataset.phase).toBe("created"));
    expect(calls.filter((call) => call.command === "start_rotation")).toHaveLength(1);
  });

  it("says when the new dataflow was deleted outside the app, and starts again from there", async () => {
    let current = rotation("ready");
    const gone = { code: "rotation_new_dataflow_gone", message: "the rotation's new dataflow new-flow is gone", hint: null };
    const calls = backend({
      rotation_status: () => current,
      // Deleted in Adobe's UI after the status was read.
      copy_rotation_url: () => {
        throw gone;
      },
      start_rotation: () => (current = rotation("created", { newFlowId: "remade-flow" })),
    });
    render(RotateUrl, { props: { name: "Chatlio events", flows: [flow("old-flow", ALL), flow("new-flow", ALL, null, true)], practice: true, testid: "setup-rotate" } });
    await open();
    await fireEvent.click(await screen.findByTestId("setup-rotate-copy"));
    const error = await screen.findByTestId("setup-rotate-error");
    expect(error.dataset.code).toBe("rotation_new_dataflow_gone");
    expect(error.textContent).toContain("deleted outside this app");
    // No steps of a rotation that cannot go on: Start makes a new dataflow.
    expect(screen.queryByTestId("setup-rotate-status")).toBeNull();
    await fireEvent.click(screen.getByTestId("setup-rotate-start"));
    await waitFor(() => expect(screen.getByTestId("setup-rotate-status").dataset.phase).toBe("created"));
    expect(screen.queryByTestId("setup-rotate-error")).toBeNull();
    expect(calls.filter((call) => call.command === "start_rotation")).toHaveLength(1);
  });

  it("copies the new URL once ready, and shows it only when asked", async () => {
    const calls = backend({
      rotation_status: () => rotation("ready"),
      copy_rotation_url: () => null,
      reveal_rotation_url: () => URL,
    });
    render(RotateUrl, { props: { name: "Chatlio events", flows: [flow("old-flow", ALL), flow("new-flow", ALL, null, true)], practice: true, testid: "setup-rotate" } });
    await open();
    await fireEvent.click(await screen.findByTestId("setup-rotate-copy"));
    await screen.findByTestId("setup-rotate-copied");
    expect(document.body.textContent).not.toContain(URL);
    expect(calls.find((call) => call.command === "copy_rotation_url")?.args).toEqual({ name: "Chatlio events", instance: null });
    const reveal = screen.getByTestId("setup-rotate-reveal") as HTMLButtonElement;
    await waitFor(() => expect(reveal.disabled).toBe(false));
    await fireEvent.click(reveal);
    expect((await screen.findByTestId("setup-rotate-url")).textContent).toBe(URL);
    // No event through the new URL yet: disabling the old one needs forcing.
    const disable = screen.getByTestId("setup-rotate-disable") as HTMLButtonElement;
    expect(disable.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("setup-rotate-force"));
    expect(disable.disabled).toBe(false);
  });

  it("disables the old dataflow once the new URL is used, then deletes it only when confirmed", async () => {
    let current = rotation("first_event_seen");
    const changed = vi.fn();
    const calls = backend({
      rotation_status: () => current,
      finish_rotation: (args) => {
        if (!args.deleteOld) {
          current = rotation("old_disabled");
          throw { code: "rotation_needs_confirmation", message: "deleting needs confirming", hint: null };
        }
        return (current = rotation("finished", { finishedAt: new Date().toISOString() }));
      },
    });
    render(RotateUrl, { props: { name: "Chatlio events", flows: [flow("old-flow", ALL), flow("new-flow", ALL, null, true)], practice: true, onChanged: changed, testid: "setup-rotate" } });
    await open();
    expect((await screen.findByTestId("setup-rotate-counts")).textContent).toContain("4 through the old URL, 3 through the new one");
    await fireEvent.click(screen.getByTestId("setup-rotate-disable"));
    await waitFor(() => expect(screen.getByTestId("setup-rotate-status").dataset.phase).toBe("old_disabled"));
    expect(screen.queryByTestId("setup-rotate-error")).toBeNull();
    expect(calls.find((call) => call.command === "finish_rotation")?.args).toEqual({
      name: "Chatlio events",
      instance: null,
      force: false,
      deleteOld: false,
    });
    const remove = screen.getByTestId("setup-rotate-delete") as HTMLButtonElement;
    expect(remove.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("setup-rotate-confirm-delete"));
    await fireEvent.click(remove);
    await screen.findByTestId("setup-rotate-finished");
    expect(calls.filter((call) => call.command === "finish_rotation").at(-1)?.args.deleteOld).toBe(true);
    expect(changed).toHaveBeenCalled();
  });

  it("asks which dataflow of a per-event setup, by its Chatlio fields", async () => {
    const calls = backend({
      rotation_status: () => null,
      start_rotation: (args) => rotation("created", { instance: args.instance as string }),
    });
    const flows = [flow("all", ["offline_message", "chat_transcript"], "all"), flow("feedback", ["visitor_feedback"], "visitor_feedback")];
    render(RotateUrl, { props: { name: "Chatlio events", flows, practice: true, testid: "setup-rotate" } });
    await open();
    expect(screen.getByTestId("setup-rotate-choose")).toBeTruthy();
    expect(screen.queryByTestId("setup-rotate-start")).toBeNull();
    const select = screen.getByTestId("setup-rotate-flow") as HTMLSelectElement;
    expect(select.options.length).toBe(3);
    await fireEvent.change(select, { target: { value: "visitor_feedback" } });
    await fireEvent.click(await screen.findByTestId("setup-rotate-start"));
    await screen.findByTestId("setup-rotate-status");
    expect(calls.find((call) => call.command === "rotation_status")?.args).toEqual({ name: "Chatlio events", instance: "visitor_feedback" });
    expect(calls.find((call) => call.command === "start_rotation")?.args).toEqual({ name: "Chatlio events", instance: "visitor_feedback" });
  });

  it("follows a rotation under way to its dataflow and polls while the panel is open", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let current = rotation("ready", { instance: "visitor_feedback" });
    const calls = backend({ rotation_status: () => current });
    const flows = [
      flow("all", ["offline_message", "chat_transcript"], "all"),
      flow("feedback", ["visitor_feedback"], "visitor_feedback"),
      flow("new-feedback", ["visitor_feedback"], "visitor_feedback", true),
    ];
    render(RotateUrl, { props: { name: "Chatlio events", flows, practice: true, testid: "setup-rotate" } });
    const details = await open();
    const select = screen.getByTestId("setup-rotate-flow") as HTMLSelectElement;
    expect(select.value).toBe("visitor_feedback");
    expect(select.disabled).toBe(true);
    await screen.findByTestId("setup-rotate-status");
    const polls = () => calls.filter((call) => call.command === "rotation_status").length;
    const before = polls();
    current = rotation("first_event_seen", { instance: "visitor_feedback" });
    await vi.advanceTimersByTimeAsync(3_500);
    await waitFor(() => expect(polls()).toBeGreaterThan(before));
    await waitFor(() => expect(screen.getByTestId("setup-rotate-status").dataset.phase).toBe("first_event_seen"));
    // Waiting on the user now: no more polling; nor once the panel closes.
    const settled = polls();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(polls()).toBe(settled);
    details.open = false;
    await fireEvent(details, new Event("toggle"));
    expect(calls.every((call) => call.args.instance === "visitor_feedback")).toBe(true);
  });
});
