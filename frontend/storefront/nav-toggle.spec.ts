import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initNavToggle, type NavToggle } from "./nav-toggle";

// The same markup as templates/base.html renders without JavaScript.
const HEADER = `
  <header class="site-header">
    <div class="container site-header__inner">
      <a class="brand" href="/">Emporium</a>
      <button class="nav-toggle" type="button" aria-controls="site-nav" aria-expanded="false" hidden>Menu</button>
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

function button(): HTMLButtonElement {
  return document.querySelector<HTMLButtonElement>("button.nav-toggle")!;
}

function nav(): HTMLElement {
  return document.getElementById("site-nav")!;
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
  it("is a no-op and returns null when there is no toggle button", () => {
    document.body.innerHTML = `<nav id="site-nav" class="site-nav"><a href="/">Home</a></nav>`;

    expect(init()).toBeNull();
    expect(nav().hasAttribute("data-collapsible")).toBe(false);
    expect(nav().hasAttribute("data-open")).toBe(false);
  });

  it("leaves the button hidden when the controlled nav does not exist", () => {
    nav().remove();

    expect(init()).toBeNull();
    expect(button().hidden).toBe(true);
  });

  it("reveals the button, marks the nav collapsible and starts closed", () => {
    const handle = init();

    expect(handle).not.toBeNull();
    expect(handle?.button).toBe(button());
    expect(handle?.nav).toBe(nav());
    expect(button().hidden).toBe(false);
    expect(button().hasAttribute("hidden")).toBe(false);
    expect(nav().hasAttribute("data-collapsible")).toBe(true);
    expect(button().getAttribute("aria-expanded")).toBe("false");
    expect(nav().hasAttribute("data-open")).toBe(false);
  });

  it("toggles aria-expanded and data-open on each click", () => {
    init();

    button().click();
    expect(button().getAttribute("aria-expanded")).toBe("true");
    expect(nav().hasAttribute("data-open")).toBe(true);

    button().click();
    expect(button().getAttribute("aria-expanded")).toBe("false");
    expect(nav().hasAttribute("data-open")).toBe(false);
  });

  it("closes on Escape and returns focus to the button", () => {
    init();
    button().click();
    const link = nav().querySelector<HTMLAnchorElement>("a")!;
    link.focus();
    expect(document.activeElement).toBe(link);

    pressEscape(link);

    expect(button().getAttribute("aria-expanded")).toBe("false");
    expect(nav().hasAttribute("data-open")).toBe(false);
    expect(document.activeElement).toBe(button());
  });

  it("ignores Escape while closed, so focus stays where it is", () => {
    init();
    const elsewhere = document.getElementById("elsewhere")!;
    elsewhere.focus();

    pressEscape(elsewhere);

    expect(document.activeElement).toBe(elsewhere);
    expect(button().getAttribute("aria-expanded")).toBe("false");
  });

  it("ignores other keys and Escape events already handled elsewhere", () => {
    init();
    button().click();

    button().dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(button().getAttribute("aria-expanded")).toBe("true");

    const dialogEscape = new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true });
    dialogEscape.preventDefault();
    button().dispatchEvent(dialogEscape);
    expect(button().getAttribute("aria-expanded")).toBe("true");
  });

  it("is idempotent: a second call returns the same handle and wires nothing twice", () => {
    const first = init();
    const second = init();

    expect(second).toBe(first);

    // Wired twice, one click would open and close again.
    button().click();
    expect(button().getAttribute("aria-expanded")).toBe("true");
    expect(nav().hasAttribute("data-open")).toBe(true);
  });

  it("keeps a nav that the markup renders expanded open", () => {
    button().setAttribute("aria-expanded", "true");

    const handle = init();

    expect(handle?.isOpen()).toBe(true);
    expect(nav().hasAttribute("data-open")).toBe(true);
  });

  it("destroy() restores the no-JS state and stops listening", () => {
    const handle = init()!;
    button().click();

    handle.destroy();

    expect(button().hidden).toBe(true);
    expect(nav().hasAttribute("data-collapsible")).toBe(false);
    expect(nav().hasAttribute("data-open")).toBe(false);
    button().click();
    expect(button().getAttribute("aria-expanded")).toBe("false");

    // Once destroyed it can be wired afresh.
    const again = init();
    expect(again).not.toBe(handle);
    button().click();
    expect(button().getAttribute("aria-expanded")).toBe("true");
  });
});
