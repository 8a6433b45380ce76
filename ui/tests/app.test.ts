import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import App from "../src/App.svelte";
import { forgetLanguageChoice, setLanguage } from "../src/i18n/index.svelte";

describe("App", () => {
  beforeEach(() => {
    localStorage.clear();
    setLanguage("en");
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("shows the welcome screen and the version the back end reports", async () => {
    const calls: string[] = [];
    mockIPC((command) => {
      calls.push(command);
      if (command === "app_info") return { version: "9.8.7", osLocale: "en-US", os: "linux" };
      if (command === "load_wizard") return null;
      throw new Error(`unexpected command ${command}`);
    });
    render(App);
    expect(await screen.findByTestId("screen-welcome")).toBeTruthy();
    expect((await screen.findByTestId("app-version")).textContent).toBe("Version 9.8.7");
    expect(calls).toEqual(["app_info", "load_wizard"]);
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
