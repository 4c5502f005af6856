"""Writes on the catalog."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from io import BytesIO
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from kombu.exceptions import OperationalError as KombuOperationalError
from PIL import Image, ImageOps

from emporium.catalog.cache import bump_catalog_version
from emporium.catalog.events import announce_stock_returned, stock_moved
from emporium.catalog.exceptions import CategoryNotEmpty
from emporium.catalog.models import THUMBNAIL_WIDTHS, Category, Product, ProductImage, ProductType, Variant

logger = logging.getLogger(__name__)


def _summary_from_variants() -> dict[str, Any]:
    """A product's lowest price, its currency and its stock state, as expressions on its variants."""
    variants = Variant.objects.filter(product=OuterRef("pk"))
    lowest = variants.order_by().values("product").annotate(lowest=Min("price_amount")).values("lowest")
    currency = variants.order_by("price_amount", "pk").values("currency")[:1]
    return {
        "price_amount": Subquery(lowest),
        "currency": Coalesce(Subquery(currency), F("currency")),
        "is_in_stock": Exists(variants.filter(stock_on_hand__gt=F("stock_allocated"))),
    }


def refresh_product_summaries(*, product_ids: Iterable[int] | None = None) -> int:
    """Recompute each product's lowest price and stock state from its variants, in one UPDATE.

    ``product_ids=None`` refreshes the whole catalog (after a bulk import). Returns the number
    of products updated.
    """
    products = (
        Product.objects.all() if product_ids is None else Product.objects.filter(pk__in=list(product_ids))
    )
    return products.update(**_summary_from_variants())


def refresh_stock_state_after_commit(
    *,
    variant_ids: Iterable[int],
    stock_returned: bool = False,
    may_go_out_of_stock: Iterable[int] | None = None,
) -> None:
    """After this transaction commits, bring the products of these variants up to date (and
    tell other apps now that their stock moved: ``stock_moved``).

    Orders move stock with plain UPDATEs (no signals), so listings would go on saying "in
    stock" after the last unit sold. Run after the commit, so the order's row locks are not
    held for it; and the catalog version (which empties the page cache) is bumped only when
    a product actually went in or out of stock, not on every order. ``stock_returned`` says
    units became sellable again (an order's reservation released, goods back on the shelf):
    then ``stock_returned`` (catalog.events) is sent too, so shoppers waiting for them hear.

    ``may_go_out_of_stock``: a caller that only took units and knows which of these variants
    it left with none (checkout's reservation) names them; when it names none, no product can
    have changed (a price does not move with stock, and each product still has the units its
    variant has left), so nothing is read after the commit.
    """
    ids = list(variant_ids)
    # Now, inside the transaction: webhooks record the stock change in it (emporium.webhooks).
    stock_moved.send(sender=Variant, variant_ids=ids)
    if may_go_out_of_stock is not None and not stock_returned:
        ids = list(may_go_out_of_stock)
        if not ids:
            return

    def refresh() -> None:
        # One read says whether anything would change: most orders leave every product in
        # stock at the same price, and then the UPDATE would write the values already there.
        fields = ("price_amount", "currency", "is_in_stock")
        summaries = (
            Product.objects.filter(pk__in=Variant.objects.filter(pk__in=ids).values("product_id"))
            .annotate(
                **{f"summary_{field}": expression for field, expression in _summary_from_variants().items()}
            )
            .values("pk", *fields, *(f"summary_{field}" for field in fields))
        )
        product_ids, in_stock_before, stale = [], {}, False
        for row in summaries:
            product_ids.append(row["pk"])
            in_stock_before[row["pk"]] = row["is_in_stock"]
            stale = stale or any(row[field] != row[f"summary_{field}"] for field in fields)
        if not stale:
            if stock_returned:
                announce_stock_returned(variant_ids=ids)
            return
        refresh_product_summaries(product_ids=product_ids)
        in_stock_after = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "is_in_stock"))
        if in_stock_after != in_stock_before:
            bump_catalog_version()
        if stock_returned:
            announce_stock_returned(variant_ids=ids)

    transaction.on_commit(refresh)


def record_product_rating(*, product_id: int, average: Decimal | None, count: int) -> None:
    """Store a product's approved reviews' average and count, shown on cards, pages and JSON-LD.

    The reviews app computes them when moderation changes (the catalog owns the product row,
    the reviews app owns the reviews); the catalog version is bumped after the commit, so
    cached cards and pages show the new rating with the next request.
    """
    Product.objects.filter(pk=product_id).update(rating_average=average, rating_count=count)
    transaction.on_commit(bump_catalog_version)


def store_units_sold(*, units_sold: Mapping[int, int], product_ids: Iterable[int] | None = None) -> int:
    """Store each product's units sold, as the orders app counts them from its lines.

    The orders app owns the lines and counts (``orders.services.refresh_units_sold``); the
    catalog owns the product row, for "bestsellers" and the popularity sort. A product missing
    from ``units_sold`` sold none. ``product_ids=None`` covers the whole catalog; only products
    whose count changed are written. Returns the number of products updated.
    """
    products = Product.objects.all() if product_ids is None else Product.objects.filter(pk__in=product_ids)
    changed = [
        Product(pk=pk, units_sold=max(units_sold.get(pk) or 0, 0))
        for pk, current in products.values_list("pk", "units_sold").iterator(chunk_size=10_000)
        if current != max(units_sold.get(pk) or 0, 0)
    ]
    Product.objects.bulk_update(changed, ["units_sold"], batch_size=2_000)
    return len(changed)


def generate_thumbnails(*, image: ProductImage) -> list[str]:
    """Write a WebP thumbnail of each width in THUMBNAIL_WIDTHS next to the original.

    At a name derived from the original, so pages link to thumbnails without a query and no
    request ever waits for an image to be resized. Run by ``make_thumbnails`` in the background.
    """
    storage = image.image.storage
    written = []
    with image.image.open("rb") as source:
        original = ImageOps.exif_transpose(Image.open(source))
        original.load()
    for size, width in THUMBNAIL_WIDTHS.items():
        resized = original.copy()
        resized.thumbnail((width, width * 4))  # keeps the aspect ratio, never enlarges
        buffer = BytesIO()
        resized.convert("RGBA" if resized.mode in ("RGBA", "LA", "P") else "RGB").save(
            buffer, format="WEBP", quality=82
        )
        name = image.thumbnail_name(size)
        if storage.exists(name):
            storage.delete(name)
        written.append(storage.save(name, ContentFile(buffer.getvalue())))
    return written


def make_thumbnails(*, image_id: int) -> bool:
    """Make a picture's thumbnails and switch its pages to them; False if there is nothing to do.

    The picture is marked ready only if its file is still the one thumbnailed: a file replaced
    meanwhile has its own task coming. Pages and cards cached with the original are dropped.
    """
    image = ProductImage.objects.filter(pk=image_id, thumbnails_ready=False).first()
    if image is None:
        return False
    generate_thumbnails(image=image)
    marked = ProductImage.objects.filter(pk=image_id, image=image.image.name).update(thumbnails_ready=True)
    if marked:
        transaction.on_commit(bump_catalog_version)
    return bool(marked)


def queue_thumbnails(*, image_id: int) -> None:
    """Ask a worker for a picture's thumbnails (inline in embedded mode), after the commit."""

    def queue() -> None:
        from emporium.catalog.tasks import make_thumbnails_task  # the task module imports services

        try:
            make_thumbnails_task.delay(image_id=image_id)
        except KombuOperationalError:
            # The broker is down: the picture is saved and shows its original; the periodic
            # make_missing_thumbnails catches up.
            logger.warning("Could not queue the thumbnails of image %s; the sweep will make them", image_id)

    transaction.on_commit(queue)


def make_missing_thumbnails(*, limit: int = 100) -> int:
    """Thumbnails for pictures whose task never ran (a broker outage, a worker that died).

    A picture whose own task is still queued may be done twice, which costs only the work:
    the files are the same and the second run finds it ready.
    """
    ids = ProductImage.objects.filter(thumbnails_ready=False).order_by("pk").values_list("pk", flat=True)
    return sum(make_thumbnails(image_id=image_id) for image_id in list(ids[:limit]))


# --- Staff edits (the staff API; the admin edits through its forms) ----------------------------
#
# Each write saves through the model, so the catalog signals refresh the product's summary
# (lowest price, stock state) and bump the catalog version after the commit: cached pages,
# API responses and their ETags change with the very next request.


class ProductFields(TypedDict, total=False):
    category: Category
    product_type: ProductType | None
    name: str
    slug: str
    description: str
    attributes: dict[str, Any]
    is_published: bool
    seo_title: str
    seo_description: str


class CategoryFields(TypedDict, total=False):
    parent: Category | None  # None: the top of the tree
    name: str
    slug: str
    description: str
    seo_title: str
    seo_description: str


class VariantFields(TypedDict, total=False):
    sku: str
    name: str
    price_amount: Decimal
    compare_at_amount: Decimal | None
    stock_on_hand: int
    weight_grams: int | None
    position: int
    options: dict[str, Any]


def _save_changes(instance: Product | Variant, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)
    # Unique slug or SKU, prices not negative, stock not below what is reserved; typed
    # attributes and options checked against the product type and stored normalised.
    instance.full_clean()
    instance.save()


@transaction.atomic
def create_product(*, fields: ProductFields) -> Product:
    product = Product()
    _save_changes(product, dict(fields))
    return product


@transaction.atomic
def update_product(*, product: Product, fields: ProductFields) -> Product:
    """Change some fields of a product, publishing (``is_published``) included."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    _save_changes(product, dict(fields))
    return product


@transaction.atomic
def create_variant(*, product: Product, fields: VariantFields) -> Variant:
    variant = Variant(product=product, currency=product.currency)
    _save_changes(variant, dict(fields))
    return variant


@transaction.atomic
def add_product_image(
    *, product: Product, image: File, alt_text: str = "", position: int = 0
) -> ProductImage:
    """Store a picture of the product; its thumbnails are made after the commit (catalog.signals).

    ``image`` must come from ``catalog.images.reencode_uploaded_image``, as the staff API's
    serializer and the admin's form pass it: never the bytes as uploaded.
    """
    product_image = ProductImage(product=product, alt_text=alt_text, position=position)
    product_image.image.save(image.name or "image", image, save=False)
    product_image.full_clean()
    product_image.save()
    return product_image


@transaction.atomic
def update_variant(*, variant: Variant, fields: VariantFields) -> Variant:
    """Change a variant's price or stock. Locked like checkout locks it, so a stock count set
    here never undoes a reservation made at the same moment (and never drops below it)."""
    variant = Variant.objects.select_for_update().get(pk=variant.pk)
    _save_changes(variant, dict(fields))
    return variant


# --- Staff edits of the category tree ----------------------------------------------------------
#
# The tree is treebeard's materialised path, kept sorted by name (``Category.node_order_by``):
# a new node, a renamed one and a moved one each go where the name sorts them, as the admin's
# form puts them. Every write ends with the category's own save, so the catalog signal bumps
# the catalog version after the commit (the header's navigation, category pages, the public
# tree and their ETags) exactly as an edit in the admin does; treebeard's moves are UPDATEs
# that send no signal of their own, which is why the admin saves the node after a move too.

# The tree's own columns: treebeard sets them when it places the node.
_TREE_FIELDS = ["path", "depth", "numchild"]
_CREATE_ATTEMPTS = 5


@transaction.atomic
def create_category(*, fields: CategoryFields) -> Category:
    """A new category at the top of the tree, or under ``fields["parent"]``, where its name sorts it."""
    values: dict[str, Any] = dict(fields)
    parent: Category | None = values.pop("parent", None)
    category = Category(**values)
    category.full_clean(exclude=_TREE_FIELDS)  # a taken slug names the field before the tree moves
    # Two members of staff adding a category at the same instant queue on the tree's lock
    # (_lock_tree), so each reads the tree as the one before left it. A slug both typed passes
    # the check above twice, and the second INSERT breaks the unique index: its savepoint is
    # rolled back and it is a 400 on the field. Two first nodes of an empty tree have nothing
    # to queue on: the second's path is taken, and it is computed afresh.
    for attempt in range(_CREATE_ATTEMPTS):
        try:
            with transaction.atomic():
                _lock_tree()
                if parent is None:
                    return Category.objects.add_root(instance=Category(**values))
                fresh = Category.objects.get(pk=parent.pk)  # its numchild as it now is
                return Category.objects.add_child(fresh, instance=Category(**values))
        except IntegrityError:
            if Category.objects.filter(slug=values.get("slug")).exists():
                raise ValidationError({"slug": "Category with this Slug already exists."}) from None
            if attempt == _CREATE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@transaction.atomic
def update_category(*, category: Category, fields: CategoryFields) -> Category:
    """Change some fields of a category; with ``parent``, move it (and everything below it)
    under that category, or to the top of the tree with ``None``.

    Locked first, so two members of staff moving branches at the same moment queue instead of
    building paths from each other's stale ones. A category cannot move under itself or one
    of its own sub-categories: a 400 naming ``parent``, before anything is written.
    """
    _lock_tree()  # before the category's own row: creations take the same lock first
    category = Category.objects.select_for_update().get(pk=category.pk)
    values: dict[str, Any] = dict(fields)
    current_parent = Category.objects.get_parent(category, update=True)
    new_parent: Category | None = values.pop("parent") if "parent" in values else current_parent
    if new_parent is not None and new_parent.path.startswith(category.path):
        raise ValidationError({"parent": "A category cannot move under itself or one of its sub-categories."})
    renamed = values.get("name", category.name) != category.name
    for name, value in values.items():
        setattr(category, name, value)
    category.full_clean()
    category.save()  # the catalog signal: the version moves on after the commit
    if renamed or _pk_of(new_parent) != _pk_of(current_parent):
        # Where the name sorts it among its (new) siblings, as the admin's form places it.
        if new_parent is None:
            Category.objects.move(category, Category.objects.get_first_root_node(), pos="sorted-sibling")
        else:
            Category.objects.move(category, new_parent, pos="sorted-child")
        category.refresh_from_db()
    return category


def _lock_tree() -> None:
    """Queue behind any other staff edit of the tree, in this transaction.

    Adding, moving or deleting a category rewrites other rows (a sorted insert shifts its
    siblings' paths, a move a whole branch, both the parents' child counts), so two at once
    could compute the same path or deadlock. Every such edit first locks the same row, the
    oldest category (by id: paths move, ids never do); staff edit the tree rarely, and one at
    a time costs nothing. An empty tree has nothing to lock: see create_category.
    """
    Category.objects.select_for_update().order_by("pk").values_list("pk").first()


def _pk_of(category: Category | None) -> int | None:
    return None if category is None else category.pk


@transaction.atomic
def delete_category(*, category: Category) -> None:
    """Delete a category that holds nothing: no products and no sub-categories.

    treebeard would delete the sub-categories with it, and the products' foreign key refuses
    (PROTECT): both are refused here first as ``CategoryNotEmpty`` (409), never a cascade or a
    500. The row is locked while it is checked, so a product or sub-category added at the same
    moment waits for the delete and then fails on its foreign key, rather than being orphaned.
    """
    _lock_tree()
    locked = Category.objects.select_for_update().filter(pk=category.pk).first()
    if locked is None:
        return  # deleted meanwhile by someone else: what was asked for is done
    category = locked
    products = category.products.count()
    children = Category.objects.filter(path__startswith=category.path, depth=category.depth + 1).count()
    if products or children:
        raise CategoryNotEmpty(slug=category.slug, products=products, children=children)
    category.delete()  # the catalog signal (post_delete): the version moves on after the commit
