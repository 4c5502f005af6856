import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initSearchSuggest, type SearchSuggest } from "./search-suggest";

// The header search form of templates/base.html, after htmx swapped in three suggestions.
const HEADER = `
  <form class="search-form" role="search" action="/search/">
    <div class="search-form__field">
      <input id="site-search" type="search" name="q" aria-controls="search-suggestions" data-search-suggest>
      <div id="search-suggestions" class="search-suggestions">
        <ul>
          <li><a href="/p/candle-holder/">CANDLE HOLDER PINK HANGING HEART</a></li>
          <li><a href="/p/t-light-holder/">WHITE HANGING HEART T-LIGHT HOLDER</a></li>
          <li><a href="/p/star-holder/">GLASS STAR FROSTED T-LIGHT HOLDER</a></li>
        </ul>
      </div>
    </div>
    <button type="submit">Search</button>
  </form>
  <a id="elsewhere" href="/elsewhere/">Elsewhere</a>
`;

const handles: SearchSuggest[] = [];

function init(): SearchSuggest {
  const handle = initSearchSuggest(document);
  if (!handle) throw new Error("not wired");
  handles.push(handle);
  return handle;
}

function input(): HTMLInputElement {
  return document.getElementById("site-search") as HTMLInputElement;
}

function links(): HTMLAnchorElement[] {
  return Array.from(document.querySelectorAll<HTMLAnchorElement>("#search-suggestions a"));
}

function press(target: Element, key: string): KeyboardEvent {
  const event = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true });
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

describe("initSearchSuggest", () => {
  it("returns null when the page has no suggesting search box", () => {
    document.body.innerHTML = `<input type="search" name="q">`;

    expect(initSearchSuggest(document)).toBeNull();
  });

  it("moves from the input into the list with the down arrow", () => {
    init();
    input().focus();

    const event = press(input(), "ArrowDown");

    expect(event.defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(links()[0]);
  });

  it("walks the list with the arrows and goes back to the input from the first link", () => {
    init();
    links()[0]!.focus();

    press(links()[0]!, "ArrowDown");
    expect(document.activeElement).toBe(links()[1]);
    press(links()[1]!, "ArrowDown");
    press(links()[2]!, "ArrowDown");
    expect(document.activeElement).toBe(links()[2]);
    press(links()[2]!, "ArrowUp");
    press(links()[1]!, "ArrowUp");
    press(links()[0]!, "ArrowUp");
    expect(document.activeElement).toBe(input());
  });

  it("closes the list on Escape and returns focus to the input", () => {
    const handle = init();
    links()[1]!.focus();

    press(links()[1]!, "Escape");

    expect(handle.isOpen()).toBe(false);
    expect(document.activeElement).toBe(input());
  });

  it("opens the list again when the shopper types", () => {
    const handle = init();
    handle.dismiss();

    input().dispatchEvent(new Event("input", { bubbles: true }));

    expect(handle.isOpen()).toBe(true);
  });

  it("closes the list when focus leaves the search box", () => {
    const handle = init();
    input().focus();

    document.getElementById("elsewhere")!.focus();

    expect(handle.isOpen()).toBe(false);
  });

  it("does nothing on the down arrow while there are no suggestions", () => {
    init();
    document.getElementById("search-suggestions")!.innerHTML = "";
    input().focus();

    const event = press(input(), "ArrowDown");

    expect(event.defaultPrevented).toBe(false);
    expect(document.activeElement).toBe(input());
  });

  it("is idempotent", () => {
    const first = init();

    expect(initSearchSuggest(document)).toBe(first);
  });
});
