from playwright.sync_api import Page, expect


def test_home_page_opens_with_its_landmarks(page: Page, live_server):
    page.goto(live_server.url)

    expect(page).to_have_title("Emporium: gifts for every occasion")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Emporium")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("search")).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_be_visible()


def test_home_page_loads_the_built_stylesheet(page: Page, live_server):
    page.goto(live_server.url)

    # The design system keeps the skip link off-screen until keyboard focus reaches it.
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
