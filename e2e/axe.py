"""axe-core in the browser: a context that has it on every page, and its serious findings.

axe-core is the npm devDependency (``node_modules/axe-core``). It is given to the context as an
init script, so Playwright sends its half a megabyte to Chromium once per context rather than
once per page checked; each page then runs it after its own scripts, as the browser shows it.
The context bypasses the page's Content-Security-Policy only so that axe can run; the pages'
own scripts run under it as they do for shoppers (e2e/test_content_security_policy.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

AXE_SCRIPT = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
REPORTED_IMPACTS = ("serious", "critical")
RUN_AXE = "async () => await axe.run(document, {resultTypes: ['violations']})"


def axe_context(browser: Browser, **options: Any) -> BrowserContext:
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run make install (axe-core is an npm devDependency)")
    options = {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB", **options}
    context = browser.new_context(bypass_csp=True, **options)
    context.set_default_timeout(10_000)
    context.add_init_script(path=AXE_SCRIPT)
    return context


def serious_violations(page: Page, label: str | None = None) -> list[str]:
    """axe's serious and critical findings on the page as shown, one line per rule and element."""
    if not page.evaluate("typeof axe === 'object'"):  # a page written by set_content, not loaded
        page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate(RUN_AXE)
    where = label if label is not None else page.url
    return [
        f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}"
        for violation in results["violations"]
        if violation["impact"] in REPORTED_IMPACTS
        for node in violation["nodes"]
    ]
