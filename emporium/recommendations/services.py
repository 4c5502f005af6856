"""Training the shop's recommendations and swapping them in; recording storefront events.

Training reads purchases (and add-to-cart events) into a DataFrame, fits the served model of
:mod:`emporium.recommendations.training`, writes top-N rows under a new inactive
:class:`ModelVersion`, and only then activates it in one short transaction. Any failure marks
the new version failed and deletes its rows: the previously active version keeps serving.
"""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from django.db import connection, models, transaction
from django.utils import timezone

from emporium.catalog.cache import bump_catalog_version
from emporium.datasets.progress import ProgressFactory, silent_progress
from emporium.recommendations.exceptions import NothingToTrainOn
from emporium.recommendations.models import (
    CustomerListKind,
    CustomerRecommendation,
    ModelVersion,
    ModelVersionStatus,
    PopularProduct,
    ProductNeighbour,
)
from emporium.recommendations.selectors import get_latest_interaction_time, read_interactions
from emporium.recommendations.training import (
    RepeatDiscovery,
    build_training_data,
    keep_top_per_row,
    served_model,
    top_n,
)

logger = logging.getLogger(__name__)

HALF_LIFE_DAYS = 60.0  # validated with the offline evaluation (ADR 0011)
WINDOW_DAYS = 730  # older purchases weigh under 0.5 ** 12 and only cost memory
NEIGHBOURS_PER_PRODUCT = 20
PER_CUSTOMER = 20  # more than a widget shows: serving drops unpublished, sold-out and in-cart ones
POPULAR_PRODUCTS = 200
SCORING_BATCH = 256  # 256 x 50,000 products of float64 per array: about 100 MB
WRITE_BATCH = 20_000
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

    def as_dict(self) -> dict[str, float | int]:
        return {
            "version_id": self.version_id,
            "rows_read": self.rows_read,
            "customers": self.customers,
            "products": self.products,
            "seconds": round(self.seconds, 2),
            "peak_memory_mb": round(self.peak_memory_mb, 1),
            "rows_written": self.rows_written,
        }


def train_recommendations(
    *,
    now: datetime | None = None,
    progress: ProgressFactory = silent_progress,
    model: RepeatDiscovery | None = None,
) -> TrainingSummary:
    """Train on the last two years of purchases and make the result the active model."""
    started = time.perf_counter()
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
        logger.info("recommendations: read %s rows in %.1f s", len(frame), time.perf_counter() - started)
        if frame.empty:
            raise NothingToTrainOn()
        data = build_training_data(purchases=frame, now=pd.Timestamp(now), half_life_days=HALF_LIFE_DAYS)
        del frame
        model = model or served_model()
        model.fit(data)
        logger.info("recommendations: fitted %s in %.1f s", model.name, time.perf_counter() - started)
        rows_written = _write_version(version=version, model=model, progress=progress)
        summary = TrainingSummary(
            version_id=version.pk,
            rows_read=int(data.counts.sum()),
            customers=data.shape[0],
            products=data.shape[1],
            seconds=time.perf_counter() - started,
            peak_memory_mb=peak_memory_mb(),
            rows_written=rows_written,
        )
        activate_version(version=version, summary=summary.as_dict())
    except BaseException as error:
        # BaseException: a worker's time limit or Ctrl-C must not leave a half-written version behind.
        _discard_version(version=version, error=error)
        raise
    _delete_old_versions()
    logger.info("recommendations: version %s active: %s", version.pk, summary.as_dict())
    return summary


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
    for table in (ProductNeighbour, CustomerRecommendation, PopularProduct):
        table.objects.filter(version=version).delete()
    ModelVersion.objects.filter(pk=version.pk).update(
        status=ModelVersionStatus.FAILED, finished_at=timezone.now(), error=repr(error)[:2000]
    )


def _delete_old_versions() -> None:
    ready = ModelVersion.objects.filter(status=ModelVersionStatus.READY, is_active=False)
    keep = list(ready.order_by("-finished_at", "-pk").values_list("pk", flat=True)[:KEEP_PREVIOUS_VERSIONS])
    stale = list(ready.exclude(pk__in=keep).values_list("pk", flat=True))
    for table in (ProductNeighbour, CustomerRecommendation, PopularProduct):
        table.objects.filter(version_id__in=stale).delete()
    ModelVersion.objects.filter(pk__in=stale).delete()


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


# --- Writing a version's rows --------------------------------------------------------------------


def _write_version(*, version: ModelVersion, model: RepeatDiscovery, progress: ProgressFactory) -> int:
    data = model.data
    assert data is not None
    products = data.products.to_numpy()
    customers = data.customers.to_numpy()
    written = 0

    popular = np.argsort(-model.popularity, kind="stable")[:POPULAR_PRODUCTS]
    written += _copy_rows(
        PopularProduct,
        ["version_id", "product_id", "rank", "score"],
        (
            (version.pk, int(products[column]), rank, float(model.popularity[column]))
            for rank, column in enumerate(popular, start=1)
            if model.popularity[column] > 0
        ),
    )

    assert model.neighbours.similarity is not None
    similarity = keep_top_per_row(model.neighbours.similarity, n=NEIGHBOURS_PER_PRODUCT)
    written += _copy_rows(
        ProductNeighbour,
        ["version_id", "product_id", "neighbour_id", "rank", "score"],
        _neighbour_rows(version_id=version.pk, similarity=similarity, products=products),
    )

    bar = progress("scoring customers", len(customers))
    rows = np.arange(len(customers))
    for start in range(0, len(rows), SCORING_BATCH):
        batch = rows[start : start + SCORING_BATCH]
        written += _copy_rows(
            CustomerRecommendation,
            ["version_id", "customer_id", "kind", "product_id", "rank", "score"],
            # Scored before COPY starts: a model error then aborts no statement half way.
            list(
                _customer_rows(
                    version_id=version.pk, model=model, batch=batch, customers=customers, products=products
                )
            ),
        )
        bar.update(len(batch))
        if (start // SCORING_BATCH) % 20 == 0:
            logger.info("recommendations: scored %s of %s customers", start + len(batch), len(rows))
    bar.close()
    return written


def _neighbour_rows(*, version_id: int, similarity, products: np.ndarray) -> Iterator[tuple]:
    similarity.sort_indices()
    for row in range(similarity.shape[0]):
        start, end = similarity.indptr[row], similarity.indptr[row + 1]
        if start == end:
            continue
        columns, values = similarity.indices[start:end], similarity.data[start:end]
        order = np.lexsort((columns, -values))
        product_id = int(products[row])
        for rank, position in enumerate(order, start=1):
            yield (version_id, product_id, int(products[columns[position]]), rank, float(values[position]))


def _customer_rows(
    *, version_id: int, model: RepeatDiscovery, batch: np.ndarray, customers: np.ndarray, products: np.ndarray
) -> Iterator[tuple]:
    assert model.data is not None
    repeat = model.repeat_scores(batch)
    bought = repeat > 0
    again = top_n(repeat, n=PER_CUSTOMER)
    # "For you" shows discovery only: what the customer already buys has its own widget.
    for_you = top_n(
        repeat + model.discovery_weight * model.discovery_scores(batch), n=PER_CUSTOMER, exclude=bought
    )
    scores_again = np.take_along_axis(repeat, again, axis=1)
    for offset, row in enumerate(batch):
        customer_id = int(customers[row])
        for rank, (column, score) in enumerate(
            zip(again[offset], scores_again[offset], strict=True), start=1
        ):
            if score <= 0:
                break
            yield (
                version_id,
                customer_id,
                CustomerListKind.BUY_AGAIN.value,
                int(products[column]),
                rank,
                float(score),
            )
        rank = 0
        for column in for_you[offset]:
            if bought[offset, column]:
                continue
            rank += 1
            yield (version_id, customer_id, CustomerListKind.FOR_YOU.value, int(products[column]), rank, 0.0)


def _copy_rows(table: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY on PostgreSQL (ten times bulk_create's speed), bulk_create elsewhere."""
    written = 0
    if connection.vendor == "postgresql":
        names = ", ".join(columns)
        with (
            connection.cursor() as cursor,
            cursor.connection.cursor().copy(f"COPY {table._meta.db_table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                written += 1
        return written
    batch: list[models.Model] = []
    for row in rows:
        batch.append(table(**dict(zip(columns, row, strict=True))))
        if len(batch) >= WRITE_BATCH:
            table.objects.bulk_create(batch)  # type: ignore[attr-defined]
            written += len(batch)
            batch = []
    table.objects.bulk_create(batch)  # type: ignore[attr-defined]
    return written + len(batch)
