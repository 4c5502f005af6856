"""Gateways answer for themselves: nothing outside them and the registry branches on a name.

A view, serializer, service or template that asks ``if gateway == "stripe"`` has to change for
every new provider; asking the gateway object (``gateway.next_action(...)``,
``gateway.payment_template``...) does not. So no gateway's name may be written as a literal
anywhere in the project's package except in ``payments/gateways/`` (where each class declares
its own) and ``payments/registry.py`` (which maps the configured names to classes). Tests and
migrations may name gateways; settings (``PAYMENT_GATEWAYS``) are configuration, not code.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import emporium
from emporium.payments.registry import KNOWN_GATEWAYS

PACKAGE = Path(emporium.__file__).parent
ALLOWED = (PACKAGE / "payments" / "gateways", PACKAGE / "payments" / "registry.py")


def _checked_files(pattern: str) -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob(pattern))
        if not any(path == allowed or allowed in path.parents for allowed in ALLOWED)
        and "tests" not in path.parts
        and "migrations" not in path.parts
    ]


def _python_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in KNOWN_GATEWAYS
    ]


# A quoted name in a template: {% if gateway.name == "offline" %}, {% include "x" with m="stripe" %}.
NAMES = "|".join(map(re.escape, KNOWN_GATEWAYS))
QUOTED_NAME = re.compile(rf"""(["'])({NAMES})\1""")


def _template_literals(path: Path) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE)}:{number}: {match.group(0)}"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for match in QUOTED_NAME.finditer(line)
    ]


def test_the_check_sees_the_gateways_and_the_files():
    # Guards against a check that could not fail: it knows the names and reads the code.
    assert {"stripe", "offline", "bank_transfer", "cash_on_delivery"} <= set(KNOWN_GATEWAYS)
    assert PACKAGE / "payments" / "views.py" in _checked_files("*.py")
    assert PACKAGE / "payments" / "templates" / "payments" / "pay.html" in _checked_files("*.html")
    assert _python_literals(PACKAGE / "payments" / "registry.py")  # where names do belong
    assert QUOTED_NAME.search('{% if gateway.name == "offline" %}')


def test_no_gateway_name_is_written_outside_the_gateways_and_the_registry():
    found = [literal for path in _checked_files("*.py") for literal in _python_literals(path)]
    found += [
        literal
        for pattern in ("*.html", "*.txt", "*.js", "*.ts")
        for path in _checked_files(pattern)
        for literal in _template_literals(path)
    ]
    assert found == []
