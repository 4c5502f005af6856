"""The pricing rules of automatic promotions, on plain values: examples a shop owner would
check by hand, then properties that hold for any mix of rules (hypothesis)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from emporium.promotions import engine
from emporium.promotions.engine import Item, Rule, Shopper, apply_promotions, next_change, unit_sale_price

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
YESTERDAY = NOW - timedelta(days=1)
ANYONE = Shopper.anyone()


def item(key=1, *, price="10.00", quantity=1, product=None, category=1, product_type=None) -> Item:
    return Item(
        key=key,
        product_id=product if product is not None else key,
        product_type_id=product_type,
        category_id=category,
        unit_price=Decimal(price),
        quantity=quantity,
    )


def rule(rule_id=1, kind=engine.PERCENTAGE, value="20", **fields) -> Rule:
    fields.setdefault("all_products", True)
    return Rule(
        id=rule_id, name=fields.pop("name", f"Rule {rule_id}"), kind=kind, value=Decimal(value),
        currency=fields.pop("currency", "GBP"), starts_at=fields.pop("starts_at", YESTERDAY), **fields,
    )  # fmt: skip


def price(items, rules, *, shopper=ANYONE, currency="GBP", now=NOW):
    return apply_promotions(items, rules, now=now, shopper=shopper, currency=currency)


def test_a_percentage_off_is_taken_per_unit_so_a_line_costs_quantity_times_the_sale_price():
    result = price([item(price="3.33", quantity=3)], [rule(value="10")])

    # 10% of 3.33 is 0.333, rounded to 0.33 a unit: 3 units at 3.00, never 8.99 or 9.00 by chance.
    assert result.items[0].discount == Decimal("0.99")
    assert result.items[0].net_total == Decimal("9.00")
    sale, names = unit_sale_price(
        item(price="3.33"), [rule(value="10")], now=NOW, shopper=ANYONE, currency="GBP"
    )
    assert sale * 3 == result.items[0].net_total
    assert names == ("Rule 1",)


def test_an_amount_off_each_item_never_takes_more_than_the_item_costs():
    result = price([item(price="4.00", quantity=2)], [rule(kind=engine.FIXED, value="5.00")])

    assert result.items[0].discount == Decimal("8.00")
    assert result.items[0].net_total == 0


def test_only_targeted_items_are_discounted_by_category_product_type_or_product():
    items = [
        item(1, category=7),
        item(2, product_type=3),
        item(3, product=30),
        item(4),
    ]
    rules = [
        rule(1, all_products=False, category_ids=frozenset({7}), name="Candles"),
        rule(2, all_products=False, product_type_ids=frozenset({3}), name="Mugs"),
        rule(3, all_products=False, product_ids=frozenset({30}), name="This one"),
    ]

    result = price(items, rules)

    assert [priced.label for priced in result.items] == ["Candles", "Mugs", "This one", ""]
    assert result.discount == Decimal("6.00")


def test_buy_two_get_one_free_discounts_the_cheapest_of_every_three():
    items = [item(1, price="10.00", quantity=2), item(2, price="4.00", quantity=2)]
    three_for_two = rule(kind=engine.BUY_X_GET_Y, value="100", buy_quantity=2, get_quantity=1, name="3 for 2")

    result = price(items, [three_for_two])

    # Four units make one group of three: one unit free, the cheapest (4.00).
    assert [priced.discount for priced in result.items] == [Decimal(0), Decimal("4.00")]
    assert result.applied[0].amount == Decimal("4.00")


def test_buy_x_get_y_counts_units_across_lines_and_gives_y_per_complete_group():
    items = [item(1, price="5.00", quantity=4), item(2, price="5.00", quantity=2)]
    half_price = rule(kind=engine.BUY_X_GET_Y, value="50", buy_quantity=1, get_quantity=1)

    result = price(items, [half_price])

    assert result.discount == Decimal("7.50")  # 6 units, 3 pairs: 3 units at half price


def test_a_single_unit_never_earns_buy_x_get_y_on_listings():
    sale, names = unit_sale_price(
        item(price="5.00"), [rule(kind=engine.BUY_X_GET_Y, value="100", buy_quantity=1, get_quantity=1)],
        now=NOW, shopper=ANYONE, currency="GBP",
    )  # fmt: skip

    assert (sale, names) == (Decimal("5.00"), ())


def test_stackable_rules_compound_in_priority_order():
    result = price([item(price="100.00")], [rule(1, value="10", priority=1), rule(2, value="50", priority=5)])

    # 50% first (priority 5): 50.00, then 10% of that: 45.00.
    assert result.items[0].net_total == Decimal("45.00")
    assert [discount.rule_id for discount in result.items[0].discounts] == [2, 1]


def test_an_exclusive_rule_stops_lower_rules_on_the_items_it_discounts():
    items = [item(1, category=1), item(2, category=2)]
    rules = [
        rule(1, value="30", priority=10, exclusive=True, all_products=False, category_ids=frozenset({1})),
        rule(2, value="10", priority=1),
    ]

    result = price(items, rules)

    assert [priced.discount for priced in result.items] == [Decimal("3.00"), Decimal("1.00")]


def test_an_exclusive_rule_skips_items_a_higher_rule_already_discounted():
    rules = [rule(1, value="10", priority=10), rule(2, value="30", priority=1, exclusive=True)]

    result = price([item()], rules)

    assert result.items[0].discount == Decimal("1.00")


def test_spend_over_a_threshold_gives_free_shipping_on_what_the_goods_cost_after_discounts():
    free_over_50 = rule(
        2, kind=engine.SPEND_THRESHOLD, value="0", reward=engine.FREE_SHIPPING, threshold=Decimal("50.00")
    )

    assert price([item(price="50.00")], [free_over_50]).free_shipping is not None
    # A 10% sale brings 50.00 down to 45.00: under the threshold.
    assert price([item(price="50.00")], [free_over_50, rule(1, value="10", priority=9)]).free_shipping is None


def test_spend_over_a_threshold_takes_a_percentage_or_an_amount_off_the_order():
    ten_percent = rule(
        1, kind=engine.SPEND_THRESHOLD, value="10", reward=engine.PERCENTAGE, threshold=Decimal("20.00")
    )
    five_off = rule(
        2, kind=engine.SPEND_THRESHOLD, value="5", reward=engine.FIXED, threshold=Decimal("20.00")
    )

    result = price([item(price="30.00")], [ten_percent, five_off])

    assert [(applied.scope, applied.amount) for applied in result.applied] == [
        ("order", Decimal("3.00")), ("order", Decimal("5.00")),
    ]  # fmt: skip
    assert result.goods_after_discount == Decimal("22.00")
    assert price([item(price="19.99")], [ten_percent]).applied == ()


def test_the_schedule_the_segment_and_the_currency_decide_whether_a_rule_applies():
    later = rule(1, starts_at=NOW + timedelta(hours=1))
    ended = rule(2, ends_at=NOW)
    members = rule(3, segment=engine.SIGNED_IN)
    newcomers = rule(4, segment=engine.FIRST_ORDER)
    in_euros = rule(5, kind=engine.FIXED, value="1", currency="EUR")

    rules = [later, ended, members, newcomers, in_euros]
    assert price([item()], rules).applied == ()
    assert [a.rule_id for a in price([item()], rules, shopper=Shopper(signed_in=True)).applied] == [3]
    first = Shopper(signed_in=True, first_order=True)
    assert [a.rule_id for a in price([item()], rules, shopper=first).applied] == [3, 4]
    assert [a.rule_id for a in price([item()], rules, currency="EUR").applied] == [5]
    assert next_change(rules, now=NOW) == NOW + timedelta(hours=1)


def test_a_used_up_rule_does_not_apply():
    assert price([item()], [rule(usage_limit=10, used_count=10)]).applied == ()
    applied = price([item()], [rule(usage_limit=10, used_count=9)]).applied
    assert applied[0].is_limited
    assert price([item()], [rule(usage_limit=10, used_count=9)]).limited_rule_ids == [1]


def test_a_rule_that_does_not_combine_with_vouchers_says_so():
    result = price([item()], [rule(combines_with_vouchers=False, name="Black Friday")])

    assert result.blocks_vouchers is not None
    assert result.blocks_vouchers.name == "Black Friday"


# --- Properties: whatever the rules, the money stays sound ----------------------------------

money = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("500.00"), places=2)
percent = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


@st.composite
def rules_strategy(draw: st.DrawFn) -> list[Rule]:
    rules = []
    for rule_id in range(1, draw(st.integers(0, 5)) + 1):
        kind = draw(
            st.sampled_from([engine.PERCENTAGE, engine.FIXED, engine.BUY_X_GET_Y, engine.SPEND_THRESHOLD])
        )
        reward = draw(st.sampled_from([engine.FREE_SHIPPING, engine.PERCENTAGE, engine.FIXED]))
        value = draw(
            percent
            if kind in (engine.PERCENTAGE, engine.BUY_X_GET_Y) or reward == engine.PERCENTAGE
            else money
        )
        rules.append(
            rule(
                rule_id,
                kind=kind,
                value=str(value),
                priority=draw(st.integers(-2, 2)),
                exclusive=draw(st.booleans()),
                all_products=draw(st.booleans()),
                category_ids=frozenset(draw(st.sets(st.integers(1, 3), max_size=2))),
                buy_quantity=draw(st.integers(1, 3)),
                get_quantity=draw(st.integers(1, 2)),
                threshold=draw(money),
                reward=reward if kind == engine.SPEND_THRESHOLD else "",
            )
        )
    return rules


items_strategy = st.lists(
    st.builds(
        lambda key, price_, quantity, category: item(
            key, price=str(price_), quantity=quantity, category=category
        ),
        key=st.integers(1, 10**6),
        price_=money,
        quantity=st.integers(1, 12),
        category=st.integers(1, 3),
    ),
    max_size=5,
    unique_by=lambda it: it.key,
)


@settings(max_examples=300, deadline=None)
@given(items=items_strategy, rules=rules_strategy())
def test_promotions_never_take_more_than_the_goods_and_stay_in_pennies(items, rules):
    result = price(items, rules)

    for priced in result.items:
        assert 0 <= priced.discount <= priced.total
        assert all(discount.amount > 0 for discount in priced.discounts)
    assert 0 <= result.discount <= result.subtotal
    assert result.goods_after_discount >= 0
    for amount in (result.subtotal, result.discount, *(a.amount for a in result.applied)):
        assert amount == amount.quantize(Decimal("0.01"))
    assert sum((a.amount for a in result.applied if a.scope == "items"), Decimal(0)) == result.items_discount
    assert result.subtotal == sum((it.unit_price * it.quantity for it in items), Decimal(0))


@settings(max_examples=200, deadline=None)
@given(items=items_strategy, rules=rules_strategy())
def test_pricing_is_deterministic_and_does_not_depend_on_the_order_rules_are_given_in(items, rules):
    assert price(items, rules) == price(items, list(reversed(rules)))
