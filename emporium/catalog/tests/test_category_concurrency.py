"""Staff adding categories at the same instant: every one lands, none is a server error.

Needs PostgreSQL: SQLite serialises every writer on one database lock, so it cannot show a race.
"""

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from emporium.catalog.models import Category
from emporium.catalog.services import create_category
from emporium.catalog.tests.factories import CategoryFactory


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks only race on PostgreSQL; set DATABASE_URL=postgres://... to run")


def _all_at_once(jobs: list[Callable[[], str]]) -> Counter[str]:
    barrier = threading.Barrier(len(jobs))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(job: Callable[[], str]) -> None:
        try:
            barrier.wait()
            outcome = job()
        except ValidationError as error:
            outcome = f"refused: {sorted(error.message_dict)}"
        except Exception as error:
            outcome = f"error: {type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


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
    assert Category.find_problems() == ([], [], [], [], [])  # treebeard: the tree is sound
