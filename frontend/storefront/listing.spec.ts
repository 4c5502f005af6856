import { afterEach, describe, expect, it } from "vitest";
import { keepFocusAfterSwap, openFilterPanelsOnWideScreens } from "./listing";

afterEach(() => {
  document.body.innerHTML = "";
});

describe("openFilterPanelsOnWideScreens", () => {
  it("opens the filter panel on a wide screen", () => {
    document.body.innerHTML = `<details data-filter-panel><summary>Filters</summary></details>`;

    expect(openFilterPanelsOnWideScreens(document, true)).toBe(1);
    expect(document.querySelector("details")!.open).toBe(true);
  });

  it("leaves it closed on a phone, so the results come first", () => {
    document.body.innerHTML = `<details data-filter-panel><summary>Filters</summary></details>`;

    openFilterPanelsOnWideScreens(document, false);

    expect(document.querySelector("details")!.open).toBe(false);
  });
});

describe("keepFocusAfterSwap", () => {
  function swapped(target: Element): CustomEvent {
    return new CustomEvent("htmx:afterSwap", { detail: { target } });
  }

  it("focuses the new results when the focused link was swapped away", () => {
    document.body.innerHTML = `<section id="results"><a id="next" href="?page=2">Next</a></section>`;
    const results = document.getElementById("results")!;
    document.getElementById("next")!.focus();

    results.innerHTML = `<p>Page 2</p>`; // what htmx does before it fires afterSwap
    keepFocusAfterSwap(swapped(results));

    expect(document.activeElement).toBe(results);
    expect(results.tabIndex).toBe(-1);
  });

  it("leaves focus in the filter form, outside the swapped region", () => {
    document.body.innerHTML = `<select id="sort"></select><section id="results"></section>`;
    const sort = document.getElementById("sort")!;
    sort.focus();

    keepFocusAfterSwap(swapped(document.getElementById("results")!));

    expect(document.activeElement).toBe(sort);
  });
});
