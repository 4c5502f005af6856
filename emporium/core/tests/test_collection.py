"""The suite's own collection rules (emporium/core/tests/collection.py)."""

from __future__ import annotations

from emporium.core.tests.collection import scope_of, shared_node_ids

FUZZ = "e2e/test_api_schema.py::test_every_operation_answers_as_its_schema_says"


def test_a_node_id_naming_two_tests_is_found():
    assert shared_node_ids(["a.py::test_x", "a.py::test_y", "a.py::test_x"]) == ["a.py::test_x"]
    assert shared_node_ids(["a.py::test_x[1]", "a.py::test_x[2]"]) == []


def test_each_schema_operation_is_a_unit_of_work_of_its_own():
    assert scope_of(f"{FUZZ}[GET /api/v1/products/]") == f"{FUZZ}[GET /api/v1/products/]"
    assert scope_of(f"{FUZZ}[POST /api/v1/cart/]") != scope_of(f"{FUZZ}[GET /api/v1/products/]")
    # The file's other tests stay together, as every other file's do.
    assert scope_of("e2e/test_api_schema.py::test_the_live_server_serves_the_schema_under_test") == (
        "e2e/test_api_schema.py"
    )
    assert scope_of("e2e/test_dashboard.py::test_every_page_renders[375]") == "e2e/test_dashboard.py"
    assert scope_of("emporium/catalog/tests/test_views.py::TestSearch::test_typo") == (
        "emporium/catalog/tests/test_views.py"
    )
