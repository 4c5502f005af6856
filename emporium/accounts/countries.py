"""ISO 3166-1 country codes with their English names, from Babel's CLDR data.

Babel is already here for money formatting, so addresses need no country package of their
own. CLDR also lists regions that are not countries (the EU, the UN, pseudo-locales) and a
few sub-territories with codes of their own that no carrier accepts; those are left out.
"""

from __future__ import annotations

from functools import cache

from babel import Locale
from django.conf import settings

_NOT_ISO_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)


@cache
def list_country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name, for a form's select and the model field's choices."""
    names = Locale.parse("en_GB").territories
    countries = [
        (code, str(name))
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_ISO_COUNTRIES
    ]
    return sorted(countries, key=lambda pair: pair[1])


def get_default_country() -> str:
    """The shop's own country (GB for en_GB), preselected on a new address."""
    return Locale.parse(settings.MONEY_LOCALE).territory or ""
