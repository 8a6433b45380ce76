import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { SavedDocumentView, SetupInput } from "../src/backend";
import { setLanguage } from "../src/i18n/index.svelte";
import HandOver from "../src/lib/HandOver.svelte";
import OpenSetupFile from "../src/lib/OpenSetupFile.svelte";
import { restart, wizard } from "../src/wizard/store.svelte";

type Args = Record<string, unknown>;
type Handler = (args: Args) => unknown;

function saved(path: string, containsUrls = false, dataPath: string | null = null): SavedDocumentView {
  return { path, fileName: path.split("/").pop() ?? path, containsUrls, dataPath };
}

const FILE_INPUT: SetupInput = {
  name: "From a file",
  sandbox: "dev",
  existingSchemaId: "",
  schemaTitle: "From a file",
  existingDatasetId: "",
  datasetName: "From a file",
  profileEnabled: false,
  errorDiagnostics: true,
  partialIngestionThreshold: null,
  webhookMode: "per_event_url",
};

function backend(overrides: Record<string, Handler> = {}) {
  const calls: { command: string; args: Args }[] = [];
  const handlers: Record<string, Handler> = {
    save_handoff_packet: (args) =>
      saved(`/home/me/Downloads/Chatlio events - Chatlio hand-off (${args.language as string}).html`, args.includeUrls as boolean),
    save_setup_record: () =>
      saved("/home/me/Downloads/Chatlio events - setup record (en).html", false, "/home/me/Downloads/Chatlio events - setup record.json"),
    export_setup_file: () => saved("/home/me/Downloads/Chatlio events.setup.json"),
    read_setup_file: () => FILE_INPUT,
    setup_name_check: (args) => ({
      name: args.name,
      sandbox: args.sandbox,
      sandboxHere: null,
      taken: false,
      suggestion: null,
    }),
    save_wizard: () => null,
    choose_sandbox: () => null,
    ...overrides,
  };
  mockIPC((command, args) => {
    const given = (args ?? {}) as Args;
    calls.push({ command, args: given });
    const handler = handlers[command];
    if (!handler) throw new Error(`unexpected command ${command}`);
    return handler(given);
  });
  return calls;
}

async function choose(input: HTMLElement, text: string) {
  const file = new File([text], "setup.json", { type: "application/json" });
  Object.defineProperty(input, "files", { value: [file], configurable: true });
  await fireEvent.change(input);
}

/** Opens a closed <details> as a click on its summary would (its form is
 * drawn only while open). */
async function openDetails(testid: string) {
  const details = screen.getByTestId(testid) as HTMLDetailsElement;
  details.open = true;
  await fireEvent(details, new Event("toggle"));
}

describe("hand over", () => {
  beforeEach(() => {
    localStorage.clear();
    setLanguage("en");
    restart();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("saves the packet without URLs by default and says where", async () => {
    const calls = backend();
    render(HandOver, { props: { name: "Chatlio events", testid: "setup-handover" } });
    await openDetails("setup-handover");
    await fireEvent.input(screen.getByTestId("setup-handover-contact"), { target: { value: " Anna Berg " } });
    await fireEvent.click(screen.getByTestId("setup-handover-packet"));
    const result = await screen.findByTestId("setup-handover-saved");
    expect(result.dataset.kind).toBe("packet");
    expect(result.dataset.private).toBe("false");
    expect(result.textContent).toContain("/home/me/Downloads/Chatlio events - Chatlio hand-off (en).html");
    expect(calls.find((call) => call.command === "save_handoff_packet")?.args).toEqual({
      name: "Chatlio events",
      language: "en",
      contact: "Anna Berg",
      includeUrls: false,
    });
    expect(screen.queryByTestId("setup-handover-urls-warning")).toBeNull();
  });

  it("warns before including the URLs, and the saved file is private", async () => {
    const calls = backend();
    render(HandOver, { props: { name: "Chatlio events", testid: "setup-handover" } });
    await openDetails("setup-handover");
    await fireEvent.change(screen.getByTestId("setup-handover-language"), { target: { value: "sv" } });
    await fireEvent.click(screen.getByTestId("setup-handover-include-urls"));
    expect(screen.getByTestId("setup-handover-urls-warning").textContent).toContain("safe channel");
    await fireEvent.click(screen.getByTestId("setup-handover-packet"));
    const result = await screen.findByTestId("setup-handover-saved");
    expect(result.dataset.private).toBe("true");
    expect(result.textContent).toContain("only you can read the file");
    expect(calls.find((call) => call.command === "save_handoff_packet")?.args).toMatchObject({
      language: "sv",
      contact: null,
      includeUrls: true,
    });
  });

  it("saves the record with its JSON and exports the setup file", async () => {
    backend();
    render(HandOver, { props: { name: "Chatlio events", testid: "verify-handover" } });
    await openDetails("verify-handover");
    await fireEvent.click(screen.getByTestId("verify-handover-record"));
    let result = await screen.findByTestId("verify-handover-saved");
    expect(result.dataset.kind).toBe("record");
    expect(result.textContent).toContain("setup record.json");
    await fireEvent.click(screen.getByTestId("verify-handover-export"));
    await waitFor(() => expect(screen.getByTestId("verify-handover-saved").dataset.kind).toBe("file"));
    result = screen.getByTestId("verify-handover-saved");
    expect(result.textContent).toContain("Chatlio events.setup.json");
  });

  it("words a refusal", async () => {
    backend({
      save_handoff_packet: () => {
        throw { code: "setup_incomplete", message: "setup \"Chatlio events\" is not complete", hint: null };
      },
    });
    render(HandOver, { props: { name: "Chatlio events", testid: "setup-handover" } });
    await openDetails("setup-handover");
    await fireEvent.click(screen.getByTestId("setup-handover-packet"));
    const error = await screen.findByTestId("setup-handover-error");
    expect(error.dataset.code).toBe("setup_incomplete");
    expect(error.textContent).toContain("The setup is not finished yet.");
  });
});

describe("open a setup file", () => {
  beforeEach(() => {
    localStorage.clear();
    setLanguage("en");
    restart();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("puts the file's choices in the wizard and goes to Review", async () => {
    const calls = backend();
    render(OpenSetupFile);
    await choose(screen.getByTestId("open-setup-file"), '{"version": 1}');
    // The file's own sandbox is proposed; its name is free there.
    const sandbox = (await screen.findByTestId("open-setup-file-sandbox")) as HTMLSelectElement;
    expect(sandbox.value).toBe("dev");
    expect(screen.queryByTestId("open-setup-file-promote")).toBeNull();
    expect(screen.queryByTestId("open-setup-file-name")).toBeNull();
    await waitFor(() => expect((screen.getByTestId("open-setup-file-review") as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(screen.getByTestId("open-setup-file-review"));
    await waitFor(() => expect(wizard.state.screen).toBe("review"));
    expect(wizard.state.setup).toEqual(FILE_INPUT);
    expect(calls.find((call) => call.command === "read_setup_file")?.args).toEqual({ text: '{"version": 1}' });
    expect(calls.find((call) => call.command === "setup_name_check")?.args).toEqual({ name: "From a file", sandbox: "dev" });
  });

  it("applies the file to another sandbox under another name when the name is used here", async () => {
    wizard.connection = {
      practice: true,
      orgId: "PRACTICE0000000000000000@AdobeOrg",
      clientId: "practice-client",
      maskedSecret: "••••",
      sandboxes: [
        { name: "prod", title: "Production", sandboxType: "production", region: null, isDefault: true },
        { name: "dev", title: "Development", sandboxType: "development", region: null, isDefault: false },
      ],
      sandbox: "dev",
    };
    const calls = backend({
      // "From a file" is the dev setup here; "From a file prod 2" too is taken.
      setup_name_check: (args) => {
        const taken = args.sandbox !== "dev" && (args.name === "From a file" || args.name === "Other");
        return {
          name: args.name,
          sandbox: args.sandbox,
          sandboxHere: taken ? "dev" : null,
          taken,
          suggestion: taken ? `${args.name as string} ${args.sandbox as string}` : null,
        };
      },
    });
    render(OpenSetupFile);
    await choose(screen.getByTestId("open-setup-file"), '{"version": 1}');
    const sandbox = (await screen.findByTestId("open-setup-file-sandbox")) as HTMLSelectElement;
    expect([...sandbox.options].map((option) => option.value)).toEqual(["prod", "dev"]);
    await fireEvent.change(sandbox, { target: { value: "prod" } });
    const name = (await screen.findByTestId("open-setup-file-name")) as HTMLInputElement;
    expect(name.value).toBe("From a file prod");
    expect(screen.getByTestId("open-setup-file-promote").textContent).toContain("dev → prod");
    expect(screen.getByTestId("open-setup-file-name-note").textContent).toContain("in sandbox dev");
    // A name that is taken too is refused before Review.
    await fireEvent.input(name, { target: { value: "Other" } });
    await fireEvent.click(screen.getByTestId("open-setup-file-review"));
    await screen.findByTestId("open-setup-file-name-taken");
    expect(wizard.state.screen).not.toBe("review");
    await fireEvent.input(name, { target: { value: "From a file prod" } });
    await fireEvent.click(screen.getByTestId("open-setup-file-review"));
    await waitFor(() => expect(wizard.state.screen).toBe("review"));
    expect(wizard.state.setup).toEqual({ ...FILE_INPUT, sandbox: "prod", name: "From a file prod" });
    expect(calls.filter((call) => call.command === "setup_name_check").at(-1)?.args).toEqual({
      name: "From a file prod",
      sandbox: "prod",
    });
    // The session follows to the target sandbox.
    expect(calls.find((call) => call.command === "choose_sandbox")?.args).toEqual({ sandbox: "prod" });
    expect(wizard.connection?.sandbox).toBe("prod");
  });

  it("lists a refused file's problems by their place in the file", async () => {
    backend({
      read_setup_file: () => {
        throw {
          code: "setup_file_invalid",
          message: "$.dataset.name: is too long; $.colour: unknown key",
          hint: null,
          fields: [
            { field: "$.dataset.name", problem: "too_long" },
            { field: "$.colour", problem: "unknown_key" },
          ],
        };
      },
    });
    setLanguage("sv");
    render(OpenSetupFile);
    await choose(screen.getByTestId("open-setup-file"), "{}");
    const problems = await screen.findAllByTestId("open-setup-file-problem");
    expect(problems.map((entry) => entry.dataset.path)).toEqual(["$.dataset.name", "$.colour"]);
    expect(problems[0].textContent).toContain("är för långt");
    expect(screen.getByTestId("open-setup-file-error").dataset.code).toBe("setup_file_invalid");
    expect(wizard.state.screen).toBe("welcome");
  });
});
