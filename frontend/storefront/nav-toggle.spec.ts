import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initNavToggle, type NavToggle } from "./nav-toggle";

// The same markup as templates/base.html renders, with or without JavaScript.
const HEADER = `
  <header class="site-header">
    <div class="container site-header__inner">
      <a class="brand" href="/">Emporium</a>
      <details class="nav-menu"><summary class="nav-toggle" aria-controls="site-nav">Menu</summary></details>
      <nav id="site-nav" class="site-nav" aria-label="Main">
        <ul class="site-nav__list">
          <li><a class="site-nav__link" href="/" aria-current="page">Home</a></li>
          <li><a class="site-nav__link" href="/products/">Products</a></li>
        </ul>
      </nav>
    </div>
  </header>
  <main id="main"><a id="elsewhere" href="/somewhere">Elsewhere</a></main>
`;

const handles: NavToggle[] = [];

function init(): NavToggle | null {
  const handle = initNavToggle(document);
  if (handle) handles.push(handle);
  return handle;
}

function summary(): HTMLElement {
  return document.querySelector<HTMLElement>("summary.nav-toggle")!;
}

function menu(): HTMLDetailsElement {
  return document.querySelector<HTMLDetailsElement>("details.nav-menu")!;
}

function nav(): HTMLElement {
  return document.getElementById("site-nav")!;
}

/** The browser toggles <details> on a summary click and fires `toggle` in a later task. */
function clickAndSettle(): Promise<void> {
  return new Promise((resolve) => {
    menu().addEventListener("toggle", () => resolve(), { once: true });
    summary().click();
  });
}

function pressEscape(target: EventTarget = document.activeElement ?? document.body): KeyboardEvent {
  const event = new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true });
  target.dispatchEvent(event);
  return event;
}

beforeEach(() => {
  document.body.innerHTML = HEADER;
});

afterEach(() => {
  for (const handle of handles.splice(0)) handle.destroy();
  document.body.innerHTML = "";
});

describe("initNavToggle", () => {
  it("is a no-op and returns null when there is no menu summary", () => {
    document.body.innerHTML = `<nav id="site-nav" class="site-nav"><a href="/">Home</a></nav>`;

    expect(init()).toBeNull();
  });

  it("adds nothing when the controlled nav does not exist", () => {
    nav().remove();

    expect(init()).toBeNull();
    expect(summary().hasAttribute("aria-expanded")).toBe(false);
  });

  it("starts closed, as the markup renders it, and says so", () => {
    const handle = init();

    expect(handle).not.toBeNull();
    expect(handle?.summary).toBe(summary());
    expect(handle?.menu).toBe(menu());
    expect(handle?.nav).toBe(nav());
    expect(menu().open).toBe(false);
    expect(summary().getAttribute("aria-expanded")).toBe("false");
  });

  it("follows the native toggle of the summary into aria-expanded", async () => {
    init();

    await clickAndSettle();
    expect(menu().open).toBe(true);
    expect(summary().getAttribute("aria-expanded")).toBe("true");

    await clickAndSettle();
    expect(menu().open).toBe(false);
    expect(summary().getAttribute("aria-expanded")).toBe("false");
  });

  it("open(), close() and toggle() keep open and aria-expanded together", () => {
    const handle = init()!;

    handle.open();
    expect(menu().open).toBe(true);
    expect(summary().getAttribute("aria-expanded")).toBe("true");
    handle.toggle();
    expect(menu().open).toBe(false);
    expect(summary().getAttribute("aria-expanded")).toBe("false");
  });

  it("closes on Escape and returns focus to the button", async () => {
    init();
    await clickAndSettle();
    const link = nav().querySelector<HTMLAnchorElement>("a")!;
    link.focus();

    pressEscape(link);

    expect(menu().open).toBe(false);
    expect(summary().getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(summary());
  });

  it("ignores Escape while closed, so focus stays where it is", () => {
    init();
    const elsewhere = document.getElementById("elsewhere")!;
    elsewhere.focus();

    pressEscape(elsewhere);

    expect(document.activeElement).toBe(elsewhere);
    expect(menu().open).toBe(false);
  });

  it("ignores other keys and Escape events already handled elsewhere", () => {
    const handle = init()!;
    handle.open();

    summary().dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(menu().open).toBe(true);

    const dialogEscape = new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true });
    dialogEscape.preventDefault();
    summary().dispatchEvent(dialogEscape);
    expect(menu().open).toBe(true);
    expect(summary().getAttribute("aria-expanded")).toBe("true");
  });

  it("is idempotent: a second call returns the same handle and wires nothing twice", async () => {
    const first = init();
    expect(init()).toBe(first);

    await clickAndSettle();
    expect(menu().open).toBe(true);
    expect(summary().getAttribute("aria-expanded")).toBe("true");
  });

  it("keeps a menu that the markup renders open", () => {
    menu().open = true;

    const handle = init();

    expect(handle?.isOpen()).toBe(true);
    expect(summary().getAttribute("aria-expanded")).toBe("true");
  });

  it("destroy() removes what it added and stops listening", () => {
    const handle = init()!;
    handle.open();

    handle.destroy();

    expect(summary().hasAttribute("aria-expanded")).toBe(false);
    pressEscape(summary());
    expect(menu().open).toBe(true);

    // Once destroyed it can be wired afresh.
    const again = init();
    expect(again).not.toBe(handle);
    expect(summary().getAttribute("aria-expanded")).toBe("true");
  });
});
