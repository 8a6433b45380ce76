import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Chatlio from "../src/screens/Chatlio.svelte";
import { setLanguage } from "../src/i18n/index.svelte";
import { EVENT_KINDS } from "../src/backend/bindings";

type Args = Record<string, unknown>;

// With one URL per event: transcripts and offline messages share the "all"
// flow's URL, each visitor event has its own.
function perEventFields() {
  const flowOf = (kind: string) => (kind === "offline_message" || kind === "chat_transcript" ? "all" : kind);
  return {
    mode: "per_event_url",
    statement: { code: "mode.per_event_url", certainty: "app" },
    fields: EVENT_KINDS.map((kind) => ({
      kind,
      ready: true,
      sharedWith: EVENT_KINDS.filter((other) => other !== kind && flowOf(other) === flowOf(kind) && flowOf(kind) === "all"),
    })),
  };
}

function instructions() {
  return {
    general: [],
    mode: { code: "mode.single_url", certainty: "app" },
    events: EVENT_KINDS.map((kind) => ({
      kind,
      title: `event.${kind}.title`,
      location: [{ code: `event.${kind}.where`, certainty: "documented" }],
      trigger: [],
      test: [],
    })),
  };
}

describe("Connect Chatlio, one URL per event", () => {
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("gives each field its own URL, marks the shared one and copies the field's", async () => {
    setLanguage("en");
    const calls: { command: string; args: Args }[] = [];
    mockIPC((command, args) => {
      calls.push({ command, args: args as Args });
      if (command === "chatlio_instructions") return instructions();
      if (command === "webhook_fields") return perEventFields();
      if (command === "copy_webhook_url") return null;
      if (command === "reveal_webhook_url") return `http://127.0.0.1:1/collection/x?x-adobe-flow-id=${(args as Args).kind}`;
      throw new Error(`unexpected command ${command}`);
    });
    render(Chatlio);
    await screen.findByTestId("copy-webhook-url-unanswered_visitor");
    // No single URL box: every field has its own.
    expect(screen.queryByTestId("copy-webhook-url")).toBeNull();
    for (const kind of EVENT_KINDS) expect(screen.getByTestId(`webhook-url-${kind}`).textContent).toContain("hidden");
    expect(screen.getByTestId("shared-chat_transcript").textContent).toContain("Offline message");
    expect(screen.queryByTestId("shared-visitor_feedback")).toBeNull();
    expect(screen.getByTestId("webhook-mode-statement").textContent).not.toContain("mode.");

    await fireEvent.click(screen.getByTestId("copy-webhook-url-unanswered_visitor"));
    await screen.findByTestId("copied-unanswered_visitor");
    const copy = calls.find((call) => call.command === "copy_webhook_url");
    expect(copy?.args).toEqual({ name: "Chatlio events", kind: "unanswered_visitor" });

    await fireEvent.click(screen.getByTestId("reveal-webhook-url-visitor_feedback"));
    await waitFor(() =>
      expect(screen.getByTestId("webhook-url-visitor_feedback").textContent).toContain("flow-id=visitor_feedback"),
    );
  });
});
