import "./styles/main.css";
import htmx from "htmx.org";
import { addCsrfHeader } from "./csrf";
import { keepFocusAfterSwap, openFilterPanelsOnWideScreens } from "./listing";
import { initNavToggle } from "./nav-toggle";
import { keepPressedInPlace } from "./pressed-in-place";
import { initSearchSuggest } from "./search-suggest";

declare global {
  interface Window {
    htmx: typeof htmx;
  }
}

// main.css styles `.htmx-indicator` itself, so htmx need not inject an inline
// <style> (which a strict Content-Security-Policy would block anyway).
htmx.config.includeIndicatorStyles = false;
// No eval: `hx-on`, `js:` and `hx-vars` would need 'unsafe-eval', which the CSP refuses.
htmx.config.allowEval = false;

// htmx extensions and inline hx-on handlers look for the global.
window.htmx = htmx;

function init(): void {
  initNavToggle(document);
  initSearchSuggest(document);
  openFilterPanelsOnWideScreens(document);
  document.body.addEventListener("htmx:afterSwap", keepFocusAfterSwap);
  keepPressedInPlace(document);
  document.body.addEventListener("htmx:configRequest", (event) => addCsrfHeader(event));
}

// Module scripts run after the document is parsed, but stay safe if this
// entry is ever loaded early.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init, { once: true });
} else {
  init();
}
