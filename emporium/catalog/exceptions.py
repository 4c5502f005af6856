"""The catalog's business errors: each carries the status and stable code of its problem body."""

from __future__ import annotations

from emporium.core.exceptions import DomainError


class CategoryNotEmpty(DomainError):
    # Deleting a category takes its sub-categories with it (treebeard), and products cannot be
    # left without one (PROTECT): staff move or delete those first, knowingly.
    status = 409
    code = "category_not_empty"
    default_message = "This category still holds products or sub-categories."

    def __init__(self, *, slug: str, products: int, children: int) -> None:
        super().__init__(
            f"Category {slug} still holds {products} product(s) and {children} sub-categor"
            f"{'y' if children == 1 else 'ies'}: move or delete them first.",
            products=products,
            children=children,
        )
