/**
 * Progressive enhancement of the main navigation's menu button.
 *
 * The menu works without JavaScript: templates/base.html renders a closed
 * `<details class="nav-menu">` whose `<summary>` is the button, and main.css
 * shows the nav on narrow screens only while that `<details>` is open. So the
 * page paints collapsed and nothing moves when this script runs.
 *
 * This module only adds what markup and CSS cannot: `aria-expanded` on the
 * summary kept in step with `open` (the nav lives outside the `<details>`, so
 * the summary's native state would not describe the nav it controls), and
 * Escape to close the menu and give focus back to the button.
 */

export const NAV_TOGGLE_SELECTOR = "details.nav-menu > summary.nav-toggle[aria-controls]";

export interface NavToggle {
  readonly summary: HTMLElement;
  readonly menu: HTMLDetailsElement;
  readonly nav: HTMLElement;
  isOpen(): boolean;
  open(): void;
  /** Close the menu; with `returnFocus`, move focus back to the button. */
  close(options?: { returnFocus?: boolean }): void;
  toggle(): void;
  /** Remove listeners and the attribute this added, back to the no-JS state. */
  destroy(): void;
}

const wired = new WeakMap<HTMLElement, NavToggle>();

/**
 * Wire the first menu summary in `root` to the nav it controls. Returns the
 * handle, or `null` when there is no summary or the controlled element is
 * missing (then nothing is changed). Calling it again returns the existing
 * handle without wiring it twice.
 */
export function initNavToggle(root: Document): NavToggle | null {
  const summary = root.querySelector<HTMLElement>(NAV_TOGGLE_SELECTOR);
  if (!summary) return null;

  const existing = wired.get(summary);
  if (existing) return existing;

  const menu = summary.parentElement as HTMLDetailsElement;
  const navId = summary.getAttribute("aria-controls") ?? "";
  const nav = navId ? root.getElementById(navId) : null;
  if (!nav) return null;

  const syncExpanded = (): void => {
    summary.setAttribute("aria-expanded", String(menu.open));
  };

  const setOpen = (open: boolean): void => {
    menu.open = open;
    syncExpanded();
  };

  const handle: NavToggle = {
    summary,
    menu,
    nav,
    isOpen: () => menu.open,
    open: () => setOpen(true),
    close: (options) => {
      setOpen(false);
      if (options?.returnFocus) summary.focus();
    },
    toggle: () => setOpen(!menu.open),
    destroy: () => {
      menu.removeEventListener("toggle", syncExpanded);
      root.removeEventListener("keydown", onKeydown);
      summary.removeAttribute("aria-expanded");
      wired.delete(summary);
    },
  };

  function onKeydown(event: KeyboardEvent): void {
    if (event.key !== "Escape" || event.defaultPrevented || !menu.open) return;
    handle.close({ returnFocus: true });
  }

  // The browser toggles `open` itself when the summary is activated; follow it.
  menu.addEventListener("toggle", syncExpanded);
  root.addEventListener("keydown", onKeydown);
  syncExpanded();

  wired.set(summary, handle);
  return handle;
}
