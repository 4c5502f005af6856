/**
 * Progressive enhancement of the main navigation.
 *
 * Without JavaScript the nav is always visible and the toggle button keeps its
 * `hidden` attribute. With it, `initNavToggle` shows the button, marks the nav
 * `data-collapsible` (main.css then collapses it on narrow screens unless it
 * has `data-open`), and keeps the button's `aria-expanded` and the nav's
 * `data-open` in step.
 */

export const NAV_TOGGLE_SELECTOR = "button.nav-toggle[aria-controls]";

export interface NavToggle {
  readonly button: HTMLButtonElement;
  readonly nav: HTMLElement;
  isOpen(): boolean;
  open(): void;
  /** Close the nav; with `returnFocus`, move focus back to the button. */
  close(options?: { returnFocus?: boolean }): void;
  toggle(): void;
  /** Remove listeners and attributes, back to the no-JS state. */
  destroy(): void;
}

const wired = new WeakMap<HTMLButtonElement, NavToggle>();

/**
 * Wire the first `button.nav-toggle[aria-controls]` in `root` to the element it
 * controls. Returns the handle, or `null` when there is no button or the
 * controlled element is missing (then nothing is changed). Calling it again on
 * the same button returns the existing handle without wiring it twice.
 */
export function initNavToggle(root: Document): NavToggle | null {
  const button = root.querySelector<HTMLButtonElement>(NAV_TOGGLE_SELECTOR);
  if (!button) return null;

  const existing = wired.get(button);
  if (existing) return existing;

  const navId = button.getAttribute("aria-controls") ?? "";
  const nav = navId ? root.getElementById(navId) : null;
  if (!nav) return null;

  const setOpen = (open: boolean): void => {
    button.setAttribute("aria-expanded", String(open));
    nav.toggleAttribute("data-open", open);
  };

  const handle: NavToggle = {
    button,
    nav,
    isOpen: () => button.getAttribute("aria-expanded") === "true",
    open: () => setOpen(true),
    close: (options) => {
      setOpen(false);
      if (options?.returnFocus) button.focus();
    },
    toggle: () => setOpen(!handle.isOpen()),
    destroy: () => {
      button.removeEventListener("click", onClick);
      root.removeEventListener("keydown", onKeydown);
      button.setAttribute("aria-expanded", "false");
      button.hidden = true;
      nav.removeAttribute("data-collapsible");
      nav.removeAttribute("data-open");
      wired.delete(button);
    },
  };

  function onClick(): void {
    handle.toggle();
  }

  function onKeydown(event: KeyboardEvent): void {
    if (event.key !== "Escape" || event.defaultPrevented || !handle.isOpen()) return;
    handle.close({ returnFocus: true });
  }

  // Start from what the markup says (normally aria-expanded="false").
  setOpen(handle.isOpen());
  nav.setAttribute("data-collapsible", "");
  button.hidden = false;
  button.addEventListener("click", onClick);
  root.addEventListener("keydown", onKeydown);

  wired.set(button, handle);
  return handle;
}
