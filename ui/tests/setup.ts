// Screens other than the first load on demand (App.svelte). Under Vitest a
// screen's first load also compiles it and everything it imports, which can
// take longer than a test waits for an element: compiling every screen once
// here, before any test, keeps the tests' waits about the app.
import.meta.glob("../src/screens/*.svelte", { eager: true });
