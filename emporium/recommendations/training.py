"""Recommendation models: pandas / NumPy / SciPy only, DataFrame in, scores out, no ORM.

Every model reads one :class:`TrainingData` (a customer x product sparse matrix built from
purchase rows, with time decay) and scores products for a batch of customers. The offline
evaluation (:mod:`emporium.recommendations.evaluation`) and the shop's training service both
call these functions, so what is measured is what is served.

Input frame columns (:data:`PURCHASE_COLUMNS`): ``customer`` and ``product`` (any hashable id),
``invoice`` (one basket), ``at`` (timezone-aware or naive datetime, one convention per frame).

The served model is :class:`RepeatDiscovery`. It was designed from what the data says (see
``docs/decisions/0011-recommendations-repeat-and-discovery.md``):

* a customer's own history, weighted by recency, is the strongest signal ("personal top
  frequency"), but items differ in how often they are bought again (a cake stand once, paper
  bags every month), so the repeat score is multiplied by a per-product repurchase propensity;
* products the customer never bought are found by ALS (factorisation catches the customer's
  taste) blended with item neighbours of their recent products (catches what goes together);
* both parts are scaled to [0, 1] per customer and added: an own product that is bought
  again and again outranks any discovery, a product bought once long ago can be overtaken.
  (Ranking own products strictly first past a repeat threshold, and an extra recency factor,
  were tried on the validation split and lost: see the decision record.)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
from scipy import sparse

logger = logging.getLogger(__name__)

PURCHASE_COLUMNS = ("customer", "product", "invoice", "at")
DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class TrainingData:
    """Purchases as sparse matrices; row i is ``customers[i]``, column j is ``products[j]``."""

    customers: pd.Index
    products: pd.Index
    counts: sparse.csr_matrix  # distinct baskets in which the customer bought the product
    decayed: sparse.csr_matrix  # the same baskets, each weighted 0.5 ** (age / half-life)
    half_life_days: float

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.customers), len(self.products))


def build_training_data(*, purchases: pd.DataFrame, now: pd.Timestamp, half_life_days: float) -> TrainingData:
    """Group purchase lines into (customer, product, basket) once, then into sparse matrices.

    A basket counts once per product whatever its quantity: wholesalers buy in 12s and 144s,
    and quantities would let one bulk order outweigh a year of regular orders.
    """
    frame = purchases.loc[:, list(PURCHASE_COLUMNS)].drop_duplicates(["customer", "product", "invoice"])
    customer_codes, customers = pd.factorize(frame["customer"], sort=True)
    product_codes, products = pd.factorize(frame["product"], sort=True)
    age_days = ((now - frame["at"]) / pd.Timedelta(days=1)).to_numpy(dtype=np.float64).clip(min=0)
    weights = np.power(0.5, age_days / half_life_days)
    shape = (len(customers), len(products))
    counts = sparse.csr_matrix(
        (np.ones(len(frame), dtype=np.float32), (customer_codes, product_codes)), shape
    )
    decayed = sparse.csr_matrix((weights.astype(np.float32), (customer_codes, product_codes)), shape)
    counts.sum_duplicates()
    decayed.sum_duplicates()
    return TrainingData(
        customers=pd.Index(customers),
        products=pd.Index(products),
        counts=counts,
        decayed=decayed,
        half_life_days=half_life_days,
    )


class Recommender(Protocol):
    name: str

    def fit(self, data: TrainingData) -> None: ...

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Dense scores, one row per customer row index in ``rows``, one column per product."""
        ...


# --- Popularity ----------------------------------------------------------------------------------


def fit_popularity(data: TrainingData) -> np.ndarray:
    """Time-decayed number of customers who bought each product: the cold-start ranking.

    Customers, not baskets: one wholesaler reordering weekly should not make a product popular.
    """
    buyers = data.decayed.copy()
    buyers.data = np.minimum(buyers.data, 1.0)
    return np.asarray(buyers.sum(axis=0)).ravel()


@dataclass
class Popularity:
    name: str = "popularity"
    popularity: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def fit(self, data: TrainingData) -> None:
        self.popularity = fit_popularity(data)

    def score(self, rows: np.ndarray) -> np.ndarray:
        return np.tile(_unit_scale(self.popularity), (len(rows), 1))


# --- Personal top frequency -------------------------------------------------------------------


@dataclass
class PersonalTopFrequency:
    """The customer's own products by time-decayed purchase frequency, popularity after them."""

    name: str = "personal top frequency"
    data: TrainingData | None = None
    popularity: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def fit(self, data: TrainingData) -> None:
        self.data = data
        self.popularity = fit_popularity(data)

    def score(self, rows: np.ndarray) -> np.ndarray:
        assert self.data is not None
        own = self.data.decayed[rows].toarray()
        # Popularity only breaks the ground below the customer's own products (scaled under 1).
        return np.where(own > 0, 1.0 + own, 0.0) + 0.5 * _unit_scale(self.popularity)[None, :]


# --- Item neighbours ---------------------------------------------------------------------------


def fit_item_neighbours(
    data: TrainingData,
    *,
    n_neighbours: int,
    shrinkage: float = 10.0,
    alpha: float = 0.5,
    max_items_per_customer: int | None = None,
    min_co_buyers: int = 1,
    block_size: int = 1024,
) -> sparse.csr_matrix:
    """Item x item similarity from customers who bought both, keeping each product's top neighbours.

    Asymmetric cosine (``alpha``) with shrinkage: ``co / (n_i**alpha * n_j**(1-alpha) + shrinkage)``.
    With alpha 0.5 it is plain cosine; the denominator is what tames best-sellers (bought
    with everything, so they would otherwise be everyone's first neighbour), the shrinkage
    what stops two products bought once by the same customer from being perfect neighbours.
    Row i holds i's neighbours; the diagonal is empty.

    Co-purchases are counted a block of products at a time and pruned to the top neighbours
    at once, so memory stays bounded; ``max_items_per_customer`` keeps only each customer's
    most recent-and-frequent products, because a wholesaler with 2,000 products would
    otherwise add four million pairs on their own. ``min_co_buyers`` drops pairs too rare to
    trust before they are sorted: the shop's training uses both, the evaluation neither.
    """
    weights = data.decayed
    if max_items_per_customer is not None:
        weights = keep_top_per_row(weights, n=max_items_per_customer)
    binary = weights.copy()
    binary.data[:] = 1.0
    binary = binary.astype(np.float32).tocsr()
    binary_t = binary.T.tocsr()
    buyers = np.asarray(binary.sum(axis=0)).ravel().astype(np.float32)
    blocks = []
    for start in range(0, binary.shape[1], block_size):
        stop = min(start + block_size, binary.shape[1])
        co = (binary_t[start:stop] @ binary).tocoo()
        keep = (co.row + start != co.col) & (co.data >= min_co_buyers)
        rows, cols, values = co.row[keep], co.col[keep], co.data[keep]
        denominator = np.power(buyers[rows + start], alpha) * np.power(buyers[cols], 1 - alpha) + shrinkage
        block = sparse.csr_matrix((values / denominator, (rows, cols)), shape=(stop - start, binary.shape[1]))
        blocks.append(keep_top_per_row(block, n=n_neighbours))
    if not blocks:
        return sparse.csr_matrix((data.shape[1], data.shape[1]), dtype=np.float32)
    return sparse.vstack(blocks).tocsr()


def keep_top_per_row(matrix: sparse.csr_matrix, *, n: int) -> sparse.csr_matrix:
    """The n largest entries of each row, ties broken by column index (deterministic)."""
    matrix = matrix.tocsr()
    matrix.sort_indices()
    lengths = np.diff(matrix.indptr)
    if lengths.max(initial=0) <= n:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    # One sort for the whole matrix: by row, then by value descending, then by column. Columns
    # are already ascending within each row and the sort is stable, so they need no pass.
    order = np.lexsort((-matrix.data, rows))
    rank_in_row = np.arange(len(order)) - np.repeat(matrix.indptr[:-1], lengths)
    chosen = order[rank_in_row < n]
    return sparse.csr_matrix(
        (matrix.data[chosen], (rows[chosen], matrix.indices[chosen])), shape=matrix.shape
    )


@dataclass
class ItemNeighbours:
    """Sum of the similarities of each product to the customer's recent (decayed) products."""

    name: str = "item neighbours"
    n_neighbours: int = 100
    max_items_per_customer: int | None = None
    min_co_buyers: int = 1
    data: TrainingData | None = None
    similarity: sparse.csr_matrix | None = None

    def fit(self, data: TrainingData) -> None:
        self.data = data
        self.similarity = fit_item_neighbours(
            data,
            n_neighbours=self.n_neighbours,
            max_items_per_customer=self.max_items_per_customer,
            min_co_buyers=self.min_co_buyers,
        )

    def score(self, rows: np.ndarray) -> np.ndarray:
        return self.score_sparse(rows).toarray()

    def score_sparse(self, rows: np.ndarray) -> sparse.csr_matrix:
        assert self.data is not None
        assert self.similarity is not None
        return (self.data.decayed[_row_selector(rows)] @ self.similarity).tocsr()


# --- ALS ---------------------------------------------------------------------------------------------


@dataclass
class ImplicitALS:
    """``implicit``'s ALS on BM25-weighted decayed purchases, on the CPU with few threads."""

    name: str = "ALS (implicit, BM25)"
    factors: int = 64
    regularization: float = 0.05
    iterations: int = 15
    bm25_k1: float = 100.0
    bm25_b: float = 0.8
    threads: int = 2
    seed: int = 0
    user_factors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    item_factors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    _items_by_factor: np.ndarray | None = field(default=None, repr=False)

    def fit(self, data: TrainingData) -> None:
        from implicit.cpu.als import AlternatingLeastSquares  # the CPU class: never a GPU
        from implicit.nearest_neighbours import bm25_weight
        from threadpoolctl import threadpool_limits

        weighted = bm25_weight(data.decayed.tocoo(), K1=self.bm25_k1, B=self.bm25_b).tocsr()
        # implicit parallelises itself; a multi-threaded BLAS underneath would oversubscribe 2 cores.
        with threadpool_limits(limits=1, user_api="blas"):
            model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                iterations=self.iterations,
                num_threads=self.threads,
                random_state=self.seed,
            )
            model.fit(weighted.astype(np.float32), show_progress=False)
        self.user_factors = np.asarray(model.user_factors, dtype=np.float32)
        self.item_factors = np.asarray(model.item_factors, dtype=np.float32)
        # The transposed factors laid out contiguously once: BLAS multiplies them a third faster.
        self._items_by_factor = np.ascontiguousarray(self.item_factors.T)

    def score(self, rows: np.ndarray) -> np.ndarray:
        if self._items_by_factor is None:
            self._items_by_factor = np.ascontiguousarray(self.item_factors.T)
        return self.user_factors[rows] @ self._items_by_factor


# --- Ours: repeat + discovery ------------------------------------------------------------------


def fit_repurchase_propensity(data: TrainingData, *, prior_weight: float = 5.0) -> np.ndarray:
    """Share of a product's buyers who bought it in two baskets or more, shrunk to the shop's share.

    Shrinking towards the global share keeps a product with two buyers from looking like
    a staple (or a one-off) on so little evidence.
    """
    counts = data.counts.tocsc()
    buyers = np.diff(counts.indptr).astype(np.float64)
    repeaters = np.asarray((counts >= 2).sum(axis=0)).ravel().astype(np.float64)
    overall = repeaters.sum() / max(buyers.sum(), 1.0)
    # The floor keeps own products above zero in a shop where nobody has bought twice yet.
    return np.maximum((repeaters + prior_weight * overall) / (buyers + prior_weight), 1e-4)


@dataclass
class RepeatDiscovery:
    """Our served model: repeat score for the customer's own products, discovery for the rest.

    ``score = repeat + discovery_weight * discovery``; repeat is the decayed frequency times
    the product's repurchase propensity ** ``propensity_power``; discovery blends ALS and item
    neighbours (``neighbour_share`` of it from neighbours); each is scaled to [0, 1] per customer.
    Defaults chosen on the 2011-03-01 validation split (see the decision record).
    """

    name: str = "repeat + discovery (ours)"
    propensity_power: float = 0.5
    discovery_weight: float = 1.0
    neighbour_share: float = 0.3
    als: ImplicitALS = field(default_factory=ImplicitALS)
    neighbours: ItemNeighbours = field(default_factory=ItemNeighbours)
    data: TrainingData | None = None
    propensity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    popularity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _repeat: sparse.csr_matrix | None = field(default=None, repr=False)
    _tie_break: np.ndarray | None = field(default=None, repr=False)

    def fit(self, data: TrainingData) -> None:
        self.data = data
        self._repeat = None
        self._tie_break = None
        self.propensity = fit_repurchase_propensity(data)
        self.popularity = fit_popularity(data)
        if self.neighbour_share < 1:
            self.als.fit(data)
        if self.neighbour_share > 0:
            self.neighbours.fit(data)

    def repeat_matrix(self) -> sparse.csr_matrix:
        """Repeat scores of every customer, sparse (zero off their own products), cached after fit.

        Row-scaled in place on the sparse rows: the dense version of this matrix would hold
        four billion cells at the benchmark size.
        """
        if self._repeat is None:
            assert self.data is not None
            weights = np.power(self.propensity, self.propensity_power).astype(np.float32)
            repeat = self.data.decayed.tocsr().astype(np.float32)
            repeat.data *= weights[repeat.indices]
            self._repeat = _sparse_row_unit_scale(repeat)
        return self._repeat

    def repeat_scores(self, rows: np.ndarray) -> np.ndarray:
        return self.repeat_matrix()[rows].toarray()

    def discovery_scores(self, rows: np.ndarray) -> np.ndarray:
        """Dense float32 discovery scores, built in place: ALS (one matrix product), neighbours added
        sparsely, popularity as the tie-break. Each extra pass over a 1,000 x 50,000 block costs
        as much as the product itself, so there are as few as possible."""
        assert self.data is not None
        n_products = self.data.shape[1]
        if self.neighbour_share < 1:
            discovery = np.asarray(self.als.score(rows), dtype=np.float32)
            top = discovery.max(axis=1, initial=0.0)
            scale = np.divide(
                1 - self.neighbour_share, top, out=np.zeros_like(top, dtype=np.float32), where=top > 0
            )
            discovery *= scale[:, None]
            np.maximum(discovery, 0, out=discovery)
        else:
            discovery = np.zeros((len(rows), n_products), dtype=np.float32)
        discovery += self._popularity_tie_break()[None, :]
        if self.neighbour_share > 0:
            near = _sparse_row_unit_scale(self.neighbours.score_sparse(rows))
            # A product appears once per row of a matrix product, so += on the fancy index is exact.
            cells = _flat_cells(near, width=n_products)
            flat = discovery.reshape(-1)  # a view: the block is contiguous
            flat[cells] += self.neighbour_share * near.data
        return discovery

    def score(self, rows: np.ndarray) -> np.ndarray:
        scores = self.discovery_scores(rows)
        if self.discovery_weight != 1:
            scores *= self.discovery_weight
        repeat = self.repeat_matrix()[rows].tocoo()
        scores[repeat.row, repeat.col] += repeat.data
        return scores

    def top_discovery(self, rows: np.ndarray, *, n: int) -> np.ndarray:
        """``top_n(score(rows), n=n, exclude=bought)`` without a full sort of each row (see
        :func:`top_n_by_threshold`); -1 pads a row with fewer than n products left."""
        scores = self.discovery_scores(rows)
        bought = self.repeat_matrix()[_row_selector(rows)]
        # On products not bought the repeat score is 0: the discovery order is the score order.
        scores.reshape(-1)[_flat_cells(bought, width=scores.shape[1])] = -np.inf
        return top_n_by_threshold(scores, n=n)

    def _popularity_tie_break(self) -> np.ndarray:
        if self._tie_break is None:
            self._tie_break = (1e-3 * _unit_scale(self.popularity)).astype(np.float32)
        return self._tie_break


def served_model() -> RepeatDiscovery:
    """What the shop trains: our model with its costs bounded for 100,000 customers (ADR 0011).

    Fewer ALS factors and iterations, and neighbours from each customer's 30 strongest
    products and from pairs bought by at least two customers. The evaluation scores this
    exact configuration next to the unbounded one.
    """
    return RepeatDiscovery(
        name="repeat + discovery (served)",
        als=ImplicitALS(factors=32, iterations=8, threads=2),
        neighbours=ItemNeighbours(n_neighbours=50, max_items_per_customer=30, min_co_buyers=2),
    )


def _row_selector(rows: np.ndarray) -> np.ndarray | slice:
    """A run of consecutive rows as a slice: SciPy slices CSR rows far faster than it gathers them."""
    if len(rows) and rows[-1] - rows[0] == len(rows) - 1 and (np.diff(rows) == 1).all():
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _flat_cells(matrix: sparse.csr_matrix, *, width: int) -> np.ndarray:
    """The position of each stored entry in a row-major dense block ``width`` wide."""
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    return rows * width + matrix.indices


def _unit_scale(values: np.ndarray) -> np.ndarray:
    top = float(values.max(initial=0.0))
    return values / top if top > 0 else values.astype(np.float64)


def _row_unit_scale(values: np.ndarray) -> np.ndarray:
    top = values.max(axis=1, keepdims=True) if values.size else np.zeros((len(values), 1))
    return np.divide(values, top, out=np.zeros_like(values, dtype=np.float64), where=top > 0)


def top_n(scores: np.ndarray, *, n: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """Column indices of each row's n best scores, best first; ``exclude`` is a boolean mask."""
    if exclude is not None:
        scores = np.where(exclude, -np.inf, scores)
    n = min(n, scores.shape[1])
    if n == 0:
        return np.zeros((len(scores), 0), dtype=np.int64)
    part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -part_scores), axis=1)
    return np.take_along_axis(part, order, axis=1)


def _sparse_row_unit_scale(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Each row divided by its largest entry; entries must be non-negative (purchases, similarities)."""
    matrix = matrix.tocsr()
    if matrix.dtype != np.float32:
        matrix = matrix.astype(np.float32)
    lengths = np.diff(matrix.indptr)
    top = np.zeros(matrix.shape[0], dtype=np.float32)
    filled = lengths > 0
    if filled.any():
        top[filled] = np.maximum.reduceat(matrix.data, matrix.indptr[:-1][filled])
    scale = np.divide(1.0, top, out=np.zeros_like(top), where=top > 0)
    matrix.data *= np.repeat(scale, lengths)
    return matrix


def top_n_by_threshold(scores: np.ndarray, *, n: int, sample: int = 1024) -> np.ndarray:
    """The same columns as :func:`top_n` (best first, ties by column), for wide float rows.

    A full partition of 50,000 scores per customer was the cost of training. Instead each
    row's 4th best score in a sample of its columns is taken as a threshold: if at least n
    scores reach it, the n best are among those few candidates, which are sorted exactly.
    Rows where fewer reach it (rare) fall back to the full partition. ``-inf`` never counts;
    -1 pads rows with fewer than n finite scores.
    """
    n_rows, n_cols = scores.shape
    n = min(n, n_cols)
    result = np.full((n_rows, n), -1, dtype=np.int64)
    if n == 0 or n_rows == 0:
        return result
    if n_cols > 4 * sample:
        columns = np.linspace(0, n_cols - 1, sample).astype(np.int64)
        threshold = np.partition(scores[:, columns], sample - 4, axis=1)[:, sample - 4]
        rows, cols = np.nonzero(scores >= threshold[:, None])
        counts = np.bincount(rows, minlength=n_rows)
        exact = (counts >= n) & np.isfinite(threshold)
    else:
        exact = np.zeros(n_rows, dtype=bool)
    if exact.any():
        keep = exact[rows]
        rows, cols = rows[keep], cols[keep]
        values = scores.reshape(-1)[rows * n_cols + cols]
        # nonzero lists cells row by row, columns ascending, and the sort is stable: ties by column.
        order = np.lexsort((-values, rows))
        starts = np.concatenate(([0], np.cumsum(counts[exact])[:-1]))
        chosen = order[(starts[:, None] + np.arange(n)[None, :]).ravel()]
        result[exact] = cols[chosen].reshape(-1, n)
    rest = np.flatnonzero(~exact)
    if len(rest):
        ranked = top_n(scores[rest], n=n)
        finite = np.isfinite(np.take_along_axis(scores[rest], ranked, axis=1))
        result[rest] = np.where(finite, ranked, -1)
    return result
