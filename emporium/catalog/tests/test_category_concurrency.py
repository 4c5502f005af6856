"""Staff adding categories at the same instant: every one lands, none is a server error.

Needs PostgreSQL: SQLite serialises every writer on one database lock, so it cannot show a race.
"""

from collections import Counter
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from emporium.catalog.models import Category
from emporium.catalog.services import create_category
from emporium.catalog.tests.factories import CategoryFactory
from emporium.core.tests.concurrency import all_at_once, needs_postgresql

pytestmark = needs_postgresql


def _all_at_once(jobs: list[Callable[[], str]]) -> Counter[str]:
    return all_at_once(
        jobs,
        refused=lambda error: (
            f"refused: {sorted(error.message_dict)}" if isinstance(error, ValidationError) else None
        ),
    )


def _create(name: str, slug: str, parent: Category | None) -> Callable[[], str]:
    def job() -> str:
        create_category(fields={"name": name, "slug": slug, "parent": parent})
        return "created"

    return job


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("under_a_parent", [True, False])
def test_categories_added_at_the_same_instant_all_land_and_a_taken_slug_is_refused(under_a_parent):
    parent = CategoryFactory.create(name="Home", slug="home") if under_a_parent else None
    jobs = [_create(f"Shelf {n}", f"shelf-{n}", parent) for n in range(6)]
    jobs += [_create("Lamps", "lamps", parent), _create("Lamps", "lamps", parent)]

    outcomes = _all_at_once(jobs)

    assert outcomes == Counter({"created": 7, "refused: ['slug']": 1})
    created = Category.objects.filter(slug__startswith="shelf-") | Category.objects.filter(slug="lamps")
    assert created.count() == 7
    assert Category.objects.find_problems() == ([], [], [], [], [])  # treebeard: the tree is sound
