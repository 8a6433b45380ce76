import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import App from "../src/App.svelte";
import { BOOT_GLOBAL } from "../src/backend";
import { forgetLanguageChoice, setLanguage } from "../src/i18n/index.svelte";
import { idleUpdates, updates } from "../src/lib/updates.svelte";
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
        if (command === "check_for_update") return { state: "not_configured", currentVersion: "9.8.7", update: null };
        throw new Error(`unexpected command ${command}`);
      },
      { shouldMockEvents: true },
    );
    render(App);
    expect(await screen.findByTestId("screen-welcome")).toBeTruthy();
    expect((await screen.findByTestId("app-version")).textContent).toBe("Version 9.8.7");
    await waitFor(() => expect([...calls].sort()).toEqual(["app_info", "check_for_update", "load_wizard", "set_language"]));
    // A build without an update source says nothing unless asked.
    expect(screen.queryByTestId("update-available")).toBeNull();
    expect(screen.queryByTestId("update-state")).toBeNull();
  });

  describe("the first screen's answers handed over by the shell", () => {
    const handed = (screenName: string) => ({
      info: { version: "4.5.6", osLocale: "sv-SE", os: "linux" },
      wizard: {
        screen: screenName,
        mode: "adobe",
        checked: [],
        connect: { imsUrl: "", platformUrl: "", clientId: "", orgId: "" },
        setup: {},
        setupName: null,
      },
    });
    // The shell's initialization script sets the global; the page's
    // navigation timing says whether this load is the window's first.
    function handOver(boot: unknown, navigation: string) {
      Reflect.set(globalThis, BOOT_GLOBAL, boot);
      vi.spyOn(performance, "getEntriesByType").mockImplementation((type) =>
        type === "navigation" ? ([{ type: navigation }] as unknown as PerformanceEntryList) : [],
      );
    }
    function backend() {
      const calls: string[] = [];
      mockIPC(
        (command) => {
          calls.push(command);
          if (command === "app_info") return { version: "9.9.9", osLocale: "en-US", os: "linux" };
          if (command === "load_wizard") return null;
          return null;
        },
        { shouldMockEvents: true },
      );
      return calls;
    }
    beforeEach(() => forgetLanguageChoice());
    afterEach(() => {
      Reflect.deleteProperty(globalThis, BOOT_GLOBAL);
      vi.restoreAllMocks();
    });

    it("draws the first screen in the mount itself, in the system's language, without asking", async () => {
      const calls = backend();
      const boot = handed("welcome");
      boot.wizard = null as unknown as typeof boot.wizard;
      handOver(boot, "navigate");
      render(App);
      // No await before these: the mount drew them.
      expect(screen.getByTestId("welcome-title").textContent).toContain("Strömma");
      expect(screen.getByTestId("app-version").textContent).toContain("4.5.6");
      await waitFor(() => expect(calls).toContain("check_for_update"));
      expect(calls).not.toContain("app_info");
      expect(calls).not.toContain("load_wizard");
    });

    it("takes up the saved wizard state it was handed", async () => {
      const calls = backend();
      handOver(handed("prerequisites"), "navigate");
      render(App);
      expect(await screen.findByTestId("screen-prerequisites")).toBeTruthy();
      expect(calls).not.toContain("load_wizard");
    });

    it("asks the commands after a reload, where the handed state may be stale", async () => {
      const calls = backend();
      handOver(handed("prerequisites"), "reload");
      render(App);
      expect(await screen.findByTestId("screen-welcome")).toBeTruthy();
      expect((await screen.findByTestId("app-version")).textContent).toContain("9.9.9");
      expect(calls).toContain("app_info");
      expect(calls).toContain("load_wizard");
      expect(screen.queryByTestId("screen-prerequisites")).toBeNull();
    });
  });

  describe("updates", () => {
    // The store outlives a test's App, as it outlives screens in the app.
    beforeEach(() => {
      Object.assign(updates, idleUpdates());
    });

    const offered = {
      state: "available",
      currentVersion: "0.1.0",
      update: { version: "0.2.0", currentVersion: "0.1.0", date: null, notes: "Faster dashboard" },
    };

    function backend(check: () => unknown, install: (channel: { onmessage: (progress: unknown) => void }) => unknown) {
      const calls: string[] = [];
      mockIPC(
        (command, args) => {
          calls.push(command);
          if (command === "app_info") return { version: "0.1.0", osLocale: "en-US", os: "linux" };
          if (command === "check_for_update") return check();
          if (command === "install_update") return install((args as { onProgress: { onmessage: (progress: unknown) => void } }).onProgress);
          return null;
        },
        { shouldMockEvents: true },
      );
      return calls;
    }

    it("offers a newer version with its notes, and installs only when asked", async () => {
      const calls = backend(
        () => offered,
        () => {
          throw { code: "update_signature_invalid", message: "signature mismatch", hint: null };
        },
      );
      render(App);
      const banner = await screen.findByTestId("update-available");
      expect(banner.getAttribute("data-version")).toBe("0.2.0");
      expect(banner.textContent).toContain("Version 0.2.0 is available (you have 0.1.0).");
      expect(screen.getByTestId("update-notes").textContent).toBe("Faster dashboard");
      expect(calls).not.toContain("install_update");
      await fireEvent.click(screen.getByTestId("update-install"));
      const error = await screen.findByTestId("update-error");
      expect(error.getAttribute("data-code")).toBe("update_signature_invalid");
      expect(error.textContent).toContain("not signed by the app's publisher");
      expect(screen.getByTestId("update-install").textContent).toContain("Try again");
      expect(calls.filter((call) => call === "install_update")).toHaveLength(1);
    });

    it("hides the offer for now, and says the outcome of a check the user asks for", async () => {
      let answer: unknown = offered;
      backend(
        () => answer,
        () => null,
      );
      render(App);
      await screen.findByTestId("update-available");
      await fireEvent.click(screen.getByTestId("update-dismiss"));
      expect(screen.queryByTestId("update-available")).toBeNull();
      answer = { state: "latest", currentVersion: "0.1.0", update: null };
      await fireEvent.click(screen.getByTestId("update-check"));
      const state = await screen.findByTestId("update-state");
      expect(state.getAttribute("data-state")).toBe("latest");
      expect(state.textContent).toBe("You have the newest version (0.1.0).");
      answer = offered;
      await waitFor(() => expect((screen.getByTestId("update-check") as HTMLButtonElement).disabled).toBe(false));
      await fireEvent.click(screen.getByTestId("update-check"));
      expect(await screen.findByTestId("update-available")).toBeTruthy();
    });

    it("shows the download's progress while installing", async () => {
      let finish: (value: unknown) => void = () => {};
      backend(
        () => offered,
        (channel) => {
          channel.onmessage({ downloaded: 50, total: 200 });
          return new Promise((resolve) => (finish = resolve));
        },
      );
      render(App);
      await screen.findByTestId("update-available");
      await fireEvent.click(screen.getByTestId("update-install"));
      await waitFor(() => expect(screen.getByTestId("update-available").textContent).toContain("Downloading the update: 25%"));
      expect((screen.getByTestId("update-install") as HTMLButtonElement).disabled).toBe(true);
      finish(null);
    });

    it("says a failed check only when the user asked for it", async () => {
      backend(
        () => {
          throw { code: "update_check_failed", message: "offline", hint: null };
        },
        () => null,
      );
      render(App);
      await screen.findByTestId("screen-welcome");
      await waitFor(() => expect((screen.getByTestId("update-check") as HTMLButtonElement).disabled).toBe(false));
      expect(screen.queryByTestId("update-check-error")).toBeNull();
      await fireEvent.click(screen.getByTestId("update-check"));
      expect((await screen.findByTestId("update-check-error")).getAttribute("data-code")).toBe("update_check_failed");
    });
  });

  it("opens the log folder, and says where the log is when the folder cannot be shown", async () => {
    let opened = 0;
    let fails = false;
    mockIPC(
      (command) => {
        if (command === "app_info") return { version: "1.0.0", osLocale: "en-US", os: "linux" };
        if (command === "open_log_folder") {
          opened += 1;
          if (fails) throw { code: "folder_open_failed", message: "no file manager", hint: "The log is in /data/logs." };
        }
        return null;
      },
      { shouldMockEvents: true },
    );
    render(App);
    await screen.findByTestId("screen-welcome");
    await fireEvent.click(screen.getByTestId("open-log-folder"));
    await waitFor(() => expect(opened).toBe(1));
    expect(screen.queryByTestId("log-folder-error")).toBeNull();
    fails = true;
    await fireEvent.click(screen.getByTestId("open-log-folder"));
    const error = await screen.findByTestId("log-folder-error");
    expect(error.getAttribute("data-code")).toBe("folder_open_failed");
    expect(error.textContent).toContain("The folder could not be opened.");
    expect(screen.getByTestId("log-folder-error-hint").textContent).toContain("/data/logs");
    // A later success clears the error.
    fails = false;
    await fireEvent.click(screen.getByTestId("open-log-folder"));
    await waitFor(() => expect(screen.queryByTestId("log-folder-error")).toBeNull());
    expect(opened).toBe(3);
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
