"""How the suite is collected and shared between pytest-xdist's workers.

**Every test item has its own node id.** pytest-xdist sends work to its workers by node id, so
two items with one id run once: pytest 9.2 builds a parametrized item's id from its callspec,
and schemathesis's items carry the API operation in their name only, so all 98 operations of
``e2e/test_api_schema.py`` shared one id and ``--dist loadfile`` ran one of them. Their ids get
the operation back here, and a collection in which two items still share an id stops the run.

**The schema fuzz is spread over the workers.** ``--dist loadfile`` keeps a file's tests in one
process (a browser is launched once per file); the schemathesis test is a few minutes of
work in one file, so each of its operations is a unit of its own.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

# Files whose parametrized items may run in any worker, each on its own.
SPREAD_OVER_WORKERS = frozenset({"e2e/test_api_schema.py"})


def _schemathesis_item_class() -> type | None:
    try:
        from schemathesis.pytest.plugin import SchemathesisFunction
    except ImportError:  # pragma: no cover - schemathesis is a dev dependency
        return None
    return SchemathesisFunction


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    schemathesis_item = _schemathesis_item_class()
    if schemathesis_item is None:
        return
    for item in items:
        if not isinstance(item, schemathesis_item) or item.parent is None:
            continue
        base = getattr(item, "originalname", item.name)
        if item.name.startswith(f"{base}[") and item.name.endswith("]") and "[" not in item.nodeid:
            # The operation, as schemathesis put it in the name ("GET /api/v1/products/").
            item._id = item.parent.id.child(base).with_params(item.name[len(base) + 1 : -1])


def shared_node_ids(nodeids: list[str]) -> list[str]:
    return sorted(nodeid for nodeid, count in Counter(nodeids).items() if count > 1)


def pytest_collection_finish(session: pytest.Session) -> None:
    shared = shared_node_ids([item.nodeid for item in session.items])
    if shared:
        raise pytest.UsageError(
            "these node ids name more than one test, and pytest-xdist would run only one of each: "
            + ", ".join(shared)
        )


def scope_of(nodeid: str) -> str:
    """The unit of work ``--dist loadfile`` gives one worker: the file, or for the files in
    ``SPREAD_OVER_WORKERS`` each parametrized item on its own."""
    path = nodeid.split("::", 1)[0]
    if path in SPREAD_OVER_WORKERS and nodeid.endswith("]"):
        return nodeid
    return path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SpreadingLoadFileScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return SpreadingLoadFileScheduling(config, log)
