"""Writes the taxonomy's categories into the catalog's tree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from emporium.catalog.models import Category

CategoryPath = tuple[str, ...]


@dataclass(frozen=True)
class EnsuredCategories:
    ids: dict[CategoryPath, int]
    created: int


def category_slug(path: CategoryPath) -> str:
    """ "Home > Candles & Lanterns" -> "home-candles-lanterns": unique because paths are."""
    return slugify(" ".join(path))[:140]


@transaction.atomic
def ensure_categories(*, paths: Iterable[CategoryPath]) -> EnsuredCategories:
    """Create the categories (and their parents) that are missing; reuse the others by slug.

    Reusing by slug keeps a second import from duplicating the tree, and lets staff rename a
    category in the admin without the next import bringing the old name back.
    """
    needed: set[CategoryPath] = set()
    for path in paths:
        needed.update(path[:depth] for depth in range(1, len(path) + 1))
    ordered = sorted(needed, key=lambda path: (len(path), path))  # parents first
    existing = {
        category.slug: category.pk
        for category in Category.objects.filter(slug__in=[category_slug(path) for path in ordered])
    }
    ids: dict[CategoryPath, int] = {}
    created = 0
    for path in ordered:
        slug = category_slug(path)
        if slug in existing:
            ids[path] = existing[slug]
            continue
        if len(path) == 1:
            category = Category.objects.add_root(create_kwargs={"name": path[-1], "slug": slug})
        else:
            # Fresh from the database: treebeard computes the child's path from the parent's numchild.
            parent = Category.objects.get(pk=ids[path[:-1]])
            category = Category.objects.add_child(parent, create_kwargs={"name": path[-1], "slug": slug})
        ids[path] = category.pk
        created += 1
    return EnsuredCategories(ids=ids, created=created)
