"""The holders of personal data that apps above accounts register: the export and the closure
go through each of them (the orders' own holder is tested in emporium/orders)."""

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from emporium.accounts import personal_data
from emporium.accounts.models import User
from emporium.accounts.selectors import get_personal_data
from emporium.accounts.services import delete_account
from emporium.accounts.tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


class Holder:
    def __init__(self, section: str, *, fails: bool = False) -> None:
        self.section, self.fails = section, fails
        self.erased: list[int] = []

    def export(self, *, user: User) -> dict[str, Any]:
        return {self.section: [user.email]}

    def erase(self, *, user: User) -> None:
        self.erased.append(user.pk)
        if self.fails:
            raise RuntimeError("the holder's database is down")


@pytest.fixture
def holders(monkeypatch) -> list[Holder]:
    """Only this test's holders are registered (the real ones are back afterwards)."""
    registered: list[Holder] = []
    monkeypatch.setattr(personal_data, "_holders", registered)
    return registered


def test_registering_a_holder_twice_registers_it_once(holders):
    holder = Holder("orders")

    personal_data.register(holder)
    personal_data.register(holder)

    assert personal_data.registered_holders() == (holder,)


def test_the_export_adds_each_holders_sections_after_accounts_own_in_registration_order(holders):
    customer = UserFactory.create(email="ann@example.com")
    personal_data.register(Holder("reviews"))
    personal_data.register(Holder("orders"))

    data = get_personal_data(user=customer)

    assert list(data)[-3:] == ["two_factor_authentication", "reviews", "orders"]
    assert data["orders"] == ["ann@example.com"]


@pytest.mark.parametrize("section", ["orders", "profile"])
def test_two_holders_of_one_section_are_a_mistake_not_an_overwrite(holders, section):
    personal_data.register(Holder("orders"))
    personal_data.register(Holder(section))

    with pytest.raises(ImproperlyConfigured, match=section):
        get_personal_data(user=UserFactory.create())


def test_closing_an_account_erases_at_every_holder(holders):
    customer = UserFactory.create()
    first, second = Holder("orders"), Holder("reviews")
    personal_data.register(first)
    personal_data.register(second)

    delete_account(user=customer)

    assert (first.erased, second.erased) == ([customer.pk], [customer.pk])


def test_a_holder_that_fails_leaves_the_account_open_and_untouched(holders):
    customer = UserFactory.create(email="ann@example.com")
    AddressFactory.create(customer=customer)
    personal_data.register(Holder("orders", fails=True))

    with pytest.raises(RuntimeError):
        delete_account(user=customer)

    customer.refresh_from_db()
    assert (customer.is_active, customer.email, customer.addresses.count()) == (True, "ann@example.com", 1)
