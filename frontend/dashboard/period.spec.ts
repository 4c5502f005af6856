import { describe, expect, it } from "vitest";

import { periodFromQuery } from "./period";

describe("periodFromQuery", () => {
  it("reads the period and granularity the URL holds", () => {
    expect(periodFromQuery({ start: "2026-01-01", end: "2026-01-31", granularity: "week" })).toEqual({
      start: "2026-01-01",
      end: "2026-01-31",
      granularity: "week",
    });
  });

  it("falls back to the last 30 days by day for missing or malformed values", () => {
    const today = new Date(2026, 2, 31);
    expect(periodFromQuery({ start: "yesterday", granularity: "hour" }, today)).toEqual({
      start: "2026-03-02",
      end: "2026-03-31",
      granularity: "day",
    });
  });
});
