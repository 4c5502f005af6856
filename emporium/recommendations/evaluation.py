"""Offline evaluation on Online Retail files: no database, the same models the shop trains.

Protocol (issue 13): every model is trained on the purchases before the split and tested on
each *returning* customer (bought before and after the split). Relevant products are the
distinct products the customer bought after the split. Metrics at 10, averaged over customers,
twice: over **all** products, and over **new** products only (those the customer had not
bought before the split, with past purchases removed from the ranking; customers who bought
nothing new are left out of that average).

Purchases are the rows the CSV importer would turn into product lines
(:mod:`emporium.datasets.online_retail`), minus cancellations and rows without a customer.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from emporium.datasets.online_retail import (
    RetailRow,
    StockCodeKind,
    classify_stock_code,
    is_charge_description,
    parse_rows,
    read_text,
)
from emporium.recommendations.training import (
    ImplicitALS,
    ItemNeighbours,
    PersonalTopFrequency,
    Popularity,
    Recommender,
    RepeatDiscovery,
    TrainingData,
    build_training_data,
    served_model,
    top_n,
)

K = 10
METRICS = ("ndcg@10", "hr@10", "precision@10", "recall@10", "map@10", "coverage")
# Validated on the 2011-03-01 split (trained on the rows before it, tested on March to May).
DEFAULT_HALF_LIFE_DAYS = 60.0
SERVED_MODEL = "repeat + discovery (served)"


def read_purchases(*, paths: Sequence[Path]) -> pd.DataFrame:
    """Purchase lines of every file, concatenated as the importer reads several files."""
    records: list[tuple[str | None, str, str, object]] = []
    for path in paths:
        rows, _ = parse_rows(read_text(path))
        records.extend(
            (row.customer_id, row.stock_code, row.invoice, row.invoiced_at)
            for row in rows
            if isinstance(row, RetailRow) and is_purchase(row)
        )
    frame = pd.DataFrame.from_records(records, columns=["customer", "product", "invoice", "at"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def is_purchase(row: RetailRow) -> bool:
    """A product bought by a known customer: no cancellation, charge, bookkeeping code or free line."""
    return (
        row.customer_id is not None
        and not row.is_cancellation
        and row.quantity > 0
        and row.unit_price > 0
        and classify_stock_code(row.stock_code) == StockCodeKind.PRODUCT
        and not is_charge_description(row.description)
    )


# --- Metrics ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingMetrics:
    ndcg: float
    hit: float
    precision: float
    recall: float
    average_precision: float


def rank_metrics(*, ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int = K) -> RankingMetrics:
    """Metrics of one ranked list against one set of relevant items (binary relevance).

    NDCG's ideal ranking and AP's normaliser both use min(|relevant|, k): a customer who
    bought 40 products can still score 1.0 with a perfect top 10.
    """
    ranked = list(ranked)[:k]
    hits = [1.0 if item in relevant else 0.0 for item in ranked]
    n_relevant = len(relevant)
    if n_relevant == 0:
        raise ValueError("a customer with nothing relevant cannot be evaluated")
    dcg = sum(hit / math.log2(position + 2) for position, hit in enumerate(hits))
    ideal = sum(1.0 / math.log2(position + 2) for position in range(min(n_relevant, k)))
    precisions_at_hits, found = [], 0
    for position, hit in enumerate(hits):
        if hit:
            found += 1
            precisions_at_hits.append(found / (position + 1))
    return RankingMetrics(
        ndcg=dcg / ideal,
        hit=1.0 if found else 0.0,
        precision=found / k,
        recall=found / n_relevant,
        average_precision=sum(precisions_at_hits) / min(n_relevant, k),
    )


def summarise(
    *, per_customer: Iterable[RankingMetrics], recommended: Collection[Hashable], catalogue_size: int
) -> dict:
    rows = list(per_customer)
    if not rows:
        return dict.fromkeys(METRICS, 0.0) | {"customers": 0}
    return {
        "ndcg@10": float(np.mean([row.ndcg for row in rows])),
        "hr@10": float(np.mean([row.hit for row in rows])),
        "precision@10": float(np.mean([row.precision for row in rows])),
        "recall@10": float(np.mean([row.recall for row in rows])),
        "map@10": float(np.mean([row.average_precision for row in rows])),
        "coverage": len(recommended) / catalogue_size if catalogue_size else 0.0,
        "customers": len(rows),
    }


# --- The experiment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    train: TrainingData
    test_rows: np.ndarray  # row index in train of each returning customer
    relevant: list[set[int]]  # product column indices bought after the split, per test row
    relevant_new: list[set[int]]  # the same without products bought before the split


def split_purchases(
    *, purchases: pd.DataFrame, split: pd.Timestamp, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> Split:
    before = purchases[purchases["at"] < split]
    after = purchases[purchases["at"] >= split]
    train = build_training_data(purchases=before, now=split, half_life_days=half_life_days)
    customer_row = pd.Series(np.arange(len(train.customers)), index=train.customers)
    product_column = pd.Series(np.arange(len(train.products)), index=train.products)
    # Products first sold after the split cannot be recommended by any model trained before it;
    # they still count as relevant (they lower every model's recall alike).
    after = after[after["customer"].isin(train.customers)]
    test_rows, relevant, relevant_new = [], [], []
    for customer, products in after.groupby("customer", sort=True)["product"]:
        row = int(customer_row[customer])
        columns = {
            int(product_column[p]) if p in product_column.index else -1 - i
            for i, p in enumerate(set(products))
        }
        bought_before = set(train.counts[row].indices.tolist())
        test_rows.append(row)
        relevant.append(columns)
        relevant_new.append(columns - bought_before)
    return Split(
        train=train,
        test_rows=np.asarray(test_rows, dtype=np.int64),
        relevant=relevant,
        relevant_new=relevant_new,
    )


def evaluate_model(*, model: Recommender, split: Split, batch_size: int = 512) -> dict[str, dict]:
    all_metrics: list[RankingMetrics] = []
    new_metrics: list[RankingMetrics] = []
    covered_all: set[int] = set()
    covered_new: set[int] = set()
    counts = split.train.counts
    for start in range(0, len(split.test_rows), batch_size):
        rows = split.test_rows[start : start + batch_size]
        scores = model.score(rows)
        ranked_all = top_n(scores, n=K)
        seen = counts[rows].toarray() > 0
        ranked_new = top_n(scores, n=K, exclude=seen)
        for offset, row_index in enumerate(range(start, start + len(rows))):
            ranking = ranked_all[offset].tolist()
            covered_all.update(ranking)
            all_metrics.append(rank_metrics(ranked=ranking, relevant=split.relevant[row_index]))
            if split.relevant_new[row_index]:
                fresh = [item for item in ranked_new[offset].tolist() if not seen[offset, item]]
                covered_new.update(fresh)
                new_metrics.append(rank_metrics(ranked=fresh, relevant=split.relevant_new[row_index]))
    catalogue = split.train.shape[1]
    return {
        "all": summarise(per_customer=all_metrics, recommended=covered_all, catalogue_size=catalogue),
        "new": summarise(per_customer=new_metrics, recommended=covered_new, catalogue_size=catalogue),
    }


def baseline_models() -> list[Recommender]:
    return [Popularity(), PersonalTopFrequency(), ImplicitALS(), ItemNeighbours()]


def our_models() -> list[Recommender]:
    return [RepeatDiscovery(), served_model()]


def run_evaluation(
    *,
    purchases: pd.DataFrame,
    split: pd.Timestamp,
    models: Sequence[Recommender] | None = None,
    on_model: Callable[[str], None] | None = None,
) -> dict:
    """Train every model on the rows before ``split`` and score it on the returning customers."""
    data = split_purchases(purchases=purchases, split=split)
    results: dict[str, dict] = {}
    for model in models if models is not None else [*baseline_models(), *our_models()]:
        if on_model:
            on_model(model.name)
        started = time.perf_counter()
        model.fit(data.train)
        results[model.name] = evaluate_model(model=model, split=data) | {
            "seconds": round(time.perf_counter() - started, 2)
        }
    return {
        "split": split.date().isoformat(),
        "served": SERVED_MODEL,
        "training": {
            "purchase_lines": int((purchases["at"] < split).sum()),
            "customers": data.train.shape[0],
            "products": data.train.shape[1],
            "test_customers": len(data.test_rows),
        },
        "models": results,
    }
