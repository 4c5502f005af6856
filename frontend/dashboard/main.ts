import "./styles.css";

import { createApp } from "vue";

import App from "./App.vue";
import { makeRouter } from "./router";

const mount = document.getElementById("dashboard");
if (mount) {
  createApp(App).use(makeRouter()).mount(mount);
}
