import "./styles/main.css";
import htmx from "htmx.org";
import { initNavToggle } from "./nav-toggle";

declare global {
  interface Window {
    htmx: typeof htmx;
  }
}

// main.css styles `.htmx-indicator` itself, so htmx need not inject an inline
// <style> (which a strict Content-Security-Policy would block anyway).
htmx.config.includeIndicatorStyles = false;

// htmx extensions and inline hx-on handlers look for the global.
window.htmx = htmx;

// Module scripts run after the document is parsed, but stay safe if this
// entry is ever loaded early.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => initNavToggle(document), { once: true });
} else {
  initNavToggle(document);
}
