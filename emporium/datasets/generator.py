"""Plan a benchmark-size shop by resampling the real Online Retail data: no database here.

Everything is drawn from one NumPy generator seeded by the caller, in a fixed order, so the
same source, sizes, seed and starting shop always give the same plan.

* **Products** are recombined from real descriptions. Each real name is split where the
  taxonomy found its noun ("White Hanging Heart | T-Light Holder"): the noun phrase (and
  what follows it) is the *head*, the words before it the *modifiers*. A new product takes
  the head of a real product (its *template*; templates are used in turn, so every real
  product gets about the same number of look-alikes) and the modifiers of another real
  product of the same category, sometimes with a real colour word swapped in. The name is
  then categorised by the same taxonomy, and priced and stocked like a real product of that
  category, drawn at random (price and stock from the same real product).
* **Customers** get a country drawn from the real customers' countries and a "loyalty"
  weight drawn from the real number of invoices per customer, so a few generated customers
  order often and most rarely, as in the data.
* **Orders** replay real invoices: a real invoice is drawn, and each of its product lines is
  mapped to a shop product (the real product itself if the shop has it, or one of its
  look-alikes), keeping the basket's size, quantities and sign (cancellations stay
  cancellations, guest invoices stay guest orders). Very large wholesale baskets are
  capped at :data:`MAX_LINES_PER_ORDER` lines and quantities at :data:`MAX_QUANTITY`.
  Orders fall on the real invoice's weekday and time of day (the shop never traded on
  Saturdays), in a random week of a two-year window, and no customer joined after their
  first order.

Money is in integer pence throughout: never a float.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

from emporium.datasets.online_retail import DATA_TIME_ZONE, RetailDataset
from emporium.datasets.taxonomy import categorise, match_category

MAX_LINES_PER_ORDER = 50  # 93% of real invoices are smaller; the largest have 700 lines
MAX_QUANTITY = 1000  # 99.9% of real lines are at most 600 units; the largest is 74,215
WINDOW_START = date(2012, 1, 2)  # a Monday (UK time), the month after the data ends
WINDOW_WEEKS = 104  # two years
COLOUR_WORDS = (
    "Red", "Pink", "Blue", "White", "Green", "Black", "Ivory", "Cream", "Silver", "Gold", "Purple",
    "Yellow", "Orange", "Brown", "Grey", "Turquoise", "Lilac", "Lavender", "Mint", "Aqua", "Amber",
)  # fmt: skip

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ShopProduct:
    """A product already in the shop that the source also has, so baskets can use it."""

    sku: str
    price_pence: int


@dataclass(frozen=True)
class ProductPlan:
    names: list[str]
    category_paths: list[tuple[str, ...]]
    price_pence: IntArray
    stock: IntArray
    template_skus: list[str]


@dataclass(frozen=True)
class CustomerPlan:
    countries: list[str]
    joined_at: IntArray  # seconds since the epoch, UTC


@dataclass(frozen=True)
class OrderPlan:
    """Orders in time order, and their lines grouped by order.

    Line products index the shop's products: first the existing ones (in the order given),
    then the planned new ones.
    """

    placed_at: IntArray  # seconds since the epoch, UTC
    customer: IntArray  # index into the planned customers; -1 for a guest order
    country: list[str]
    is_cancellation: BoolArray
    total_pence: IntArray
    line_order: IntArray
    line_product: IntArray
    line_quantity: IntArray
    line_price_pence: IntArray


@dataclass(frozen=True)
class ShopPlan:
    products: ProductPlan
    customers: CustomerPlan
    orders: OrderPlan


def plan_shop(
    *,
    source: RetailDataset,
    existing: list[ShopProduct],
    products: int,
    customers: int,
    orders: int,
    seed: int,
) -> ShopPlan:
    """Plan new products, customers and orders; existing are the shop's products the source has."""
    rng = np.random.default_rng(seed)
    product_plan = plan_products(source=source, count=products, rng=rng)
    countries, weights = _plan_customer_traits(source=source, count=customers, rng=rng)
    order_plan = plan_orders(
        source=source,
        existing=existing,
        new_products=product_plan,
        customer_weights=weights,
        customer_countries=countries,
        count=orders,
        rng=rng,
    )
    joined = _joined_at(order_plan=order_plan, count=customers, rng=rng)
    return ShopPlan(
        products=product_plan,
        customers=CustomerPlan(countries=countries, joined_at=joined),
        orders=order_plan,
    )


def split_name(name: str) -> tuple[list[str], list[str]]:
    """ "White Hanging Heart T-Light Holder" -> (["White", "Hanging", "Heart"], ["T-Light", "Holder"])."""
    words = name.split()
    match = match_category(name)
    cut = match.first_word if match.first_word is not None else max(len(words) - 1, 0)
    return words[:cut], words[cut:]


def plan_products(*, source: RetailDataset, count: int, rng: np.random.Generator) -> ProductPlan:
    templates = list(source.products.values())
    if count and not templates:
        raise ValueError("The source has no products to model new ones on.")
    modifiers_by_category: dict[tuple[str, ...], list[list[str]]] = defaultdict(list)
    prices_by_category: dict[tuple[str, ...], list[int]] = defaultdict(list)
    stock_by_category: dict[tuple[str, ...], list[int]] = defaultdict(list)
    heads: list[list[str]] = []
    for template in templates:
        modifiers, head = split_name(template.name)
        heads.append(head)
        if modifiers:
            modifiers_by_category[template.category_path].append(modifiers)
        prices_by_category[template.category_path].append(int(template.price * 100))
        stock_by_category[template.category_path].append(template.stock_on_hand)
    real_words = {word.upper() for template in templates for word in template.name.split()}
    colours = [colour for colour in COLOUR_WORDS if colour.upper() in real_words] or list(COLOUR_WORDS[:3])
    all_modifiers = [modifiers for group in modifiers_by_category.values() for modifiers in group]
    real_names = {template.name for template in templates}

    rounds = -(-count // max(len(templates), 1))  # every template once per round, in a new order
    order = np.concatenate(
        [rng.permutation(len(templates)) for _ in range(rounds)] or [np.empty(0, dtype=np.int64)]
    )[:count]
    names: list[str] = []
    paths: list[tuple[str, ...]] = []
    prices = np.empty(count, dtype=np.int64)
    stock = np.empty(count, dtype=np.int64)
    template_skus: list[str] = []
    draws = rng.random((count, 4))  # modifier, colour swap, colour, price/stock
    for index, template_index in enumerate(order.tolist()):
        template = templates[template_index]
        pool = modifiers_by_category.get(template.category_path) or all_modifiers or [[]]
        words = [*pool[int(draws[index, 0] * len(pool))], *heads[template_index]]
        colour = colours[int(draws[index, 2] * len(colours))]
        if draws[index, 1] < 0.35 or " ".join(words) in real_names:
            words = _swap_colour(words, colour)
        name = _drop_repeated_words(" ".join(words))[:255]
        path = categorise(name)
        price_pool = prices_by_category.get(path) or prices_by_category[template.category_path]
        stock_pool = stock_by_category.get(path) or stock_by_category[template.category_path]
        names.append(name)
        paths.append(path)
        prices[index] = price_pool[int(draws[index, 3] * len(price_pool))]
        stock[index] = stock_pool[int(draws[index, 3] * len(stock_pool))]
        template_skus.append(template.sku)
    return ProductPlan(
        names=names, category_paths=paths, price_pence=prices, stock=stock, template_skus=template_skus
    )


def _swap_colour(words: list[str], colour: str) -> list[str]:
    """Recolour the first colour word of a name, or put the colour in front if it has none."""
    for position, word in enumerate(words):
        if word.capitalize() in COLOUR_WORDS:
            return [*words[:position], colour, *words[position + 1 :]]
    return [colour, *words]


def _drop_repeated_words(name: str) -> str:
    kept: list[str] = []
    for word in name.split():
        if not kept or kept[-1].lower() != word.lower():
            kept.append(word)
    return " ".join(kept)


def _plan_customer_traits(
    *, source: RetailDataset, count: int, rng: np.random.Generator
) -> tuple[list[str], npt.NDArray[np.float64]]:
    invoices_per_customer: dict[str, int] = defaultdict(int)
    country_of: dict[str, str] = {}
    for invoice in source.invoices:
        if invoice.customer_id:
            invoices_per_customer[invoice.customer_id] += 1
            country_of.setdefault(invoice.customer_id, invoice.country)
    real = sorted(invoices_per_customer)
    if not real:
        real_countries, real_counts = ["United Kingdom"], np.ones(1)
    else:
        real_countries = [country_of[customer] for customer in real]
        real_counts = np.array([invoices_per_customer[customer] for customer in real], dtype=np.float64)
    picks = rng.integers(0, len(real_countries), count)
    weights = real_counts[rng.integers(0, len(real_counts), count)]
    return [real_countries[pick] for pick in picks.tolist()], weights


def plan_orders(
    *,
    source: RetailDataset,
    existing: list[ShopProduct],
    new_products: ProductPlan,
    customer_weights: npt.NDArray[np.float64],
    customer_countries: list[str],
    count: int,
    rng: np.random.Generator,
) -> OrderPlan:
    invoices = [invoice for invoice in source.invoices if any(line.is_product for line in invoice.lines)]
    if count and not invoices:
        raise ValueError("The source has no invoices to replay.")
    shop_size = len(existing) + len(new_products.names)
    if count and not shop_size:
        raise ValueError("The shop has no products to sell: generate some, or import the source first.")

    source_skus = list(source.products)
    source_index = {sku: position for position, sku in enumerate(source_skus)}
    candidates = _candidates_per_source_product(
        source=source, source_skus=source_skus, existing=existing, new_products=new_products
    )
    cand_flat = np.array([shop for group in candidates for shop in group], dtype=np.int64)
    cand_count = np.array([len(group) for group in candidates], dtype=np.int64)
    cand_start = np.concatenate([[0], np.cumsum(cand_count)[:-1]]).astype(np.int64)
    shop_price = np.concatenate(
        [np.array([product.price_pence for product in existing], dtype=np.int64), new_products.price_pence]
    )

    # The real invoices as flat arrays: capped lines, and when in the week they were placed.
    line_source: list[int] = []
    line_quantity: list[int] = []
    invoice_line_start = np.empty(len(invoices), dtype=np.int64)
    invoice_line_count = np.empty(len(invoices), dtype=np.int64)
    invoice_week_offset = np.empty(len(invoices), dtype=np.int64)
    for position, invoice in enumerate(invoices):
        lines = [line for line in invoice.lines if line.is_product][:MAX_LINES_PER_ORDER]
        invoice_line_start[position] = len(line_source)
        invoice_line_count[position] = len(lines)
        line_source.extend(source_index[line.sku] for line in lines)
        line_quantity.extend(max(-MAX_QUANTITY, min(MAX_QUANTITY, line.quantity)) for line in lines)
        local = invoice.placed_at.astimezone(DATA_TIME_ZONE)
        invoice_week_offset[position] = local.weekday() * 86400 + local.hour * 3600 + local.minute * 60
    source_line_product = np.array(line_source, dtype=np.int64)
    source_line_quantity = np.array(line_quantity, dtype=np.int64)
    has_customer = np.array([invoice.customer_id is not None for invoice in invoices], dtype=bool)
    cancelled = np.array([invoice.is_cancellation for invoice in invoices], dtype=bool)
    guest_countries = [invoice.country for invoice in invoices]

    picked = rng.integers(0, len(invoices), count)
    # Lines: for each order, the lines of its real invoice, mapped to shop products.
    sizes = invoice_line_count[picked]
    line_order = np.repeat(np.arange(count, dtype=np.int64), sizes)
    firsts = np.repeat(invoice_line_start[picked], sizes)
    within = np.arange(len(line_order), dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    source_lines = firsts + within
    products_of_lines = source_line_product[source_lines]
    draws = rng.random(len(line_order))
    line_product = cand_flat[
        cand_start[products_of_lines] + (draws * cand_count[products_of_lines]).astype(np.int64)
    ]
    quantities = source_line_quantity[source_lines]
    prices = shop_price[line_product]
    line_totals = quantities * prices
    totals = np.zeros(count, dtype=np.int64)
    np.add.at(totals, line_order, line_totals)

    # Who, where and when.
    with_customer = has_customer[picked]
    customer = np.full(count, -1, dtype=np.int64)
    if len(customer_weights):
        customer[with_customer] = rng.choice(
            len(customer_weights), size=int(with_customer.sum()), p=customer_weights / customer_weights.sum()
        )
    else:
        with_customer = np.zeros(count, dtype=bool)
    country = [
        customer_countries[who] if who >= 0 else guest_countries[invoice]
        for who, invoice in zip(customer.tolist(), picked.tolist(), strict=True)
    ]
    weeks = rng.integers(0, WINDOW_WEEKS, count)
    local_seconds = weeks * 7 * 86400 + invoice_week_offset[picked]
    placed = _local_to_epoch(local_seconds)

    # Number orders in time order, and keep each order's lines together.
    by_time = np.argsort(placed, kind="stable")
    new_position = np.empty(count, dtype=np.int64)
    new_position[by_time] = np.arange(count, dtype=np.int64)
    line_order = new_position[line_order]
    lines_by_order = np.argsort(line_order, kind="stable")
    return OrderPlan(
        placed_at=placed[by_time],
        customer=customer[by_time],
        country=[country[position] for position in by_time.tolist()],
        is_cancellation=cancelled[picked][by_time],
        total_pence=totals[by_time],
        line_order=line_order[lines_by_order],
        line_product=line_product[lines_by_order],
        line_quantity=quantities[lines_by_order],
        line_price_pence=prices[lines_by_order],
    )


def _candidates_per_source_product(
    *, source: RetailDataset, source_skus: list[str], existing: list[ShopProduct], new_products: ProductPlan
) -> list[list[int]]:
    """For each real product, the shop products a basket line of it may become.

    The real product itself when the shop has it, and its look-alikes; failing both, any
    shop product of its category; failing that, any shop product.
    """
    existing_index = {product.sku: position for position, product in enumerate(existing)}
    offset = len(existing)
    by_template: dict[str, list[int]] = defaultdict(list)
    by_category: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for position, product in enumerate(existing):
        if product.sku in source.products:
            by_category[source.products[product.sku].category_path].append(position)
    for position, (sku, path) in enumerate(
        zip(new_products.template_skus, new_products.category_paths, strict=True)
    ):
        by_template[sku].append(offset + position)
        by_category[path].append(offset + position)
    everything = list(range(offset + len(new_products.names)))
    candidates = []
    for sku in source_skus:
        group = ([existing_index[sku]] if sku in existing_index else []) + by_template.get(sku, [])
        candidates.append(group or by_category.get(source.products[sku].category_path) or everything)
    return candidates


def _local_to_epoch(local_seconds: IntArray) -> IntArray:
    """Seconds after WINDOW_START in UK local time -> seconds since the epoch (UTC)."""
    if not len(local_seconds):
        return np.empty(0, dtype=np.int64)
    naive = pd.Timestamp(WINDOW_START) + pd.to_timedelta(local_seconds, unit="s")
    aware = pd.DatetimeIndex(naive).tz_localize(
        DATA_TIME_ZONE.key, ambiguous=np.zeros(len(local_seconds), dtype=bool), nonexistent="shift_forward"
    )
    return np.asarray(aware.tz_convert("UTC").as_unit("s").asi8, dtype=np.int64)


def _joined_at(*, order_plan: OrderPlan, count: int, rng: np.random.Generator) -> IntArray:
    """A random moment of the window for each customer, or their first order if that came sooner."""
    window_start = int(datetime.combine(WINDOW_START, time(), tzinfo=DATA_TIME_ZONE).timestamp())
    window_seconds = int(timedelta(weeks=WINDOW_WEEKS).total_seconds())
    joined = window_start + rng.integers(0, window_seconds, count)
    ordered = order_plan.customer >= 0
    np.minimum.at(joined, order_plan.customer[ordered], order_plan.placed_at[ordered])
    return np.asarray(joined, dtype=np.int64)
