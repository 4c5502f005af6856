"""Training the shop's recommendations and swapping them in; recording storefront events.

Training reads purchases (and add-to-cart events) into a DataFrame, fits the served model of
:mod:`emporium.recommendations.training`, writes top-N rows under a new inactive
:class:`ModelVersion`, and only then activates it in one short transaction. Any failure marks
the new version failed and deletes its rows: the previously active version keeps serving.
"""

from __future__ import annotations

import logging
import resource
import struct
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
from emporium.recommendations.models import (
    CustomerListKind,
    CustomerRecommendation,
    ModelVersion,
    ModelVersionStatus,
    ProductNeighbour,
)
from emporium.recommendations.selectors import get_latest_interaction_time, read_interactions
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
COPY_PIECE = 200_000  # rows rendered to CSV at a time
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
        models=[ModelVersion, ProductNeighbour, CustomerRecommendation],
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
    for table in (ProductNeighbour, CustomerRecommendation):
        table.objects.filter(version=version).delete()
    ModelVersion.objects.filter(pk=version.pk).update(
        status=ModelVersionStatus.FAILED, finished_at=timezone.now(), error=repr(error)[:2000]
    )


def _delete_old_versions() -> None:
    ready = ModelVersion.objects.filter(status=ModelVersionStatus.READY, is_active=False)
    keep = list(ready.order_by("-finished_at", "-pk").values_list("pk", flat=True)[:KEEP_PREVIOUS_VERSIONS])
    stale = list(ready.exclude(pk__in=keep).values_list("pk", flat=True))
    for table in (ProductNeighbour, CustomerRecommendation):
        table.objects.filter(version_id__in=stale).delete()
    ModelVersion.objects.filter(pk__in=stale).delete()


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


# --- Writing a version's rows --------------------------------------------------------------------


def _write_version(
    *, version: ModelVersion, model: RepeatDiscovery, progress: ProgressFactory, clock: _StageClock
) -> int:
    """Every list as whole NumPy columns, then one transaction of one COPY per list.

    Rows are never built one by one in Python: at 80,000 customers x 40 rows that loop, not the
    model, was the cost of a training run. Everything is scored before the first COPY, so a
    model error aborts no statement half way.
    """
    data = model.data
    assert data is not None
    products = data.products.to_numpy().astype(np.int64)
    customers = data.customers.to_numpy().astype(np.int64)
    lists: list[tuple[type[models.Model], dict[str, Any]]] = []

    popular = np.argsort(-model.popularity, kind="stable")[:POPULAR_PRODUCTS]
    popular = popular[model.popularity[popular] > 0]
    lists.append(
        (
            CustomerRecommendation,  # everyone's list: no customer_id column, so NULL
            {
                "kind": CustomerListKind.POPULAR.value,
                "product_id": products[popular],
                "rank": np.arange(1, len(popular) + 1),
                "score": model.popularity[popular],
            },
        )
    )

    assert model.neighbours.similarity is not None
    similarity = keep_top_per_row(model.neighbours.similarity, n=NEIGHBOURS_PER_PRODUCT)
    rows, columns, scores, ranks = ranked_entries(similarity)
    lists.append(
        (
            ProductNeighbour,
            {"product_id": products[rows], "neighbour_id": products[columns], "rank": ranks, "score": scores},
        )
    )

    again = keep_top_per_row(model.repeat_matrix(), n=PER_CUSTOMER)
    rows, columns, scores, ranks = ranked_entries(again)
    clock.lap("neighbour_and_buy_again_lists")
    lists.append(
        (
            CustomerRecommendation,
            {
                "customer_id": customers[rows],
                "kind": CustomerListKind.BUY_AGAIN.value,
                "product_id": products[columns],
                "rank": ranks,
                "score": scores,
            },
        )
    )

    # "For you" shows discovery only: what the customer already buys has its own widget.
    for_you = _score_for_you(model=model, progress=progress)
    clock.lap("score_for_you")
    rows, positions = np.nonzero(for_you >= 0)
    lists.append(
        (
            CustomerRecommendation,
            {
                "customer_id": customers[rows],
                "kind": CustomerListKind.FOR_YOU.value,
                "product_id": products[for_you[rows, positions]],
                "rank": positions + 1,  # padding (-1) only ever ends a row, so positions are ranks
                "score": 0.0,
            },
        )
    )
    with transaction.atomic(), foreign_key_checks_off() as checks_are_off:
        if checks_are_off:
            # Once per referenced row instead of once per written row (millions): see bulk_insert.
            lock_referenced_rows(model=ModelVersion, ids=np.array([version.pk], dtype=np.int64))
            lock_referenced_rows(model=Product, ids=products)
            lock_referenced_rows(model=get_user_model(), ids=customers)
        written = sum(_copy_columns(table, columns, version_id=version.pk) for table, columns in lists)
    logger.info("recommendations: wrote %s rows in %.1f s", written, clock.lap("write"))
    return written


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


def _copy_columns(table: type[models.Model], columns: dict[str, Any], *, version_id: int) -> int:
    """Binary COPY on PostgreSQL, bulk_create elsewhere.

    Every list's rows have a fixed width (integers, a float, one constant text), so the
    binary COPY records are laid out by a NumPy structured array in one go: rendering CSV
    and parsing it again on the server took most of the time a version took to write.
    """
    frame = pd.DataFrame({"version_id": version_id, **columns})
    if frame.empty:
        return 0
    if connection.vendor != "postgresql":
        records = frame.to_dict("records")
        table.objects.bulk_create(  # type: ignore[attr-defined]
            [table(**record) for record in records], batch_size=WRITE_BATCH
        )
        return len(records)
    names = ", ".join(frame.columns)
    layout = [(name, _binary_type(table=table, column=name, values=frame[name])) for name in frame.columns]
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            f"COPY {table._meta.db_table} ({names}) FROM STDIN WITH (FORMAT binary)"
        ) as copy,
    ):
        copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
        for start in range(0, len(frame), COPY_PIECE):
            piece = frame.iloc[start : start + COPY_PIECE]
            dtype = [("fields", ">i2")]
            for name, kind in layout:
                dtype += [(f"{name}__length", ">i4"), (name, kind)]
            records = np.empty(len(piece), dtype=dtype)
            records["fields"] = len(layout)
            for name, kind in layout:
                records[f"{name}__length"] = np.dtype(kind).itemsize
                values = piece[name].to_numpy()
                records[name] = np.char.encode(values.astype(str)) if kind.startswith("S") else values
            copy.write(records.tobytes())
        copy.write(struct.pack(">h", -1))
    return len(frame)


_BINARY_TYPES = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2", "double precision": ">f8"}


def _binary_type(*, table: type[models.Model], column: str, values: pd.Series) -> str:
    """The big-endian NumPy type of a column in PostgreSQL's binary COPY format."""
    field = table._meta.get_field(column.removesuffix("_id") if column.endswith("_id") else column)
    assert isinstance(field, models.Field)  # a column of this table, never a reverse relation
    db_type = str(field.rel_db_type(connection) if field.is_relation else field.db_type(connection))
    db_type = db_type.replace("bigserial", "bigint").split(" CHECK")[0].strip()
    if db_type.startswith("varchar"):
        lengths = values.astype(str).str.encode("utf-8").str.len()
        if lengths.nunique() != 1:
            raise ValueError(f"{column}: binary COPY here writes texts of one length only")
        return f"S{int(lengths.iloc[0])}"
    return _BINARY_TYPES[db_type]
