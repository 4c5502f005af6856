"""Where real descriptions land in the category tree."""

from __future__ import annotations

import pytest

from emporium.datasets.taxonomy import (
    FALLBACK_PATH,
    TAXONOMY,
    categorise,
    list_category_paths,
    match_category,
    tokenize_words,
)

CANDLES = ("Home & Living", "Candles & Lanterns")


@pytest.mark.parametrize(
    "description",
    [
        "WHITE HANGING HEART T-LIGHT HOLDER",
        "RED HANGING HEART T-LIGHT HOLDER",
        "CHRISTMAS TREE T-LIGHT HOLDER",  # with the other holders, not among the baubles
        "CANDLEHOLDER PINK HANGING HEART",
        "FLUTED ANTIQUE CANDLE HOLDER",
        "EMBOSSED GLASS TEALIGHT HOLDER",
        "GLASS STAR FROSTED T-LIGHT HOLDER",  # not an ornament
        "HANGING JAM JAR T-LIGHT HOLDER",  # not food storage
        "T-LIGHT HOLDER SWEETHEART HANGING",
        "SET OF 6 T-LIGHTS SNOWMEN",
        "WHITE METAL LANTERN",
    ],
)
def test_t_light_and_candle_holders_are_with_candles(description):
    assert categorise(description) == CANDLES


@pytest.mark.parametrize(
    ("description", "path"),
    [
        ("LUNCH BAG RED RETROSPOT", ("Bags", "Lunch Bags")),
        ("JUMBO BAG RED RETROSPOT", ("Bags", "Shopping Bags")),
        ("PACK OF 72 RETROSPOT CAKE CASES", ("Kitchen & Dining", "Baking")),
        ("REGENCY CAKESTAND 3 TIER", ("Kitchen & Dining", "Baking")),
        ("CREAM HEART CARD HOLDER", ("Home & Living", "Home Accessories")),
        ("RING OF ROSES BIRTHDAY CARD", ("Stationery & Cards", "Greeting Cards")),
        ("PAPER CHAIN KIT 50'S CHRISTMAS", ("Christmas", "Christmas Decorations")),
        ("BAG 500g SWIRLY MARBLES", ("Toys & Games", "Toys")),
        ("SET OF 4 NAPKIN CHARMS HEARTS", ("Kitchen & Dining", "Tableware")),
        ("KNITTED UNION FLAG HOT WATER BOTTLE", ("Home & Living", "Cushions & Throws")),
        ("SMALL POPCORN HOLDER", ("Party", "Party Supplies")),
        ("ASSORTED COLOUR BIRD ORNAMENT", ("Signs & Decorations", "Ornaments")),
        ("GLASS BEAD HOOP NECKLACE GREEN", ("Jewellery & Accessories", "Jewellery")),
    ],
)
def test_products_land_where_a_shopper_looks(description, path):
    assert categorise(description) == path


def test_a_description_nothing_matches_goes_to_the_fallback():
    assert categorise("INFLATED POLITICAL WIDGET") == FALLBACK_PATH


def test_matching_ignores_case_punctuation_and_plurals():
    assert categorise("white hanging heart tlight holders") == CANDLES


def test_the_same_description_always_lands_in_the_same_place():
    results = {categorise("ZINC HEART LATTICE T-LIGHT HOLDER") for _ in range(3)}

    assert results == {CANDLES}


def test_the_match_says_which_words_named_the_category():
    match = match_category("WHITE HANGING HEART T-LIGHT HOLDER")

    assert (match.first_word, match.last_word) == (3, 4)


def test_a_slash_joins_two_tokens_in_one_word():
    assert tokenize_words("SET/6 T-LIGHTS") == [["SET", "6"], ["TLIGHT"]]


def test_the_tree_lists_parents_before_their_children():
    paths = list_category_paths()

    assert all(path[:-1] in paths[: paths.index(path)] for path in paths if len(path) > 1)


def test_the_tree_is_two_levels_deep_at_most():
    assert {len(path) for path in list_category_paths()} == {1, 2}


def test_every_rule_and_the_fallback_are_in_the_tree():
    paths = list_category_paths()

    assert {rule.path for rule in TAXONOMY} | {FALLBACK_PATH} <= set(paths)
