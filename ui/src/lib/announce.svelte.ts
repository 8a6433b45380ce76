// One polite live region for the whole window. Screen readers announce a
// live region's changes only when the region was already in the page, so it
// is rendered once by App.svelte and never removed; screens hand it their
// progress and results as words.

export const announcer = $state<{ message: string }>({ message: "" });

let clearTimer: ReturnType<typeof setTimeout> | undefined;

/** Says `message` once to assistive technology. The same message twice in a
 * row is said twice: the region is emptied first, as readers announce a
 * change, not a value. */
export function announce(message: string): void {
  clearTimeout(clearTimer);
  announcer.message = "";
  // Next task: the empty region must be seen before the new text.
  clearTimer = setTimeout(() => {
    announcer.message = message;
    // Emptied again later, so a reader moving through the page does not
    // come upon old news.
    clearTimer = setTimeout(() => (announcer.message = ""), CLEAR_AFTER_MS);
  }, 50);
}

const CLEAR_AFTER_MS = 15_000;
