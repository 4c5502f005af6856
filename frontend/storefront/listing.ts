/**
 * Progressive enhancement of product listings (category and search pages).
 *
 * - The filter panel is a `<details>` element, closed on phones so the results come first.
 *   On wide screens there is room beside the results, so it opens.
 * - htmx swaps the results region in place. When the element that had focus is swapped
 *   away (a pagination link inside the results), focus would fall back to `<body>` and a
 *   keyboard or screen-reader user would start again from the top of the page; focus moves
 *   to the new results instead. A change in the filter form keeps focus where it is.
 */

export const FILTER_PANEL_SELECTOR = "details[data-filter-panel]";
export const WIDE_SCREEN_QUERY = "(min-width: 48rem)";

export function openFilterPanelsOnWideScreens(root: Document, isWide = matchesWideScreen()): number {
  if (!isWide) return 0;
  const panels = Array.from(root.querySelectorAll<HTMLDetailsElement>(FILTER_PANEL_SELECTOR));
  for (const panel of panels) panel.open = true;
  return panels.length;
}

function matchesWideScreen(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia(WIDE_SCREEN_QUERY).matches;
}

/** Handler for htmx's `htmx:afterSwap`: focus the swapped region if focus was lost with the old content. */
export function keepFocusAfterSwap(event: Event): void {
  const target = (event as CustomEvent<{ target?: Element }>).detail?.target;
  if (!(target instanceof HTMLElement)) return;
  const doc = target.ownerDocument;
  const active = doc.activeElement;
  if (active && active !== doc.body && doc.contains(active)) return;
  if (!target.hasAttribute("tabindex")) target.tabIndex = -1;
  target.focus({ preventScroll: true });
}
