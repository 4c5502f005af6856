import { mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";

import KpiCard from "./KpiCard.vue";

// Canvas drawing is ECharts' own business (jsdom has no canvas): the stub keeps the option it is given.
const stubs = { Echarts: { name: "Echarts", template: "<div data-chart />", props: ["option"] } };

describe("KpiCard", () => {
  it("shows the figure and its change on the previous period", () => {
    const card = mount(KpiCard, {
      props: { label: "Revenue", value: "£1,200.00", change: "0.2000", series: [1, 2], previous: [1, 1] },
      global: { stubs },
    });

    expect(card.get("h3").text()).toBe("Revenue");
    expect(card.get(".kpi__value").text()).toBe("£1,200.00");
    expect(card.get(".kpi__change").text()).toContain("+20.0%");
    expect(card.get(".kpi__change").classes()).toContain("kpi__change--up");
  });

  it("draws this period over the previous one in the sparkline", () => {
    const card = mount(KpiCard, {
      props: { label: "Orders", value: "3", change: null, series: [3, 4], previous: [1, 2] },
      global: { stubs },
    });

    const option = card.getComponent(stubs.Echarts).props("option") as { series: { data: number[] }[] };
    expect(option.series.map((line) => line.data)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(card.get(".kpi__change").text()).toContain("new");
  });
});
