"""RFM scoring: pandas, a DataFrame of customers in, the same frame with scores out, no ORM.

Recency and monetary value are scored 1-5 by percentile rank among the customers of the
period (ties share a score, so equal customers are never split); frequency by fixed order
counts, because most customers order once and quintiles of mostly-equal values mean nothing.
The segment follows from recency and frequency, as in the usual RFM grid:

=============  ============================  ===========================================
segment        rule                           meaning
=============  ============================  ===========================================
champions      R 4-5 and F 4-5                bought recently and often
loyal          R 3-5 and F 3-5                regulars, not quite the best
new            R 4-5 and F 1                  first order, recently
promising      R 3-5 and F 1-2                recent, few orders yet
at_risk        R 1-2 and F 3-5                used to buy often, not lately
hibernating    R 1-2 and F 1-2                few orders, long ago
=============  ============================  ===========================================
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

# Orders in the period -> frequency score.
FREQUENCY_THRESHOLDS = ((6, 5), (4, 4), (3, 3), (2, 2), (1, 1))
COLUMNS = ["customer_id", "last_day", "orders", "net_amount"]


def _percentile_score(values: pd.Series, *, higher_is_better: bool = True) -> np.ndarray:
    ranks = values.rank(method="max", pct=True, ascending=higher_is_better).to_numpy()
    return np.clip(np.ceil(ranks * 5), 1, 5).astype(int)


def _frequency_scores(orders: pd.Series) -> np.ndarray:
    counts = orders.to_numpy()
    return np.select(
        [counts >= threshold for threshold, _ in FREQUENCY_THRESHOLDS],
        [score for _, score in FREQUENCY_THRESHOLDS],
        default=1,
    ).astype(int)


def _segments(recency: np.ndarray, frequency: np.ndarray) -> np.ndarray:
    """The table above, first matching row wins (vectorised: 100,000 customers in milliseconds)."""
    return np.select(
        [
            (recency >= 4) & (frequency >= 4),
            (recency >= 3) & (frequency >= 3),
            (recency >= 4) & (frequency == 1),
            recency >= 3,
            frequency >= 3,
        ],
        ["champions", "loyal", "new", "promising", "at_risk"],
        default="hibernating",
    ).astype(object)


def score_customers(customers: pd.DataFrame, *, as_of: date, value: str = "net_amount") -> pd.DataFrame:
    """Add ``recency_days``, ``r``, ``f``, ``m`` and ``segment`` to a frame of ``COLUMNS``.

    ``value`` names the column of what each customer spent, in any unit (a Decimal amount, or
    whole cents): only its order counts."""
    frame = customers.copy()
    if frame.empty:
        for column in ("recency_days", "r", "f", "m"):
            frame[column] = pd.Series(dtype="int64")
        frame["segment"] = pd.Series(dtype="object")
        return frame
    last_days = pd.to_datetime(frame["last_day"])
    frame["recency_days"] = (pd.Timestamp(as_of) - last_days).dt.days.astype(int)
    # Fewer days since the last order is better: rank the negated days.
    frame["r"] = _percentile_score(-frame["recency_days"])
    frame["f"] = _frequency_scores(frame["orders"])
    frame["m"] = _percentile_score(frame[value].astype(float))
    frame["segment"] = _segments(frame["r"].to_numpy(), frame["f"].to_numpy())
    return frame
