"""Staff issue gift cards (the code shown once) and list them: the admin and the staff API."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from emporium.accounts.roles import ANALYST, ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.core.tests.api_clients import bearer_client, staff_client
from emporium.giftcards.codes import digest_code
from emporium.giftcards.models import GiftCard, MovementKind
from emporium.giftcards.services import spend_gift_card
from emporium.giftcards.tests.factories import GiftCardFactory
from emporium.orders.tests.factories import OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_without_two_factors")]

CODE = "7KQ2-M9XD-4RT8-PZ3A"


def _gift_card_client():
    """A member of staff in a group the shop made for gift cards (no standard role holds them)."""
    user = StaffUserFactory.create(roles=[ORDER_MANAGER])
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_giftcard", "add_giftcard"], content_type__app_label="giftcards"
        )
    )
    return bearer_client(user)


def test_staff_with_the_gift_card_permissions_issue_a_card_and_see_its_code_once():
    client = _gift_card_client()

    response = client.post(
        "/api/v1/staff/gift-cards/",
        {"amount": "40.00", "currency": "GBP", "recipient_email": "Ann@Example.com"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    card = GiftCard.objects.get()
    assert card.code_digest == digest_code(body["full_code"])
    assert (card.balance_amount, card.recipient_email) == (Decimal("40.00"), "ann@example.com")
    assert card.movements.get().kind == MovementKind.ISSUED
    listed = client.get("/api/v1/staff/gift-cards/").json()["results"]
    assert "full_code" not in listed[0]
    assert listed[0]["code"] == card.masked_code


@pytest.mark.parametrize(
    ("currency", "amount"), [("JPY", "1250"), ("GBP", "12.50"), ("KWD", "12.500"), ("CLF", "12.5000")]
)
def test_a_card_in_any_currency_answers_in_its_minor_units_as_the_schema_says(currency, amount):
    """The schema fuzz found a Libyan dinar card answering ``"1.230"``, which a pattern of two decimals refused."""
    pattern = (
        Client()
        .get("/api/schema/", {"format": "json"})
        .json()["components"]["schemas"]["MoneyOutput"]["properties"]["amount"]["pattern"]
    )

    response = _gift_card_client().post(
        "/api/v1/staff/gift-cards/",
        {"amount": "12.50" if currency != "JPY" else "1250", "currency": currency},
    )

    assert response.status_code == 201
    assert response.json()["balance"] == {"amount": amount, "currency": currency}
    assert re.fullmatch(pattern, amount)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0.00", "currency": "GBP"}, "amount"),
        ({"amount": "abc", "currency": "GBP"}, "amount"),
        ({"amount": "10.00", "currency": "pounds"}, "currency"),
        ({"amount": "10.00", "currency": "QQQ"}, "currency"),  # three letters, but no currency
        ({"amount": "10.00", "currency": "GBP", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
        ({"amount": "10.00", "currency": "GBP", "owner_id": 999999}, "owner_id"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field(body, field):
    response = _gift_card_client().post("/api/v1/staff/gift-cards/", body, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert not GiftCard.objects.exists()


def test_staff_find_a_card_by_its_full_code():
    GiftCardFactory.create(code=CODE)
    GiftCardFactory.create()

    listed = _gift_card_client().get("/api/v1/staff/gift-cards/", {"code": "7kq2m9xd4rt8pz3a"}).json()

    assert [card["code"] for card in listed["results"]] == ["\N{HORIZONTAL ELLIPSIS}PZ3A"]


@pytest.mark.parametrize("role", [ANALYST, ORDER_MANAGER])
def test_the_standard_roles_may_not_issue_cards(role):
    response = staff_client(role).post("/api/v1/staff/gift-cards/", {"amount": "5", "currency": "GBP"})

    assert response.status_code == 403


def test_a_customer_may_not_list_every_card():
    assert bearer_client(UserFactory.create()).get("/api/v1/staff/gift-cards/").status_code == 403


@pytest.mark.parametrize("page_size", [1, 20])
def test_the_staff_list_runs_a_fixed_number_of_queries(page_size, django_assert_max_num_queries):
    for _ in range(3):
        GiftCardFactory.create(owner=UserFactory.create())
    client = _gift_card_client()

    with django_assert_max_num_queries(6):
        client.get(f"/api/v1/staff/gift-cards/?page_size={page_size}")


def test_issuing_from_the_admin_shows_the_code_once_in_the_message(client):
    client.force_login(StaffUserFactory.create(is_superuser=True))

    response = client.post(
        "/admin/giftcards/giftcard/add/",
        {"initial_amount": "25.00", "currency": "GBP", "recipient_email": "ann@example.com", "note": ""},
        follow=True,
    )

    card = GiftCard.objects.get()
    messages = [str(message) for message in response.context["messages"]]
    assert any("shown this once" in message for message in messages)
    code = messages[0].rsplit(": ", 1)[1]
    assert card.code_digest == digest_code(code)
    assert card.movements.get().kind == MovementKind.ISSUED
    assert code not in client.get(f"/admin/giftcards/giftcard/{card.pk}/change/").content.decode()


def test_the_admin_refuses_an_expiry_in_the_past_next_to_the_field(client):
    client.force_login(StaffUserFactory.create(is_superuser=True))

    response = client.post(
        "/admin/giftcards/giftcard/add/",
        {"initial_amount": "25.00", "currency": "GBP", "expires_at_0": "2020-01-01", "expires_at_1": "10:00"},
    )

    assert response.status_code == 200
    assert "The expiry date must be in the future." in response.content.decode()
    assert not GiftCard.objects.exists()


# The ledger inline is read-only, but its management form is still posted.
INLINE = {"movements-TOTAL_FORMS": "1", "movements-INITIAL_FORMS": "1", "movements-MAX_NUM_FORMS": "1000"}


def test_an_adjustment_in_the_admin_is_a_ledger_row_with_its_reason(client):
    staff = StaffUserFactory.create(is_superuser=True)
    client.force_login(staff)
    card = GiftCardFactory.create(initial_amount=Decimal("20.00"))

    response = client.post(
        f"/admin/giftcards/giftcard/{card.pk}/change/",
        {
            "is_active": "on",
            "adjust_by": "-5.00",
            "adjust_reason": "Goodwill taken back",
            "note": "",
            **INLINE,
        },
    )

    assert response.status_code == 302
    card.refresh_from_db()
    movement = card.movements.get(kind=MovementKind.ADJUSTED)
    assert (card.balance_amount, movement.amount, movement.actor) == (
        Decimal("15.00"),
        Decimal("-5.00"),
        staff,
    )
    assert movement.note == "Goodwill taken back"


@pytest.mark.parametrize(
    ("adjustment", "error"),
    [
        ({"adjust_by": "-20.01", "adjust_reason": "Too much"}, "At most 20.00 can be taken off"),
        ({"adjust_by": "5.00", "adjust_reason": ""}, "Say why the balance changes"),
    ],
)
def test_the_admin_refuses_a_bad_adjustment_next_to_its_field(client, adjustment, error):
    client.force_login(StaffUserFactory.create(is_superuser=True))
    card = GiftCardFactory.create(initial_amount=Decimal("20.00"))

    response = client.post(
        f"/admin/giftcards/giftcard/{card.pk}/change/",
        {"is_active": "on", "note": "", **adjustment, **INLINE},
    )

    card.refresh_from_db()
    assert response.status_code == 200
    assert error in response.content.decode()
    assert card.balance_amount == Decimal("20.00")


def test_saving_a_card_in_the_admin_never_writes_back_a_balance_it_read(client, monkeypatch):
    from emporium.giftcards.admin import GiftCardChangeForm

    client.force_login(StaffUserFactory.create(is_superuser=True))
    card = GiftCardFactory.create(initial_amount=Decimal("20.00"))
    clean = GiftCardChangeForm.clean

    def spent_meanwhile(form):
        GiftCard.objects.filter(pk=card.pk).update(
            balance_amount=Decimal("5.00")
        )  # a checkout, between read and save
        return clean(form)

    monkeypatch.setattr(GiftCardChangeForm, "clean", spent_meanwhile)
    client.post(f"/admin/giftcards/giftcard/{card.pk}/change/", {"note": "switched off", **INLINE})

    card.refresh_from_db()
    assert (card.balance_amount, card.is_active, card.note) == (Decimal("5.00"), False, "switched off")


def _adjusting_client(*codenames: str):
    """Staff given giftcards' view and change permissions: what the admin's adjustment needs."""
    user = StaffUserFactory.create(roles=[ORDER_MANAGER])
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=codenames or ("view_giftcard", "change_giftcard"),
            content_type__app_label="giftcards",
        )
    )
    return user, bearer_client(user)


def test_staff_adjust_a_balance_over_the_api_and_read_it_back_in_the_ledger():
    card = GiftCardFactory.create(initial_amount=Decimal("10.00"))
    user, client = _adjusting_client()

    response = client.post(
        f"/api/v1/staff/gift-cards/{card.pk}/movements/",
        {"amount": "5.50", "note": "Goodwill: parcel arrived late"},
        format="json",
    )

    assert response.status_code == 201
    added = response.json()
    assert (added["kind"], added["amount"], added["balance_after"], added["actor_id"]) == (
        "adjusted", "5.50", "15.50", user.pk,
    )  # fmt: skip
    card.refresh_from_db()
    assert card.balance_amount == Decimal("15.50")
    ledger = client.get(f"/api/v1/staff/gift-cards/{card.pk}/movements/").json()["results"]
    assert [(row["kind"], row["amount"], row["note"]) for row in ledger] == [
        ("adjusted", "5.50", "Goodwill: parcel arrived late"),
        ("issued", "10.00", ""),
    ]


def test_taking_off_more_than_the_balance_is_a_409_and_changes_nothing():
    card = GiftCardFactory.create(initial_amount=Decimal("10.00"))
    _, client = _adjusting_client()

    response = client.post(
        f"/api/v1/staff/gift-cards/{card.pk}/movements/",
        {"amount": "-10.01", "note": "Correction"},
        format="json",
    )

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "gift_card_balance_too_low"
    card.refresh_from_db()
    assert card.balance_amount == Decimal("10.00")
    assert not card.movements.filter(kind=MovementKind.ADJUSTED).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0", "note": "Nothing"}, "amount"),
        ({"amount": "abc", "note": "Typo"}, "amount"),
        ({"note": "No amount"}, "amount"),
        ({"amount": "5.00", "note": ""}, "note"),
        ({"amount": "5.00"}, "note"),
    ],
)
def test_a_bad_adjustment_is_a_400_problem_naming_the_field(body, field):
    card = GiftCardFactory.create()
    _, client = _adjusting_client()

    response = client.post(f"/api/v1/staff/gift-cards/{card.pk}/movements/", body, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert card.movements.count() == 1, "only the issue"


def test_staff_who_may_issue_cards_but_not_change_them_read_the_ledger_but_may_not_adjust():
    card = GiftCardFactory.create()
    _, client = _adjusting_client("view_giftcard", "add_giftcard")
    url = f"/api/v1/staff/gift-cards/{card.pk}/movements/"

    assert client.get(url).status_code == 200
    assert client.post(url, {"amount": "5.00", "note": "Goodwill"}, format="json").status_code == 403


@pytest.mark.parametrize("role", [ANALYST, ORDER_MANAGER])
def test_the_standard_roles_may_not_read_or_adjust_a_ledger(role):
    card = GiftCardFactory.create()
    client = staff_client(role)
    url = f"/api/v1/staff/gift-cards/{card.pk}/movements/"

    assert client.get(url).status_code == 403
    assert client.post(url, {"amount": "5.00", "note": "Goodwill"}, format="json").status_code == 403
    assert bearer_client(UserFactory.create()).get(url).status_code == 403


def test_an_unknown_card_is_a_404_problem():
    _, client = _adjusting_client()

    response = client.post(
        "/api/v1/staff/gift-cards/999999/movements/", {"amount": "5", "note": "x"}, format="json"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("page_size", [1, 20])
def test_the_ledger_runs_a_fixed_number_of_queries(page_size, django_assert_max_num_queries):
    card = GiftCardFactory.create(initial_amount=Decimal("100.00"))
    for _ in range(3):  # ledger rows that name their order
        spend_gift_card(card=card, order=OrderFactory.create(), amount=Decimal("5.00"))
    _, client = _adjusting_client()

    with django_assert_max_num_queries(7):
        client.get(f"/api/v1/staff/gift-cards/{card.pk}/movements/?page_size={page_size}")
