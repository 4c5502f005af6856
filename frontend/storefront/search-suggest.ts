/**
 * Keyboard access to the header's search suggestions.
 *
 * htmx fetches the suggestions as the shopper types (see templates/base.html) and swaps a
 * list of links into the region the input's `aria-controls` names. This module adds what a
 * list under a text box needs to be usable from the keyboard: Down arrow moves from the
 * input into the list, Up and Down move through it (Up from the first link returns to the
 * input), Escape closes the list, and the list closes when focus leaves the search box.
 * Without JavaScript none of this runs and the form simply submits to the search page.
 */

export const SEARCH_SUGGEST_SELECTOR = "input[data-search-suggest][aria-controls]";
const DISMISSED = "data-dismissed";

export interface SearchSuggest {
  readonly input: HTMLInputElement;
  readonly region: HTMLElement;
  isOpen(): boolean;
  dismiss(): void;
  destroy(): void;
}

const wired = new WeakMap<HTMLInputElement, SearchSuggest>();

export function initSearchSuggest(root: Document): SearchSuggest | null {
  const found = root.querySelector<HTMLInputElement>(SEARCH_SUGGEST_SELECTOR);
  if (!found) return null;
  const input: HTMLInputElement = found;
  const existing = wired.get(input);
  if (existing) return existing;

  const regionId = input.getAttribute("aria-controls") ?? "";
  const controlled = regionId ? root.getElementById(regionId) : null;
  if (!controlled) return null;
  const region: HTMLElement = controlled;
  // The box that holds the input and the list: focus inside it keeps the list open.
  const container: HTMLElement = input.parentElement ?? region;

  const links = (): HTMLAnchorElement[] => Array.from(region.querySelectorAll<HTMLAnchorElement>("a[href]"));
  const show = (): void => region.removeAttribute(DISMISSED);

  const handle: SearchSuggest = {
    input,
    region,
    isOpen: () => !region.hasAttribute(DISMISSED) && links().length > 0,
    dismiss: () => region.setAttribute(DISMISSED, ""),
    destroy: () => {
      input.removeEventListener("keydown", onInputKeydown);
      input.removeEventListener("input", show);
      region.removeEventListener("keydown", onRegionKeydown);
      container.removeEventListener("focusout", onFocusOut);
      show();
      wired.delete(input);
    },
  };

  function onInputKeydown(event: KeyboardEvent): void {
    const first = links()[0];
    if (event.key === "ArrowDown" && first) {
      event.preventDefault();
      show();
      first.focus();
    } else if (event.key === "Escape" && handle.isOpen()) {
      event.preventDefault(); // keep the typed text; a second Escape clears it as usual
      handle.dismiss();
    }
  }

  function onRegionKeydown(event: KeyboardEvent): void {
    const all = links();
    const index = all.indexOf(event.target as HTMLAnchorElement);
    if (index < 0) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      all[Math.min(index + 1, all.length - 1)]?.focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (index === 0 ? input : all[index - 1])?.focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      handle.dismiss();
      input.focus();
    }
  }

  function onFocusOut(event: FocusEvent): void {
    const next = event.relatedTarget;
    if (!(next instanceof Node) || !container.contains(next)) handle.dismiss();
  }

  input.addEventListener("keydown", onInputKeydown);
  input.addEventListener("input", show);
  region.addEventListener("keydown", onRegionKeydown);
  container.addEventListener("focusout", onFocusOut);

  wired.set(input, handle);
  return handle;
}
