"""Offline evaluation: metrics on a hand-computed example, purchase filtering, the command."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest
from django.core.management import call_command

from emporium.recommendations.evaluation import rank_metrics, read_purchases

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def test_metrics_match_a_hand_computed_ranking():
    # Relevant a, b, c; the list finds a at rank 1 and b at rank 3.
    # DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3) + 1/log2(4) = 2.1309.
    metrics = rank_metrics(ranked=["a", "x", "b", "y"], relevant={"a", "b", "c"})

    assert metrics.ndcg == pytest.approx(1.5 / (1.5 + 1 / math.log2(3)))
    assert metrics.hit == 1.0
    assert metrics.precision == pytest.approx(0.2)
    assert metrics.recall == pytest.approx(2 / 3)
    assert metrics.average_precision == pytest.approx((1 / 1 + 2 / 3) / 3)


def test_a_ranking_without_any_relevant_product_scores_zero():
    metrics = rank_metrics(ranked=["x", "y"], relevant={"a"})

    assert (metrics.ndcg, metrics.hit, metrics.recall, metrics.average_precision) == (0.0, 0.0, 0.0, 0.0)


def test_only_the_first_ten_recommendations_count():
    ranked = [f"x{index}" for index in range(10)] + ["a"]

    assert rank_metrics(ranked=ranked, relevant={"a"}).hit == 0.0


def write_csv(path: Path, rows: list[str], *, compress: bool = False) -> Path:
    text = HEADER + "".join(row + "\n" for row in rows)
    path.write_bytes(gzip.compress(text.encode()) if compress else text.encode())
    return path


def test_cancellations_charges_guests_and_free_lines_are_not_purchases(tmp_path):
    path = write_csv(
        tmp_path / "retail.csv",
        [
            "536365,85123A,White Heart,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom",
            "C536379,85123A,White Heart,-1,2010-12-01 09:41:00,2.55,17850.0,United Kingdom",
            "536366,POST,Postage,1,2010-12-01 08:28:00,18.00,17850.0,United Kingdom",
            "536367,22633,Hand Warmer,6,2010-12-01 08:34:00,1.85,,United Kingdom",
            "536368,22632,Hand Warmer Red,6,2010-12-01 08:34:00,0,17850.0,United Kingdom",
        ],
    )

    purchases = read_purchases(paths=[path])

    assert purchases[["customer", "product", "invoice"]].values.tolist() == [["17850", "85123A", "536365"]]


def test_several_files_plain_or_gzip_are_read_as_one(tmp_path):
    first = write_csv(tmp_path / "a.csv", ["1,A1,Cup,1,2011-01-01 10:00:00,1.00,1.0,UK"])
    second = write_csv(tmp_path / "b.csv.gz", ["2,B1,Mug,1,2011-02-01 10:00:00,1.00,2.0,UK"], compress=True)

    assert read_purchases(paths=[first, second])["product"].tolist() == ["A1", "B1"]


def test_the_command_writes_every_model_for_all_and_new_products(tmp_path):
    months = (("01", ("A", "B", "C")), ("02", ("A", "B", "D")), ("04", ("A", "B", "E")))
    rows = [
        f"{customer}{month},{product},Thing {product},1,2011-{month}-1{customer} 10:00:00,1.00,{customer}.0,UK"
        for customer in range(1, 9)
        for month, products in months
        for product in products
    ]
    path = write_csv(tmp_path / "retail.csv", rows)
    output = tmp_path / "results.json"

    call_command("evaluate_recommendations", str(path), "--split", "2011-03-01", "--json", str(output))

    results = json.loads(output.read_text())
    assert results["split"] == "2011-03-01"
    assert results["served"] in results["models"]
    assert {"popularity", "personal top frequency", "ALS (implicit, BM25)", "item neighbours"} <= set(
        results["models"]
    )
    for model in results["models"].values():
        assert set(model["all"]) >= {"ndcg@10", "hr@10", "precision@10", "recall@10", "map@10", "coverage"}
        assert model["new"]["customers"] == 8  # every customer bought E, new to all of them


def test_a_split_outside_the_data_is_refused(tmp_path):
    path = write_csv(tmp_path / "retail.csv", ["1,A1,Cup,1,2011-01-01 10:00:00,1.00,1.0,UK"])

    with pytest.raises(Exception, match="both sides"):
        call_command("evaluate_recommendations", str(path), "--split", "2012-01-01")
