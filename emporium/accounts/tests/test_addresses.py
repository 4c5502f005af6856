"""The address book: defaults, the one-default rule, and nobody touching another's addresses."""

import random

import pytest
from django.db import IntegrityError

from emporium.accounts.models import Address
from emporium.accounts.services import AddressFields, create_address, update_address
from emporium.accounts.tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fields(**overrides: object) -> AddressFields:
    fields: AddressFields = {
        "full_name": "Ann Example",
        "company": "",
        "line1": "1 Harbour Road",
        "line2": "",
        "city": "Bristol",
        "region": "",
        "postcode": "BS1 5TY",
        "country": "GB",
        "phone": "",
        "is_default_shipping": False,
        "is_default_billing": False,
    }
    fields.update(overrides)  # type: ignore[typeddict-item]
    return fields


def _form(**overrides: object) -> dict[str, object]:
    return {name: value for name, value in _fields(**overrides).items() if value is not False}


def test_first_address_becomes_the_default_for_shipping_and_billing():
    address = create_address(customer=UserFactory.create(), fields=_fields())

    assert address.is_default_shipping
    assert address.is_default_billing


def test_a_new_default_takes_over_from_the_old_one():
    customer = UserFactory.create()
    first = create_address(customer=customer, fields=_fields())

    second = create_address(
        customer=customer, fields=_fields(line1="2 Quay Street", is_default_shipping=True)
    )

    first.refresh_from_db()
    assert second.is_default_shipping
    assert not first.is_default_shipping
    assert first.is_default_billing  # the billing default did not move


def test_editing_an_address_into_the_default_moves_the_default():
    customer = UserFactory.create()
    first = create_address(customer=customer, fields=_fields())
    second = create_address(customer=customer, fields=_fields(line1="2 Quay Street"))

    update_address(address=second, fields=_fields(line1="2 Quay Street", is_default_billing=True))

    assert list(Address.objects.filter(is_default_billing=True)) == [second]
    first.refresh_from_db()
    assert first.is_default_shipping


def test_the_database_refuses_two_default_shipping_addresses():
    from django.db import connection

    if not connection.features.supports_partial_indexes:
        pytest.skip(
            f"{connection.vendor} has no partial unique indexes; the address services keep one default"
        )
    customer = UserFactory.create()
    AddressFactory.create(customer=customer, is_default_shipping=True)

    with pytest.raises(IntegrityError):
        Address.objects.bulk_create([AddressFactory.build(customer=customer, is_default_shipping=True)])


def test_an_invalid_country_is_refused_by_the_service():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        create_address(customer=UserFactory.create(), fields=_fields(country="XX"))


def test_customer_adds_an_address(client):
    customer = UserFactory.create()
    client.force_login(customer)

    response = client.post("/account/addresses/new/", _form(company="Harbour Ltd", phone="+44 117 496 0000"))

    assert response.status_code == 302
    address = Address.objects.get()
    assert (address.customer, address.company, address.phone) == (customer, "Harbour Ltd", "+44 117 496 0000")


def test_invalid_address_is_explained_next_to_the_field_with_the_input_kept(client):
    client.force_login(UserFactory.create())

    response = client.post("/account/addresses/new/", _form(postcode="", phone="call me"))

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_postcode_error"' in html
    assert 'id="id_phone_error"' in html
    assert 'value="1 Harbour Road"' in html
    assert not Address.objects.exists()


def test_customer_edits_and_deletes_their_own_address(client):
    address = AddressFactory.create()
    client.force_login(address.customer)

    client.post(f"/account/addresses/{address.pk}/edit/", _form(city="Bath"))
    address.refresh_from_db()
    assert address.city == "Bath"
    client.post(f"/account/addresses/{address.pk}/delete/")
    assert not Address.objects.exists()


def test_address_list_shows_only_the_customers_own(client):
    mine = AddressFactory.create(line1="1 My Street")
    AddressFactory.create(line1="9 Their Street")
    client.force_login(mine.customer)

    html = client.get("/account/addresses/").content.decode()

    assert "1 My Street" in html
    assert "9 Their Street" not in html


def _guessed_ids(known: int) -> list[int]:
    """Ids an attacker would try: the neighbours of their own, and some at random."""
    return [*range(max(1, known - 5), known + 6), *random.sample(range(1, 10_000_000), 5)]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("action", ["edit", "delete"])
def test_nobody_reads_or_changes_another_customers_address_by_guessing_ids(client, method, action):
    victim_addresses = AddressFactory.create_batch(3)
    attacker = UserFactory.create()
    own = AddressFactory.create(customer=attacker)
    client.force_login(attacker)

    for address_id in _guessed_ids(own.pk):
        if address_id == own.pk:
            continue
        response = getattr(client, method)(f"/account/addresses/{address_id}/{action}/", _form(city="Hacked"))
        assert response.status_code == 404, address_id

    for address in victim_addresses:
        address.refresh_from_db()
        assert address.city == "Bristol"
    assert Address.objects.count() == 4


@pytest.mark.parametrize(
    "url",
    ["/account/", "/account/addresses/", "/account/addresses/new/", "/account/orders/", "/account/privacy/"],
)
def test_account_pages_need_a_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
