"""Training the shop's recommendations and swapping them in; recording storefront events.

Training reads purchases (and add-to-cart events) into a DataFrame, fits the served model of
:mod:`emporium.recommendations.training`, writes top-N rows under a new inactive
:class:`ModelVersion`, and only then activates it in one short transaction. Any failure marks
the new version failed and deletes its rows: the previously active version keeps serving.
"""

from __future__ import annotations

import itertools
import json
import logging
import resource
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone
from threadpoolctl import threadpool_limits

from emporium.catalog.cache import bump_catalog_version
from emporium.catalog.models import Product
from emporium.datasets.progress import ProgressFactory, silent_progress
from emporium.datasets.services.bulk_insert import (
    analyze_tables,
    foreign_key_checks_off,
    lock_referenced_rows,
)
from emporium.recommendations.exceptions import NothingToTrainOn
from emporium.recommendations.interactions import get_latest_interaction_time, read_interactions
from emporium.recommendations.models import (
    CustomerList,
    CustomerListKind,
    ModelVersion,
    ModelVersionStatus,
    NeighbourList,
)
from emporium.recommendations.training import (
    RepeatDiscovery,
    build_training_data,
    keep_top_per_row,
    served_model,
)

logger = logging.getLogger(__name__)

HALF_LIFE_DAYS = 60.0  # validated with the offline evaluation (ADR 0011)
WINDOW_DAYS = 730  # older purchases weigh under 0.5 ** 12 and only cost memory
NEIGHBOURS_PER_PRODUCT = 20
PER_CUSTOMER = 20  # more than a widget shows: serving drops unpublished, sold-out and in-cart ones
POPULAR_PRODUCTS = 60  # three times the API's largest page: room for sold-out and in-cart products
SCORING_BATCH = 64  # 64 x 50,000 products of float32: 13 MB blocks that stay in the CPU's cache
WRITE_BATCH = 5_000
SCORING_THREADS = 2  # the 2 cores training is sized for
KEEP_PREVIOUS_VERSIONS = 1  # the last good model stays on disk for a quick look back


@dataclass(frozen=True)
class TrainingSummary:
    version_id: int
    rows_read: int
    customers: int
    products: int
    seconds: float
    peak_memory_mb: float
    rows_written: int
    stages_seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version_id": self.version_id,
            "rows_read": self.rows_read,
            "customers": self.customers,
            "products": self.products,
            "seconds": round(self.seconds, 2),
            "peak_memory_mb": round(self.peak_memory_mb, 1),
            "rows_written": self.rows_written,
            "stages_seconds": {stage: round(seconds, 1) for stage, seconds in self.stages_seconds.items()},
        }


def train_recommendations(
    *,
    now: datetime | None = None,
    progress: ProgressFactory = silent_progress,
    model: RepeatDiscovery | None = None,
) -> TrainingSummary:
    """Train on the last two years of purchases and make the result the active model.

    The summary's ``seconds`` is the whole run, activation and clean-up included, and
    ``stages_seconds`` says where it went.
    """
    clock = _StageClock()
    now = now or timezone.now()
    version = ModelVersion.objects.create(status=ModelVersionStatus.TRAINING)
    logger.info("recommendations: training model version %s", version.pk)
    try:
        # Time runs from the latest purchase, not the clock: a shop loaded from an old export
        # (or quiet for a month) still learns from its most recent two years.
        latest = get_latest_interaction_time()
        if latest is None:
            raise NothingToTrainOn()
        now = min(now, latest)
        frame = read_interactions(since=now - timedelta(days=WINDOW_DAYS))
        logger.info("recommendations: read %s rows in %.1f s", len(frame), clock.lap("read"))
        if frame.empty:
            raise NothingToTrainOn()
        data = build_training_data(purchases=frame, now=pd.Timestamp(now), half_life_days=HALF_LIFE_DAYS)
        del frame
        model = model or served_model()
        model.fit(data)
        logger.info("recommendations: fitted %s in %.1f s", model.name, clock.lap("fit"))
        rows_written = _write_version(version=version, model=model, progress=progress, clock=clock)
        summary = TrainingSummary(
            version_id=version.pk,
            rows_read=int(data.counts.sum()),
            customers=data.shape[0],
            products=data.shape[1],
            seconds=clock.total(),
            peak_memory_mb=peak_memory_mb(),
            rows_written=rows_written,
            stages_seconds=clock.stages,
        )
        activate_version(version=version, summary=summary.as_dict())
    except BaseException as error:
        # BaseException: a worker's time limit or Ctrl-C must not leave a half-written version behind.
        _discard_version(version=version, error=error)
        raise
    clock.lap("activate")
    _delete_old_versions()
    # Stale statistics made the planner expect thousands of neighbours per product and start
    # parallel workers for four rows: 12 ms per product page instead of well under one. The
    # previous-but-one version's deleted rows are vacuumed away, or planning probes them.
    analyze_tables(
        models=[ModelVersion, NeighbourList, CustomerList],
        vacuum=not connection.in_atomic_block,
    )
    clock.lap("clean_up_and_analyze")
    summary = replace(summary, seconds=clock.total(), stages_seconds=clock.stages)
    ModelVersion.objects.filter(pk=version.pk).update(summary=summary.as_dict())
    logger.info("recommendations: version %s active: %s", version.pk, summary.as_dict())
    return summary


class _StageClock:
    """Seconds per training stage, for the summary and the log lines."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.stages: dict[str, float] = {}

    def lap(self, stage: str) -> float:
        now = time.perf_counter()
        self.stages[stage] = now - self.last
        self.last = now
        return self.stages[stage]

    def total(self) -> float:
        return time.perf_counter() - self.started


@transaction.atomic
def activate_version(*, version: ModelVersion, summary: dict) -> None:
    """Readers switch from the old rows to the new ones at this commit, never in between."""
    ModelVersion.objects.filter(is_active=True).update(is_active=False)
    version.is_active = True
    version.status = ModelVersionStatus.READY
    version.finished_at = timezone.now()
    version.summary = summary
    version.save(update_fields=["is_active", "status", "finished_at", "summary"])
    # Visitors' cached pages and widgets carry the catalog version: they must show the new lists.
    transaction.on_commit(bump_catalog_version)


def _discard_version(*, version: ModelVersion, error: BaseException) -> None:
    logger.exception("recommendations: training version %s failed; the active model is kept", version.pk)
    for table in (NeighbourList, CustomerList):
        table.objects.filter(version=version).delete()
    ModelVersion.objects.filter(pk=version.pk).update(
        status=ModelVersionStatus.FAILED, finished_at=timezone.now(), error=repr(error)[:2000]
    )


def _delete_old_versions() -> None:
    ready = ModelVersion.objects.filter(status=ModelVersionStatus.READY, is_active=False)
    keep = list(ready.order_by("-finished_at", "-pk").values_list("pk", flat=True)[:KEEP_PREVIOUS_VERSIONS])
    stale = list(ready.exclude(pk__in=keep).values_list("pk", flat=True))
    for table in (NeighbourList, CustomerList):
        table.objects.filter(version_id__in=stale).delete()
    ModelVersion.objects.filter(pk__in=stale).delete()


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


# --- Writing a version's rows --------------------------------------------------------------------


@dataclass(frozen=True)
class _Lists:
    """Ranked lists of one table, as columns: one owner per list, its entries best first."""

    table: type[models.Model]
    owners: dict[str, Any]  # column -> one value per list (or one for all)
    entries: dict[str, list[list[Any]]]  # list column -> one Python list per list

    @property
    def count(self) -> int:
        return len(next(iter(self.entries.values())))


def _write_version(
    *, version: ModelVersion, model: RepeatDiscovery, progress: ProgressFactory, clock: _StageClock
) -> int:
    """Every list as one row (its product ids, best first), all written in one transaction.

    Everything is scored before the first row is written, so a model error aborts no
    statement half way. Returns the number of lists written.
    """
    data = model.data
    assert data is not None
    products = data.products.to_numpy().astype(np.int64)
    customers = data.customers.to_numpy().astype(np.int64)
    lists: list[_Lists] = []

    popular = np.argsort(-model.popularity, kind="stable")[:POPULAR_PRODUCTS]
    popular = popular[model.popularity[popular] > 0]
    if len(popular):
        lists.append(
            _Lists(
                CustomerList,  # everyone's list: no customer
                owners={"customer_id": [None], "kind": CustomerListKind.POPULAR.value},
                entries={"product_ids": [products[popular].tolist()]},
            )
        )

    assert model.neighbours.similarity is not None
    similarity = keep_top_per_row(model.neighbours.similarity, n=NEIGHBOURS_PER_PRODUCT)
    owners, ranked, scores = _split_by_row(similarity, ids=products)
    lists.append(
        _Lists(
            NeighbourList,
            owners={"product_id": products[owners].tolist()},
            entries={
                "neighbour_ids": ranked,
                "scores": scores,
            },
        )
    )

    owners, ranked, _ = _split_by_row(keep_top_per_row(model.repeat_matrix(), n=PER_CUSTOMER), ids=products)
    clock.lap("neighbour_and_buy_again_lists")
    lists.append(
        _Lists(
            CustomerList,
            owners={"customer_id": customers[owners].tolist(), "kind": CustomerListKind.BUY_AGAIN.value},
            entries={"product_ids": ranked},
        )
    )

    # "For you" shows discovery only: what the customer already buys has its own widget.
    for_you = _score_for_you(model=model, progress=progress)
    clock.lap("score_for_you")
    filled = np.flatnonzero((for_you >= 0).any(axis=1))
    ids = np.where(for_you[filled] >= 0, products[for_you[filled]], -1)  # -1 pads a short row
    lists.append(
        _Lists(
            CustomerList,
            owners={"customer_id": customers[filled].tolist(), "kind": CustomerListKind.FOR_YOU.value},
            entries={"product_ids": [[pk for pk in row if pk >= 0] for row in ids.tolist()]},
        )
    )
    with transaction.atomic(), foreign_key_checks_off() as checks_are_off:
        if checks_are_off:
            # Once per referenced row instead of once per written row: see bulk_insert.
            lock_referenced_rows(model=ModelVersion, ids=np.array([version.pk], dtype=np.int64))
            lock_referenced_rows(model=Product, ids=products)
            lock_referenced_rows(model=get_user_model(), ids=customers)
        written = sum(_write_lists(lists_of_table, version_id=version.pk) for lists_of_table in lists)
    logger.info("recommendations: wrote %s lists in %.1f s", written, clock.lap("write"))
    return written


def _split_by_row(matrix, *, ids: np.ndarray) -> tuple[np.ndarray, list[list[int]], list[list[float]]]:
    """Each non-empty row's index, and its entries (columns as ``ids``) and values, best first.

    Ties go by column. Whole columns are turned into Python lists once and sliced, not each
    row: a row at a time was most of the cost.
    """
    rows, columns, values, _ = ranked_entries(matrix)
    owners, starts = np.unique(rows, return_index=True)
    bounds = [*starts.tolist(), len(rows)]
    entries, scores = ids[columns].tolist(), np.round(values, 6).tolist()
    pieces = list(itertools.pairwise(bounds))
    return owners, [entries[a:b] for a, b in pieces], [scores[a:b] for a, b in pieces]


def _write_lists(lists: _Lists, *, version_id: int) -> int:
    """COPY on PostgreSQL (a few hundred thousand rows of JSON text), bulk_create elsewhere."""
    count = lists.count
    if count == 0:
        return 0
    columns = {"version_id": [version_id] * count}
    for name, values in lists.owners.items():
        columns[name] = values if isinstance(values, list) else [values] * count
    if connection.vendor != "postgresql":
        fields = list(columns) + list(lists.entries)
        table = lists.table
        table.objects.bulk_create(  # type: ignore[attr-defined]
            [
                table(**dict(zip(fields, row, strict=True)))
                for row in zip(*columns.values(), *lists.entries.values(), strict=True)
            ],
            batch_size=WRITE_BATCH,
        )
        return count
    names = ", ".join(list(columns) + list(lists.entries))
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {lists.table._meta.db_table} ({names}) FROM STDIN") as copy,
    ):
        for row in zip(
            *columns.values(),
            *([json.dumps(entry) for entry in values] for values in lists.entries.values()),
            strict=True,
        ):
            copy.write_row(row)
    return count


def _score_for_you(*, model: RepeatDiscovery, progress: ProgressFactory) -> np.ndarray:
    assert model.data is not None
    n_customers = model.data.shape[0]
    bar = progress("scoring customers", n_customers)
    batches = [
        np.arange(start, min(start + SCORING_BATCH, n_customers))
        for start in range(0, n_customers, SCORING_BATCH)
    ]
    chosen: list[np.ndarray] = []
    # NumPy and SciPy release the GIL in the products and passes a batch is made of, so two
    # threads use both cores (implicit's fit already did; BLAS stays single-threaded here).
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(SCORING_THREADS) as pool:
        for index, top in enumerate(
            pool.map(lambda batch: model.top_discovery(batch, n=PER_CUSTOMER), batches)
        ):
            chosen.append(top)
            bar.update(len(top))
            if index % 40 == 0:
                logger.info("recommendations: scored %s of %s customers", sum(map(len, chosen)), n_customers)
    bar.close()
    return np.concatenate(chosen) if chosen else np.zeros((0, PER_CUSTOMER), dtype=np.int64)


def ranked_entries(matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row, column, value and 1-based rank of every positive entry, best first within a row, ties by column."""
    matrix = matrix.tocsr()
    lengths = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    positive = matrix.data > 0
    rows, columns, values = rows[positive], matrix.indices[positive], matrix.data[positive]
    order = np.lexsort((columns, -values, rows))
    rows, columns, values = rows[order], columns[order], values[order]
    starts = np.searchsorted(rows, rows, side="left")
    return rows, columns, values.astype(np.float64), np.arange(len(rows)) - starts + 1
