import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keepPressedInPlace, type PressedInPlace } from "./pressed-in-place";

// The checkout's shape: a summary htmx re-renders, above the button that places the order.
const CHECKOUT = `
  <form>
    <input id="voucher" name="voucher_code">
    <div id="summary-source"><section id="checkout-summary"></section></div>
    <button id="place" type="submit">Place <span id="label">order</span></button>
  </form>
`;

let handle: PressedInPlace;
let scrolled: number[];
let buttonTop: number;

function press(element: Element, type = "pointerdown"): void {
  element.dispatchEvent(new Event(type, { bubbles: true }));
}

function swap(newTop: number): void {
  const summary = document.getElementById("checkout-summary")!;
  summary.dispatchEvent(new CustomEvent("htmx:beforeSwap", { bubbles: true }));
  buttonTop = newTop; // the new summary's rows push the button down (or up)
  summary.dispatchEvent(new CustomEvent("htmx:afterSwap", { bubbles: true }));
}

beforeEach(() => {
  document.body.innerHTML = CHECKOUT;
  buttonTop = 500;
  vi.spyOn(document.getElementById("place")!, "getBoundingClientRect").mockImplementation(
    () => ({ top: buttonTop }) as DOMRect,
  );
  scrolled = [];
  handle = keepPressedInPlace(document, (dy) => scrolled.push(dy));
});

afterEach(() => {
  handle.destroy();
  vi.restoreAllMocks();
  document.body.innerHTML = "";
});

describe("keepPressedInPlace", () => {
  it("scrolls by as much as a swap moved the button being pressed", () => {
    press(document.getElementById("label")!); // on the text inside the button

    swap(568);

    expect(handle.pressed()?.id).toBe("place");
    expect(scrolled).toEqual([68]);
  });

  it("scrolls the other way when the swap moves the button up", () => {
    press(document.getElementById("place")!);

    swap(470);

    expect(scrolled).toEqual([-30]);
  });

  it("leaves the page alone when nothing is pressed", () => {
    swap(568);

    expect(scrolled).toEqual([]);
  });

  // pointerup: the press ended (its click is already sent); pointercancel: it became a scroll.
  it.each(["pointerup", "pointercancel"])("leaves the page alone after %s", (end) => {
    press(document.getElementById("place")!);
    press(document.getElementById("place")!, end);

    swap(568);

    expect(scrolled).toEqual([]);
  });

  it("leaves the page alone when the press is on a field, not a button", () => {
    press(document.getElementById("voucher")!);

    swap(568);

    expect(handle.pressed()).toBeNull();
    expect(scrolled).toEqual([]);
  });

  it("stops listening when destroyed", () => {
    handle.destroy();
    press(document.getElementById("place")!);

    swap(568);

    expect(scrolled).toEqual([]);
  });
});
