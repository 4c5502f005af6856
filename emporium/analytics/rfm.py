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

import math
from datetime import date

import numpy as np
import pandas as pd

SEGMENTS = ("champions", "loyal", "new", "promising", "at_risk", "hibernating")
# Orders in the period -> frequency score.
FREQUENCY_THRESHOLDS = ((6, 5), (4, 4), (3, 3), (2, 2), (1, 1))
COLUMNS = ["customer_id", "last_day", "orders", "net_amount"]


def _percentile_score(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    ranks = values.rank(method="max", pct=True, ascending=higher_is_better)
    return ranks.map(lambda pct: max(1, min(5, math.ceil(pct * 5)))).astype(int)


def _frequency_score(orders: int) -> int:
    return next(score for threshold, score in FREQUENCY_THRESHOLDS if orders >= threshold)


def _segment(recency: int, frequency: int) -> str:
    if recency >= 4 and frequency >= 4:
        return "champions"
    if recency >= 3 and frequency >= 3:
        return "loyal"
    if recency >= 4 and frequency == 1:
        return "new"
    if recency >= 3:
        return "promising"
    if frequency >= 3:
        return "at_risk"
    return "hibernating"


def score_customers(customers: pd.DataFrame, *, as_of: date) -> pd.DataFrame:
    """Add ``recency_days``, ``r``, ``f``, ``m`` and ``segment`` to a frame of ``COLUMNS``."""
    frame = customers.copy()
    if frame.empty:
        for column in ("recency_days", "r", "f", "m"):
            frame[column] = pd.Series(dtype="int64")
        frame["segment"] = pd.Series(dtype="object")
        return frame
    frame["recency_days"] = frame["last_day"].map(lambda day: (as_of - day).days).astype(int)
    # Fewer days since the last order is better: rank the negated days.
    frame["r"] = _percentile_score(-frame["recency_days"])
    frame["f"] = frame["orders"].map(_frequency_score).astype(int)
    frame["m"] = _percentile_score(frame["net_amount"].astype(float))
    frame["segment"] = np.array([_segment(r, f) for r, f in zip(frame["r"], frame["f"], strict=True)])
    return frame
