from datetime import date
from decimal import Decimal

import pandas as pd

from emporium.analytics.rfm import COLUMNS, score_customers


def _frame(rows: list[tuple[int, date, int, str]]) -> pd.DataFrame:
    return pd.DataFrame.from_records(
        [(customer, day, orders, Decimal(net)) for customer, day, orders, net in rows], columns=COLUMNS
    )


def test_a_recent_frequent_big_spender_is_a_champion_and_a_lapsed_one_off_hibernates():
    as_of = date(2026, 3, 31)
    frame = _frame(
        [
            (1, date(2026, 3, 30), 6, "600.00"),
            (2, date(2026, 1, 2), 1, "10.00"),
            (3, date(2026, 3, 29), 1, "20.00"),
            (4, date(2026, 1, 5), 3, "90.00"),
            (5, date(2026, 2, 15), 2, "40.00"),
        ]
    )

    scored = score_customers(frame, as_of=as_of).set_index("customer_id")

    assert scored.loc[1, "segment"] == "champions"
    assert (scored.loc[1, "r"], scored.loc[1, "f"], scored.loc[1, "m"]) == (5, 5, 5)
    assert scored.loc[2, "segment"] == "hibernating"
    assert scored.loc[3, "segment"] == "new"
    assert scored.loc[4, "segment"] == "at_risk"
    assert scored.loc[2, "recency_days"] == 88


def test_customers_who_spent_the_same_share_a_monetary_score():
    frame = _frame([(1, date(2026, 3, 1), 1, "10.00"), (2, date(2026, 3, 1), 1, "10.00")])

    scored = score_customers(frame, as_of=date(2026, 3, 31))

    assert scored["m"].nunique() == 1


def test_no_customers_score_to_an_empty_frame():
    scored = score_customers(_frame([]), as_of=date(2026, 3, 31))

    assert scored.empty
    assert "segment" in scored.columns
