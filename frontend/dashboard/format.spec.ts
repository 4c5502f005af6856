import { describe, expect, it } from "vitest";

import { changeTone, daysBefore, formatChange, formatMoney, formatRatio } from "./format";

describe("format", () => {
  it("writes money in its own currency", () => {
    expect(formatMoney({ amount: "1234.50", currency: "GBP" })).toBe("£1,234.50");
    expect(formatMoney({ amount: "10.00", currency: "EUR" })).toBe("€10.00");
  });

  it("writes ratios as percentages and a missing base as a dash", () => {
    expect(formatRatio("0.2500")).toBe("25.0%");
    expect(formatRatio(null)).toBe("–");
  });

  it("signs changes against the previous period", () => {
    expect(formatChange("0.1250")).toBe("+12.5%");
    expect(formatChange("-0.0300")).toBe("−3.0%");
    expect(formatChange(null)).toBe("new");
    expect(changeTone("-0.0300")).toBe("down");
    expect(changeTone("0.0000")).toBe("flat");
  });

  it("counts days back across months", () => {
    expect(daysBefore("2026-03-01", 1)).toBe("2026-02-28");
    expect(daysBefore("2026-03-31", 29)).toBe("2026-03-02");
  });
});
