/**
 * Keep a button the shopper is pressing under their finger while htmx swaps content above it.
 *
 * The checkout summary sits above "Place order" and is re-rendered a moment after each change
 * to the form; choosing a delivery method adds rows to it. A press that began on the button
 * before the swap and ended after it ended where the button had been, above where it now was:
 * the browser sent no click, and the shopper stayed on the checkout page. While a pointer is down
 * on a button or link, a swap that moves it scrolls the page by as much, so the button stays
 * where it was pressed. Nothing moves otherwise: a shopper typing above the summary keeps
 * their place.
 */

const PRESSABLE = "button, a[href], input[type=submit]";

export interface PressedInPlace {
  /** The element under a pointer that is down, if it is a button or a link. */
  pressed(): Element | null;
  destroy(): void;
}

/** At once: the page's smooth scrolling would still be under way when the press ends. */
function scrollInstantly(root: Document, dy: number): void {
  root.defaultView?.scrollBy({ top: dy, behavior: "instant" });
}

export function keepPressedInPlace(
  root: Document,
  scrollBy: (dy: number) => void = (dy) => scrollInstantly(root, dy),
): PressedInPlace {
  let pressed: Element | null = null;
  let topBeforeSwap: number | null = null;

  const onPointerDown = (event: Event): void => {
    const target = event.target instanceof Element ? event.target : null;
    pressed = target?.closest(PRESSABLE) ?? null;
  };
  const onPointerEnd = (): void => {
    pressed = null;
  };
  const onBeforeSwap = (): void => {
    topBeforeSwap = pressed?.isConnected ? pressed.getBoundingClientRect().top : null;
  };
  const onAfterSwap = (): void => {
    if (pressed?.isConnected && topBeforeSwap !== null) {
      const moved = pressed.getBoundingClientRect().top - topBeforeSwap;
      if (moved !== 0) scrollBy(moved);
    }
    topBeforeSwap = null;
  };

  // Capture: the page's own handlers cannot hide the press from this one.
  root.addEventListener("pointerdown", onPointerDown, true);
  root.addEventListener("pointerup", onPointerEnd, true);
  root.addEventListener("pointercancel", onPointerEnd, true);
  root.addEventListener("htmx:beforeSwap", onBeforeSwap);
  root.addEventListener("htmx:afterSwap", onAfterSwap);
  return {
    pressed: () => pressed,
    destroy(): void {
      root.removeEventListener("pointerdown", onPointerDown, true);
      root.removeEventListener("pointerup", onPointerEnd, true);
      root.removeEventListener("pointercancel", onPointerEnd, true);
      root.removeEventListener("htmx:beforeSwap", onBeforeSwap);
      root.removeEventListener("htmx:afterSwap", onAfterSwap);
    },
  };
}
