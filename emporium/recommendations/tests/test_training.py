"""The models on small hand-made purchase histories whose answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd

from emporium.recommendations.training import (
    ImplicitALS,
    PersonalTopFrequency,
    RepeatDiscovery,
    build_training_data,
    fit_item_neighbours,
    fit_popularity,
    fit_repurchase_propensity,
    top_n,
    top_n_by_threshold,
)

NOW = pd.Timestamp("2011-06-01", tz="UTC")


def purchases(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer", "product", "invoice", "at"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def basket_rows() -> list[tuple[str, str, str, str]]:
    """Tea and cups always go together; everything else is bought by a few customers at random."""
    rows = []
    rng = np.random.default_rng(7)
    for customer in range(30):
        for visit in range(3):
            invoice = f"{customer}-{visit}"
            day = f"2011-0{1 + visit}-1{customer % 10}"
            if customer % 2 == 0:
                rows += [(f"c{customer}", "tea", invoice, day), (f"c{customer}", "cups", invoice, day)]
            for product in rng.choice(["candle", "bag", "card", "ribbon", "vase"], size=2, replace=False):
                rows.append((f"c{customer}", str(product), invoice, day))
    return rows


def test_two_products_always_bought_together_are_each_others_first_neighbour():
    data = build_training_data(purchases=purchases(basket_rows()), now=NOW, half_life_days=60)
    similarity = fit_item_neighbours(data, n_neighbours=3).toarray()
    tea, cups = data.products.get_loc("tea"), data.products.get_loc("cups")

    assert similarity[tea].argmax() == cups
    assert similarity[cups].argmax() == tea


def test_neighbours_keep_only_the_top_n_per_product():
    data = build_training_data(purchases=purchases(basket_rows()), now=NOW, half_life_days=60)

    similarity = fit_item_neighbours(data, n_neighbours=2)

    assert np.diff(similarity.indptr).max() == 2


def history() -> pd.DataFrame:
    # c1 bought candles often and recently, a vase once long ago, and bags twice a while back.
    return purchases(
        [
            ("c1", "vase", "1", "2010-12-01"),
            ("c1", "bag", "2", "2011-02-01"),
            ("c1", "bag", "3", "2011-02-15"),
            ("c1", "candle", "4", "2011-04-01"),
            ("c1", "candle", "5", "2011-05-01"),
            ("c1", "candle", "6", "2011-05-20"),
            ("c2", "card", "7", "2011-05-20"),
            ("c2", "candle", "7", "2011-05-20"),
            ("c3", "card", "8", "2011-05-21"),
        ]
    )


def test_a_customers_most_frequent_recent_purchase_leads_buy_it_again():
    data = build_training_data(purchases=history(), now=NOW, half_life_days=60)
    model = PersonalTopFrequency()
    model.fit(data)

    ranking = data.products[top_n(model.score(np.array([data.customers.get_loc("c1")])), n=3)[0]]

    assert list(ranking) == ["candle", "bag", "vase"]


def test_our_buy_it_again_ranking_puts_the_most_frequent_recent_purchase_first():
    data = build_training_data(purchases=history(), now=NOW, half_life_days=60)
    model = RepeatDiscovery(als=ImplicitALS(factors=4, iterations=3, threads=1))
    model.fit(data)

    ranking = data.products[top_n(model.repeat_scores(np.array([data.customers.get_loc("c1")])), n=3)[0]]

    assert list(ranking) == ["candle", "bag", "vase"]


def test_a_basket_counts_once_whatever_the_quantity_and_older_baskets_count_less():
    data = build_training_data(purchases=history(), now=NOW, half_life_days=60)
    row = data.customers.get_loc("c1")

    assert data.counts[row, data.products.get_loc("candle")] == 3
    assert (
        data.decayed[row, data.products.get_loc("vase")] < data.decayed[row, data.products.get_loc("bag")] / 2
    )


def test_popularity_counts_customers_not_baskets():
    data = build_training_data(purchases=history(), now=NOW, half_life_days=60)
    popularity = fit_popularity(data)

    # candle: 3 baskets by c1 plus c2; card: c2 and c3, a day apart. Two customers each.
    assert popularity[data.products.get_loc("card")] > popularity[data.products.get_loc("bag")]
    assert popularity[data.products.get_loc("candle")] < 2.0


def test_products_bought_again_get_a_higher_repurchase_propensity():
    data = build_training_data(purchases=history(), now=NOW, half_life_days=60)
    propensity = fit_repurchase_propensity(data)

    assert propensity[data.products.get_loc("candle")] > propensity[data.products.get_loc("card")]


def test_top_n_orders_best_first_and_skips_excluded_columns():
    scores = np.array([[0.1, 0.9, 0.5, 0.7]])

    assert top_n(scores, n=2).tolist() == [[1, 3]]
    assert top_n(scores, n=2, exclude=np.array([[False, True, False, False]])).tolist() == [[3, 2]]


def test_the_threshold_top_n_picks_the_same_columns_as_a_full_sort():
    rng = np.random.default_rng(3)
    scores = rng.random((40, 600)).astype(np.float32)
    scores[rng.random(scores.shape) < 0.3] = -np.inf  # bought products
    scores[5, 10:] = -np.inf  # a row with fewer finite scores than asked for: padded with -1
    scores[6, :] = 0.5  # a row of ties: the sample's threshold keeps every column

    fast = top_n_by_threshold(scores, n=12, sample=32)

    expected = top_n(scores, n=12)
    expected[5, 10:] = -1
    expected[6] = np.arange(12)  # ties go by column
    assert fast.tolist() == expected.tolist()


def test_served_discovery_list_is_the_models_ranking_without_what_the_customer_bought():
    """The trainer's fast path must rank exactly as ``score`` does, which the evaluation measures."""
    data = build_training_data(purchases=purchases(basket_rows()), now=NOW, half_life_days=60)
    model = RepeatDiscovery(als=ImplicitALS(factors=4, iterations=3, threads=1))
    model.fit(data)
    rows = np.arange(data.shape[0])
    bought = data.counts[rows].toarray() > 0

    fast = model.top_discovery(rows, n=3)

    expected = top_n(model.score(rows), n=3, exclude=bought)
    for row in rows:
        listed = [column for column in fast[row].tolist() if column >= 0]
        assert listed == expected[row][: len(listed)].tolist()
        assert len(listed) == min(3, int((~bought[row]).sum()))
        assert not bought[row, listed].any()
