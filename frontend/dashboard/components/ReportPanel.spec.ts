import { mount } from "@vue/test-utils";
import { describe, expect, it, vi } from "vitest";
import { nextTick, ref } from "vue";

import ReportPanel from "./ReportPanel.vue";

function loader({ loading = false, error = null as string | null } = {}) {
  return { loading: ref(loading), error: ref(error), reload: vi.fn(async () => {}) };
}

const csvHref = "/api/v1/analytics/funnel/?format=csv";

describe("ReportPanel", () => {
  it("is named by its heading", () => {
    const panel = mount(ReportPanel, { props: { title: "By country", loader: loader() } });

    const heading = panel.get("h2");
    expect(heading.text()).toBe("By country");
    expect(heading.attributes("id")).toBeTruthy();
    expect(panel.get("section.panel").attributes("aria-labelledby")).toBe(heading.attributes("id"));
  });

  it("has no heading, and so no name, when the page's own heading names the report", () => {
    const panel = mount(ReportPanel, { props: { loader: loader() } });

    expect(panel.find("h2").exists()).toBe(false);
    expect(panel.get("section.panel").attributes("aria-labelledby")).toBeUndefined();
  });

  it("links the CSV export when it has one", () => {
    const panel = mount(ReportPanel, { props: { title: "Funnel", loader: loader(), csvHref } });

    const link = panel.get("a.csv");
    expect(link.attributes("href")).toBe(csvHref);
    expect(link.attributes()).toHaveProperty("download");
    expect(link.text()).toBe("Export CSV");
    expect(mount(ReportPanel, { props: { title: "Funnel", loader: loader() } }).find("a").exists()).toBe(false);
  });

  it("tells screen readers what the CSV holds", () => {
    const panel = mount(ReportPanel, {
      props: { title: "Net revenue", loader: loader(), csvHref, csvLabel: "net revenue" },
    });

    expect(panel.get("a.csv").text()).toBe("Export net revenue as CSV");
    expect(panel.get("a.csv .visually-hidden").text()).toBe("net revenue as");
  });

  it("says it is loading, keeping its heading, and shows the content once loaded", async () => {
    const state = loader({ loading: true });
    const panel = mount(ReportPanel, {
      props: { title: "Products", loader: state },
      slots: { default: "<table><caption>rows</caption></table>" },
    });

    expect(panel.get('[role="status"]').text()).toBe("Loading…");
    expect(panel.get("h2").text()).toBe("Products");
    expect(panel.find("table").exists()).toBe(false);

    state.loading.value = false;
    await nextTick();
    expect(panel.find('[role="status"]').exists()).toBe(false);
    expect(panel.get("table").text()).toBe("rows");
  });

  it("shows the error and asks its loader again on retry", async () => {
    const state = loader({ error: "The shop could not be reached." });
    const panel = mount(ReportPanel, { props: { title: "Cohorts", loader: state }, slots: { default: "<p>data</p>" } });

    expect(panel.get('[role="alert"]').text()).toContain("The shop could not be reached.");
    expect(panel.text()).not.toContain("data");
    await panel.get('[role="alert"] button').trigger("click");
    expect(state.reload).toHaveBeenCalledTimes(1);
  });

  it("says when there is nothing, in its own words if it has them", () => {
    const props = { title: "Widgets", loader: loader(), empty: true };
    expect(mount(ReportPanel, { props, slots: { default: "<p>data</p>" } }).get(".state").text()).toBe(
      "Nothing in this period.",
    );
    expect(mount(ReportPanel, { props: { ...props, emptyText: "No clicks." } }).get(".state").text()).toBe("No clicks.");
  });

  it("puts the report's own controls beside its title, shown while it loads", () => {
    const panel = mount(ReportPanel, {
      props: { title: "Products", loader: loader({ loading: true }), csvHref },
      slots: { actions: '<label>Show <select name="ranking"></select></label>' },
    });

    expect(panel.get("select").attributes("name")).toBe("ranking");
    expect(panel.get("label").element.compareDocumentPosition(panel.get(".state").element)).toBe(
      Node.DOCUMENT_POSITION_FOLLOWING,
    );
  });
});
