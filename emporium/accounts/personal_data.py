"""Who else holds a customer's personal data: the apps above accounts, each registering a holder.

"Download my data" (:func:`emporium.accounts.selectors.get_personal_data`) and closing an
account (:func:`emporium.accounts.services.delete_account`) must reach data that other apps
keep about the customer, their orders above all. Accounts sits below those apps and must not
import them (the apps contract in pyproject.toml), so each registers a holder here from its
``AppConfig.ready()``, and the export and the closure go through every registered holder: the
export adds what each holder's ``export`` returns after accounts' own sections, in the order the
holders registered (the order of INSTALLED_APPS), and the closure calls each holder's ``erase``
inside its own transaction, so the account is closed everywhere or nowhere.

A new app that keeps something about a customer registers a holder too, or the export is
incomplete and the closure leaves the data behind.
"""

from __future__ import annotations

from typing import Any, Protocol

from emporium.accounts.models import User


class PersonalDataHolder(Protocol):
    def export(self, *, user: User) -> dict[str, Any]:
        """The customer's data this holder keeps, as top-level sections of the export (each
        key a section name no other holder uses, each value something JSON can encode with
        DjangoJSONEncoder)."""
        ...

    def erase(self, *, user: User) -> None:
        """Erase what identifies the customer, keeping what the shop must keep (as the books
        keep every sale). Runs inside the closure's transaction."""
        ...


_holders: list[PersonalDataHolder] = []


def register(holder: PersonalDataHolder) -> None:
    """Add a holder; registering the same one again changes nothing."""
    if holder not in _holders:
        _holders.append(holder)


def registered_holders() -> tuple[PersonalDataHolder, ...]:
    return tuple(_holders)
