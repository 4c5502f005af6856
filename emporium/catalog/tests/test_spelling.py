"""The spelling check on its own: pure functions over a vocabulary, no database."""

from emporium.catalog.spelling import build_vocabulary, check_spelling, closest_word, words_of

VOCABULARY = build_vocabulary(
    names=[
        "WHITE HANGING HEART T-LIGHT HOLDER",
        "CANDLE HOLDER PINK HANGING HEART",
        "HEART OF WICKER SMALL",
        "PAPER CHAIN KIT 50'S CHRISTMAS",
        "SHOPPING CART MAGNET",
        "JUMBO BAG RED RETROSPOT",
    ]
)


def _corrected(query: str) -> str:
    return check_spelling(terms=words_of(query), vocabulary=VOCABULARY).corrected


def test_words_are_counted_once_per_product_and_numbers_are_left_out():
    vocabulary = build_vocabulary(names=["HEART HEART 50", "HEART"])

    assert vocabulary.product_counts == {"heart": 2}


def test_a_misspelt_word_is_corrected_to_the_catalog_word():
    assert _corrected("chrismas") == "christmas"
    assert _corrected("hart holdr") == "heart holder"


def test_among_words_as_close_the_one_more_products_use_wins():
    # "hart" is one edit from both "heart" (3 products) and "cart" (1 product).
    assert closest_word("hart", vocabulary=VOCABULARY) == "heart"


def test_a_swap_of_two_letters_counts_as_one_edit():
    assert _corrected("candel") == "candle"


def test_a_correctly_spelt_query_is_not_corrected():
    assert _corrected("heart holder") == ""


def test_nonsense_gets_no_correction():
    assert _corrected("zzqxv") == ""
    assert closest_word("zzqxv", vocabulary=VOCABULARY) is None


def test_a_half_typed_word_is_not_a_typo():
    assert _corrected("christ") == ""


def test_a_plural_matches_its_singular_without_a_did_you_mean():
    checked = check_spelling(terms=["holders"], vocabulary=VOCABULARY)

    assert checked.terms[0].spellings == ("holders", "holder")
    assert checked.corrected == ""


def test_short_words_and_numbers_are_never_corrected():
    checked = check_spelling(terms=["ba", "5o"], vocabulary=VOCABULARY)

    assert [term.spellings for term in checked.terms] == [("ba",), ("5o",)]


def test_a_correction_keeps_the_other_words_as_typed():
    assert _corrected("pink hart") == "pink heart"
