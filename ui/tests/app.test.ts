import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import App from "../src/App.svelte";
import { forgetLanguageChoice, setLanguage } from "../src/i18n/index.svelte";
import { restart } from "../src/wizard/store.svelte";

describe("App", () => {
  beforeEach(() => {
    localStorage.clear();
    setLanguage("en");
    restart();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("shows the welcome screen and the version the back end reports", async () => {
    const calls: string[] = [];
    mockIPC(
      (command) => {
        calls.push(command);
        if (command === "app_info") return { version: "9.8.7", osLocale: "en-US", os: "linux" };
        if (command === "load_wizard" || command === "set_language") return null;
        throw new Error(`unexpected command ${command}`);
      },
      { shouldMockEvents: true },
    );
    render(App);
    expect(await screen.findByTestId("screen-welcome")).toBeTruthy();
    expect((await screen.findByTestId("app-version")).textContent).toBe("Version 9.8.7");
    expect([...calls].sort()).toEqual(["app_info", "load_wizard", "set_language"]);
  });

  it("tells the back end the language at start and on every change, for notifications", async () => {
    const languages: unknown[] = [];
    mockIPC(
      (command, args) => {
        if (command === "set_language") languages.push((args as { language: string }).language);
        if (command === "app_info") return { version: "1.0.0", osLocale: "en-US", os: "linux" };
        return null;
      },
      { shouldMockEvents: true },
    );
    render(App);
    await screen.findByTestId("screen-welcome");
    await waitFor(() => expect(languages).toEqual(["en"]));
    await fireEvent.change(screen.getByTestId("lang-select"), { target: { value: "sv" } });
    await waitFor(() => expect(languages).toEqual(["en", "sv"]));
    expect(screen.queryByTestId("language-error")).toBeNull();
  });

  it("says when notifications may not follow the window's language", async () => {
    mockIPC(
      (command) => {
        if (command === "set_language") throw { code: "invalid_input", message: "no catalog", hint: null };
        if (command === "app_info") return { version: "1.0.0", osLocale: "en-US", os: "linux" };
        return null;
      },
      { shouldMockEvents: true },
    );
    render(App);
    const error = await screen.findByTestId("language-error");
    expect(error.getAttribute("data-code")).toBe("invalid_input");
    expect(error.textContent).toContain("another language");
  });

  it("opens the dashboard when a notification is clicked on the welcome screen", async () => {
    mockIPC(
      (command) => {
        if (command === "app_info") return { version: "1.0.0", osLocale: "en-US", os: "linux" };
        if (command === "dashboard") throw { code: "not_connected", message: "no", hint: null };
        return null;
      },
      { shouldMockEvents: true },
    );
    render(App);
    await screen.findByTestId("screen-welcome");
    await waitFor(async () => {
      await emit("open-flow", "flow-1");
      expect(screen.getByTestId("screen-dashboard")).toBeTruthy();
    });
  });

  it("switches to Swedish when the user picks it", async () => {
    mockIPC((command) =>
      command === "app_info" ? { version: "1.0.0", osLocale: "en-US", os: "linux" } : null,
    );
    render(App);
    await screen.findByTestId("screen-welcome");
    const select = screen.getByTestId("lang-select") as HTMLSelectElement;
    await fireEvent.change(select, { target: { value: "sv" } });
    expect(screen.getByTestId("welcome-title").textContent).toBe(
      "Strömma Chatlio-händelser till Adobe Experience Platform",
    );
    expect(localStorage.getItem("chatlio-setup.language")).toBe("sv");
  });

  it("follows the OS locale when the user has not chosen", async () => {
    forgetLanguageChoice();
    mockIPC((command) =>
      command === "app_info" ? { version: "1.0.0", osLocale: "sv-SE", os: "linux" } : null,
    );
    render(App);
    await screen.findByTestId("app-version");
    await screen.findByTestId("welcome-title");
    expect(screen.getByTestId("welcome-title").textContent).toContain("Strömma");
  });

  it("keeps the user's choice over the OS locale", async () => {
    setLanguage("en");
    mockIPC((command) =>
      command === "app_info" ? { version: "1.0.0", osLocale: "sv-SE", os: "linux" } : null,
    );
    render(App);
    await screen.findByTestId("app-version");
    await screen.findByTestId("welcome-title");
    expect(screen.getByTestId("welcome-title").textContent).toContain("Stream Chatlio");
  });

  it("shows a coded error when the back end fails", async () => {
    mockIPC(() => {
      throw { code: "internal", message: "boom", hint: null };
    });
    render(App);
    const alert = await screen.findByTestId("app-error");
    expect(alert.getAttribute("data-code")).toBe("internal");
    expect(alert.textContent?.trim()).toBe("Something went wrong inside the app.");
  });
});
