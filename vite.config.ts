import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vitest/config";

// Vite builds the front-end assets; django-vite serves them.
// - `base` matches Django's STATIC_URL, for the dev server as well, because
//   django-vite prefixes every dev-server URL with STATIC_URL.
// - The manifest lands at frontend/dist/manifest.json, which django-vite reads
//   in production; its keys are paths relative to the repo root (the Vite root),
//   e.g. "frontend/storefront/main.ts", as used by {% vite_asset %}.
const DEV_HOST = "127.0.0.1";
const DEV_PORT = 5173;

export default defineConfig({
  plugins: [vue()],
  base: "/static/",
  build: {
    outDir: "frontend/dist",
    emptyOutDir: true,
    manifest: "manifest.json",
    // Vite 8 (Rolldown) name for what Vite <= 7 called `rollupOptions`.
    rolldownOptions: {
      input: ["frontend/storefront/main.ts", "frontend/dashboard/main.ts"],
      onwarn(warning, defaultHandler) {
        // htmx evaluates `hx-on`/`js:` expressions with eval on purpose; only
        // silence that known warning, and only for htmx.
        if (warning.code === "EVAL" && warning.id?.includes("/node_modules/htmx.org/")) return;
        defaultHandler(warning);
      },
    },
  },
  server: {
    host: DEV_HOST,
    port: DEV_PORT,
    strictPort: true,
    // Asset URLs in CSS/JS served by the dev server must point at Vite, not at Django.
    origin: `http://${DEV_HOST}:${DEV_PORT}`,
  },
  test: {
    environment: "jsdom",
    include: ["frontend/**/*.spec.ts"],
  },
});
