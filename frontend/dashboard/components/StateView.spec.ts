import { mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";

import StateView from "./StateView.vue";

describe("StateView", () => {
  it("says it is loading", () => {
    const view = mount(StateView, { props: { loading: true, error: null }, slots: { default: "<p>data</p>" } });
    expect(view.get('[role="status"]').text()).toBe("Loading…");
    expect(view.text()).not.toContain("data");
  });

  it("shows the error and offers a retry", async () => {
    const view = mount(StateView, { props: { loading: false, error: "Refused." } });
    expect(view.get('[role="alert"]').text()).toContain("Refused.");
    await view.get("button").trigger("click");
    expect(view.emitted("retry")).toHaveLength(1);
  });

  it("says when there is nothing, else shows its content", () => {
    expect(mount(StateView, { props: { loading: false, error: null, empty: true } }).text()).toBe(
      "Nothing in this period.",
    );
    const view = mount(StateView, { props: { loading: false, error: null }, slots: { default: "<p>data</p>" } });
    expect(view.text()).toBe("data");
  });
});
