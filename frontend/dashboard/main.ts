import "./styles.css";

import { createApp } from "vue";

import App from "./App.vue";
import { THEME_KEY, chartTheme, prefersReducedMotion } from "./charts";
import { makeRouter } from "./router";

const mount = document.getElementById("dashboard");
if (mount) {
  createApp(App).use(makeRouter()).provide(THEME_KEY, chartTheme(prefersReducedMotion())).mount(mount);
}
