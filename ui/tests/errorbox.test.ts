import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/svelte";
import ErrorBox from "../src/lib/ErrorBox.svelte";
import { setLanguage } from "../src/i18n/index.svelte";

const base = {
  message: "Adobe said no",
  resumable: false,
  requestId: "req-1",
  fields: [],
};

describe("ErrorBox", () => {
  afterEach(() => {
    cleanup();
    setLanguage("en");
  });

  it("names the permission a refused step needs, and keeps the back end's advice", () => {
    setLanguage("en");
    render(ErrorBox, {
      error: {
        ...base,
        code: "forbidden",
        step: "dataset",
        permission: "Manage Datasets",
        hint: "Your credential lacks Manage Datasets: ask an admin.",
      },
    });
    expect(screen.getByTestId("error-fix").textContent).toContain("lacks the permission Manage Datasets");
    expect(screen.getByTestId("error-hint").textContent).toContain("Your credential lacks Manage Datasets");
  });

  it("falls back to the code's own fix, in the chosen language", () => {
    setLanguage("sv");
    render(ErrorBox, { error: { ...base, code: "network", step: null, permission: null, hint: null } });
    expect(screen.getByTestId("error-fix").textContent?.trim().length).toBeGreaterThan(10);
    expect(screen.queryByTestId("error-hint")).toBeNull();
  });
});
