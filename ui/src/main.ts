import { mount } from "svelte";
import App from "./App.svelte";
import "./styles.css";

// The bench splits the cold start at these marks (bench/src/startup.rs):
// the script has run here, and App.svelte marks the first screen shown.
performance.mark("app-script");

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

export default mount(App, { target });
