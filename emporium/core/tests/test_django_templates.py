"""What Django's template language would print instead of hiding.

A ``{# ... #}`` comment must open and close on one line: one that runs on to the next is not a
comment at all, and the page shows it to the shopper as text. Longer notes go in
``{% comment %}``. (The Jinja2 fragments, under ``<app>/jinja2/``, allow it and are not read here.)
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# Pages and e-mails (the plain-text parts are templates too).
DJANGO_TEMPLATES = sorted(
    path
    for pattern in ("templates/**/*", "emporium/*/templates/**/*")
    for path in ROOT.glob(pattern)
    if path.suffix in {".html", ".txt"}
)


def unclosed_comments(text: str) -> list[int]:
    """The numbers of the lines where a ``{#`` comment opens without closing on that line."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        rest = line
        while (start := rest.find("{#")) != -1:
            end = rest.find("#}", start + 2)
            if end == -1:
                found.append(number)
                break
            rest = rest[end + 2 :]
    return found


def test_the_check_finds_a_comment_that_runs_on_to_the_next_line():
    assert unclosed_comments("{# one line #}\n<p>{# a #} and {# b #}</p>") == []
    assert unclosed_comments("<div>\n  {# opens here\n  and closes here #}\n</div>") == [2]
    assert unclosed_comments("{# closed #} {# not") == [1]


def test_the_project_has_django_templates_to_check():
    assert len(DJANGO_TEMPLATES) > 50
    assert ROOT / "emporium/checkout/templates/checkout/checkout.html" in DJANGO_TEMPLATES
    assert any(path.suffix == ".txt" for path in DJANGO_TEMPLATES)


def test_no_django_template_comment_runs_on_to_another_line():
    offenders = {
        str(template.relative_to(ROOT)): lines
        for template in DJANGO_TEMPLATES
        if (lines := unclosed_comments(template.read_text(encoding="utf-8")))
    }

    assert offenders == {}  # use {% comment %} ... {% endcomment %} for a note of several lines
