"""Which imported products are colours of one product: a pure plan, no database.

The Online Retail data sells one bracelet in five colours as five stock codes: a numeric stem
with a letter suffix (90200A..90200E), each described with its colour ("PURPLE SWEETHEART
BRACELET", "BLACK SWEETHEART BRACELET"). The rule that groups them, deterministic and
deliberately narrow (a wrong merge is worse than a missed one):

1. the stock code is five digits and one letter (``90200B``); the digits are the stem;
2. the name holds exactly one word from :data:`COLOURS` (``RED``, ``Blue``; any case);
3. products with the same stem and the same name once that word is taken out are one
   family, if there are at least two and no two share a colour.

So "Red Retrospot Cutlery Set" (84997B) stays alone beside the blue and pink "Polkadot" sets
(84997C, 84997D), which are a family: a different design is a different product. Names with
two colours ("Pink/White", "Red Woolly Hottie White Heart") are left alone, as are codes
without a letter, whose colours are not told apart by the code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# The colours the data names, with the swatch the shop shows; the code is what URLs carry.
COLOURS: dict[str, tuple[str, str]] = {
    "black": ("Black", "#222222"),
    "blue": ("Blue", "#2e86c1"),
    "brown": ("Brown", "#7b4a2a"),
    "cream": ("Cream", "#f3e9cf"),
    "gold": ("Gold", "#c9a227"),
    "green": ("Green", "#2e8b57"),
    "grey": ("Grey", "#8a8d91"),
    "ivory": ("Ivory", "#fffff0"),
    "lilac": ("Lilac", "#c8a2c8"),
    "orange": ("Orange", "#e67e22"),
    "pink": ("Pink", "#e84393"),
    "purple": ("Purple", "#7d3c98"),
    "red": ("Red", "#c0392b"),
    "silver": ("Silver", "#c0c0c0"),
    "turquoise": ("Turquoise", "#1abc9c"),
    "white": ("White", "#ffffff"),
    "yellow": ("Yellow", "#f4d03f"),
}
_STEM_AND_LETTER = re.compile(r"^(\d{5})[A-Z]$")


@dataclass(frozen=True)
class FamilyMember:
    sku: str
    colour: str  # a key of COLOURS


@dataclass(frozen=True)
class VariantFamily:
    stem: str
    name: str  # the members' name without the colour, as the first member spells it
    members: tuple[FamilyMember, ...]  # by SKU


def plan_variant_families(*, products: Iterable[tuple[str, str]]) -> list[VariantFamily]:
    """The families among ``(sku, name)`` pairs, by stem; each product in one family at most."""
    groups: dict[tuple[str, str], list[tuple[FamilyMember, str]]] = {}
    for sku, name in sorted(products):
        code = _STEM_AND_LETTER.match(sku.upper())
        if code is None:
            continue
        words = name.split()
        positions = [index for index, word in enumerate(words) if word.strip(".,").casefold() in COLOURS]
        if len(positions) != 1:
            continue
        colour = words[positions[0]].strip(".,").casefold()
        rest = " ".join(word for index, word in enumerate(words) if index != positions[0])
        if not rest:
            continue
        groups.setdefault((code.group(1), rest.casefold()), []).append((FamilyMember(sku, colour), rest))
    families = []
    for (stem, _rest), members in sorted(groups.items()):
        distinct_colours = {member.colour for member, _name in members}
        if len(members) >= 2 and len(distinct_colours) == len(members):
            families.append(
                VariantFamily(stem=stem, name=members[0][1], members=tuple(member for member, _ in members))
            )
    return families
