import { afterEach, describe, expect, it, vi } from "vitest";

import { REDUCED_MOTION_QUERY, chartTheme, prefersReducedMotion } from "./charts";

describe("chart motion", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("turns the charts' animations off only for visitors who asked for less motion", () => {
    expect(chartTheme(true)).toEqual({ animation: false });
    expect(chartTheme(false)).toEqual({});
  });

  it("reads the visitor's system setting", () => {
    const asked: string[] = [];
    const matchMedia = (query: string) => {
      asked.push(query);
      return { matches: true } as MediaQueryList;
    };
    vi.stubGlobal("matchMedia", matchMedia);

    expect(prefersReducedMotion()).toBe(true);
    expect(asked).toEqual([REDUCED_MOTION_QUERY]);
  });

  it("keeps the animations where the browser cannot say", () => {
    vi.stubGlobal("matchMedia", undefined);

    expect(prefersReducedMotion()).toBe(false);
  });
});
