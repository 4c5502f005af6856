"""The shop's category tree for the Online Retail products, and how a description finds its place.

The dataset has no categories, only descriptions such as "WHITE HANGING HEART T-LIGHT HOLDER".
Each :class:`CategoryRule` names a category path and the phrases that put a product there.
The rules are tried in the order of :data:`TAXONOMY` and the first rule with a phrase in the
description wins, so the order is the policy. It runs from the most specific to the most
generic:

1. Product types whose names contain a misleading word: a "T-LIGHT HOLDER" is neither a
   light nor storage, a "CARD HOLDER" is not a card, a "LUNCH BAG" belongs with bags and a
   "PAPER PLATE" with party things, not with the dinner plates.
2. Christmas and Easter: shoppers browse seasonal goods as a department of their own.
   Candle holders are the exception (tier 1 wins): a Christmas t-light holder is still found
   with the t-light holders, where the bestsellers of the range already are.
3. What the thing is (necklace, mug, cushion, notebook ...).
4. Generic words that say little (bag, box, heart, decoration), tried last.

A product that matches nothing goes to :data:`FALLBACK_PATH`.

Matching is on whole words, case-insensitive, ignoring punctuation inside a word
("T-LIGHT" is "TLIGHT") and plural endings ("CANDLES" is "CANDLE"), so the result depends
only on the description: the same text always lands in the same category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class CategoryRule:
    path: tuple[str, ...]
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class CategoryMatch:
    """Where a description belongs, and which of its words (by position) said so."""

    path: tuple[str, ...]
    first_word: int | None  # None when nothing matched and the fallback was used
    last_word: int | None


FALLBACK_PATH: tuple[str, ...] = ("More Gifts",)

HOME = "Home & Living"  # not plain "Home": the main nav already has a Home link
KITCHEN = "Kitchen & Dining"
CHRISTMAS = "Christmas"
EASTER = "Easter"
PARTY = "Party"
STATIONERY = "Stationery & Cards"
BAGS = "Bags"
GARDEN = "Garden & Outdoor"
TOYS = "Toys & Games"
JEWELLERY = "Jewellery & Accessories"
STORAGE = "Storage"
DECORATIONS = "Signs & Decorations"

CANDLES = (HOME, "Candles & Lanterns")
LIGHTING = (HOME, "Lighting")
CUSHIONS = (HOME, "Cushions & Throws")
FRAMES = (HOME, "Frames & Mirrors")
BATHROOM = (HOME, "Bathroom")
HOOKS = (HOME, "Hooks & Knobs")
CLOCKS = (HOME, "Clocks")
HOME_ACCESSORIES = (HOME, "Home Accessories")
BAKING = (KITCHEN, "Baking")
TABLEWARE = (KITCHEN, "Tableware")
DRINKWARE = (KITCHEN, "Mugs & Drinkware")
FOOD_STORAGE = (KITCHEN, "Food Storage")
KITCHEN_TEXTILES = (KITCHEN, "Tea Towels & Aprons")
KITCHEN_TOOLS = (KITCHEN, "Kitchen Tools")
TREE_DECORATIONS = (CHRISTMAS, "Tree Decorations")
CHRISTMAS_DECORATIONS = (CHRISTMAS, "Christmas Decorations")
PARTY_SUPPLIES = (PARTY, "Party Supplies")
CARDS = (STATIONERY, "Greeting Cards")
GIFT_WRAP = (STATIONERY, "Gift Wrap")
WRITING = (STATIONERY, "Notebooks & Writing")
SHOPPING_BAGS = (BAGS, "Shopping Bags")
LUNCH_BAGS = (BAGS, "Lunch Bags")
HANDBAGS = (BAGS, "Handbags & Purses")
GARDENING = (GARDEN, "Gardening")
WILDLIFE = (GARDEN, "Birds & Wildlife")
OUTDOOR = (GARDEN, "Picnic & Outdoor")
TOYS_LEAF = (TOYS, "Toys")
GAMES = (TOYS, "Games & Puzzles")
CRAFTS = (TOYS, "Arts & Crafts")
JEWELLERY_LEAF = (JEWELLERY, "Jewellery")
ACCESSORIES = (JEWELLERY, "Accessories")
BOXES = (STORAGE, "Boxes & Tins")
BASKETS = (STORAGE, "Baskets & Drawers")
SIGNS = (DECORATIONS, "Signs & Plaques")
HANGING_DECORATIONS = (DECORATIONS, "Hanging Decorations")
ORNAMENTS = (DECORATIONS, "Ornaments")


def _rule(path: tuple[str, ...], phrases: str) -> CategoryRule:
    return CategoryRule(path=path, phrases=tuple(phrase.strip() for phrase in phrases.split(";")))


TAXONOMY: tuple[CategoryRule, ...] = (
    # 1. Specific product types with a misleading word in them.
    _rule(
        CANDLES,
        "T-LIGHT HOLDER; TLIGHT HOLDER; TEA LIGHT HOLDER; TEALIGHT HOLDER; CANDLE HOLDER; CANDLEHOLDER;"
        "CANDLESTICK; CANDLE STICK; CANDLE POT; CANDLEPOT; CANDLESTAND; CANDLE PLATE; CANDLE RING; VOTIVE;"
        "LANTERN; HURRICANE",
    ),
    _rule(
        PARTY_SUPPLIES,
        "PAPER PLATE; PAPER CUP; PAPER NAPKIN; PARTY NAPKIN; POPCORN HOLDER; BIRTHDAY CANDLE;"
        "CAKE CANDLE; PARTY CANDLE; PARTY BAG; PARTY HAT; PAPER STRAW; CAKE TOPPER; CAKE PICK; COCKTAIL SWORD",
    ),
    _rule(TOYS_LEAF, "SOFT TOY; MONEY BOX; MONEY BANK; MARBLES; TOY"),
    _rule(
        GAMES,
        "CARD GAME; PLAYING CARDS; GAME; JIGSAW; PUZZLE; DOMINOES; DOMINO; SNAKES & LADDERS; LUDO; BINGO;"
        "SKITTLES; SPORTING FUN",
    ),
    _rule(
        HOME_ACCESSORIES, "CARD HOLDER; LETTER RACK; MAGAZINE RACK; DOOR STOP; DOORSTOP; DOORMAT; DOOR MAT"
    ),
    _rule(LUNCH_BAGS, "LUNCH BAG; LUNCHBAG"),
    _rule(HANDBAGS, "RING PURSE"),
    _rule(KITCHEN_TOOLS, "WASHING UP GLOVES; LADLE"),
    _rule(GARDENING, "GARDEN GLOVES; GARDEN FORK"),
    _rule(OUTDOOR, "GARDEN PARASOL"),
    _rule(PARTY_SUPPLIES, "COCKTAIL PARASOL"),
    _rule(CRAFTS, "KNITTING KIT; PAINT YOUR OWN"),
    _rule(TOYS_LEAF, "SOCK PUPPET"),
    _rule(SIGNS, "WOOD LETTERS; WOODEN LETTERS; BLOCK LETTERS; BLOCK WORD"),
    _rule(TABLEWARE, "TABLE RUN; TABLE CLOTH"),
    _rule(FOOD_STORAGE, "BISCUIT BARREL"),
    _rule(CARDS, "GREETING CARD; BIRTHDAY CARD"),
    _rule(
        FOOD_STORAGE,
        "LUNCH BOX; SNACK BOX; BREAD BIN; BISCUIT BIN; RECIPE BOX; BISCUIT TIN; STORAGE JAR; SWEETIE JAR",
    ),
    _rule(KITCHEN_TEXTILES, "TEA TOWEL; APRON; OVEN GLOVE; OVEN MITT; TEA COSY; EGG COSY"),
    _rule(
        BAKING,
        "CAKE CASE; CAKE TIN; CAKE STAND; CAKE MOULD; CAKE PLATE; CAKE TIN; BAKING; CUTTER; PASTRY; ICING;"
        "CAKESTAND; CUPCAKE; MUFFIN; JELLY MOULD; MIXING BOWL; MEASURING; ROLLING PIN; DOILY; DOILIES; CAKE SLICE",
    ),
    _rule(CUSHIONS, "HOT WATER BOTTLE; HOTTIE; CUSHION; FILLER PAD; THROW; BLANKET; QUILT; PILLOW; BEAN BAG"),
    _rule(FRAMES, "PHOTO FRAME; PHOTOFRAME; PICTURE FRAME; PHOTO CLIP; PHOTO ALBUM; PHOTO CUBE"),
    _rule(SIGNS, "DOOR SIGN; DOORSIGN; METAL SIGN; WALL SIGN; WOODEN SIGN; SIGN; PLAQUE; NUMBER TILE"),
    _rule(ACCESSORIES, "KEY RING; KEYRING; KEY FOB; COMPACT MIRROR; HAND WARMER; LUGGAGE TAG; PASSPORT"),
    _rule(TABLEWARE, "NAPKIN RING; NAPKIN CHARM; EGG CUP; EGG HOLDER; EGG BOX"),
    _rule(GIFT_WRAP, "GIFT WRAP; WRAPPING PAPER; GIFT BAG; GIFT BOX; GIFT TAPE; TISSUE PAPER; TISSUES; WRAP"),
    _rule(
        LIGHTING,
        "FAIRY LIGHT; STRING LIGHT; LIGHT GARLAND; NIGHT LIGHT; NIGHTLIGHT; MIRROR BALL; DISCO BALL; LAMP;"
        "CHANDELIER",
    ),
    _rule(HANGING_DECORATIONS, "WIND CHIME; HANGING HEART; HANGING DECORATION"),
    _rule(BATHROOM, "SOAP HOLDER; SOAP DISH; TOILET ROLL; TOOTHBRUSH; BATHROOM"),
    _rule(
        GARDENING,
        "PLANT HOLDER; PLANT POT; FLOWER POT; PLANTER; WATERING CAN; PLANT CAGE; KNEELING; GROW YOUR OWN",
    ),
    # 2. Seasons, browsed as departments of their own.
    _rule(TREE_DECORATIONS, "BAUBLE; TREE DECORATION; TREE TOPPER; TREE ORNAMENT; CHRISTMAS TREE; ICICLE"),
    _rule(
        CHRISTMAS_DECORATIONS,
        "CHRISTMAS; XMAS; ADVENT; SANTA; REINDEER; NATIVITY; CRACKER; SNOWMAN; SNOWFLAKE; ELF; NOEL; TINSEL;"
        "SLEIGH; HOLLY; MISTLETOE; JINGLE BELL; STOCKING",
    ),
    _rule((EASTER,), "EASTER; EGG HUNT"),
    # 3. What the thing is.
    _rule(
        CANDLES,
        "T-LIGHT; TLIGHT; TEA LIGHT; TEALIGHT; CANDLE; INCENSE; OIL BURNER; FRAGRANCE OIL; WAX; MATCHES",
    ),
    _rule(LIGHTING, "LIGHT; LAMPSHADE; LED; TORCH"),
    _rule(CLOCKS, "CLOCK"),
    _rule(FRAMES, "FRAME; MIRROR"),
    _rule(
        JEWELLERY_LEAF,
        "NECKLACE; BRACELET; EARRINGS; EARRING; BROOCH; CHARM; PENDANT; BANGLE; LARIAT; TIARA; HAIR CLIP;"
        "HAIR SLIDE; HAIRSLIDE; HAIRCLIP; HAIR BAND; HAIR COMB; HAIR GRIP; HAIR TIE; JEWELLERY; RING; NECKL;"
        "NECKLAC; BRACLET; CHOKER; DIAMANTE CHAIN; BAG CHARM; PHONE CHARM",
    ),
    _rule(
        ACCESSORIES,
        "UMBRELLA; PARASOL; SCARF; GLOVES; MITTENS; HAT; SUNGLASSES; SLIPPERS; SOCKS; WELLY; BADGE;"
        "MAKE UP; NAIL FILE; LIP GLOSS; POCKET WARMER; HEADPHONES; EAR MUFF; PONCHO; RAIN MAC; BIB; SOMBRERO; COLLAR",
    ),
    _rule(HANDBAGS, "HANDBAG; PURSE; WALLET; BACKPACK; RUCKSACK; SATCHEL; WASHBAG; WASH BAG; SPONGE BAG"),
    _rule(SHOPPING_BAGS, "JUMBO BAG; JUMBO SHOPPER; SHOPPING BAG; SHOPPER; TOTE; CHARLOTTE BAG"),
    _rule(CARDS, "GREETING CARD; BIRTHDAY CARD; CARD; POSTCARD; GIFT TAG"),
    _rule(
        WRITING,
        "NOTEBOOK; NOTE BOOK; NOTEPAD; NOTE PAD; JOURNAL; DIARY; CALENDAR; PENCIL; PEN; ERASER; RUBBER;"
        "SHARPENER; RULER; STATIONERY; BOOK MARK; ENVELOPE; WRITING SET; ADDRESS BOOK; SCRAPBOOK; STICKER; MEMO BOARD;"
        "BLACKBOARD; CHALKBOARD; CLIPBOARD; BOOKMARK; STAMP; PAPER CLIP; NOTECARD; NOTELET; SKETCHBOOK;"
        "POCKET BOOK; EXERCISE BOOK; SCRAP BOOK; MEMOBOARD; SCISSOR; HOLE PUNCH; PAPERWEIGHT; CALCULATOR",
    ),
    _rule(GIFT_WRAP, "RIBBON; TAPE; CELLOPHANE"),
    _rule(
        PARTY_SUPPLIES,
        "PARTY; BUNTING; BALLOON; CONFETTI; BANNER; PINATA; FANCY DRESS; MASK; BIRTHDAY",
    ),
    _rule(
        CRAFTS,
        "CRAFT; FELTCRAFT; COLOURING; CRAYON; CHALK; PAINT SET; SEWING; KNITTING; EMBROIDERY; STENCIL;"
        "MAKE YOUR OWN; PAPER CHAIN; GLITTER; BUTTONS; MODELLING CLAY; MAGIC DRAWING; PATCHES; TATTOO",
    ),
    _rule(
        TOYS_LEAF,
        "DOLL; DOLLY; TEDDY; SPINNING TOP; SKIPPING ROPE; PLAYHOUSE; RATTLE; YOYO; YO YO; KALEIDOSCOPE;"
        "BUBBLES; PUPPET; KITE; BALL; SPACEBOY; TRAIN; SOLDIER; DINOSAUR; INFLATABLE; HELICOPTER; FLYING DISC;"
        "ROCKING HORSE; WHEELBARROW; CREEPY CRAWLIE; GLIDER; PIGGY BANK",
    ),
    _rule(
        DRINKWARE,
        "MUG; BEAKER; TUMBLER; WINE GLASS; CHAMPAGNE GLASS; DRINKING GLASS; FLASK; WATER BOTTLE; MILK BOTTLE;"
        "BOTTLE; TEAPOT; TEA SET; TEACUP; TEA CUP; CUP; GOBLET; CHALICE; APERITIF GLASS; MILKSHAKE GLASS;"
        "TEA GLASS; TEA FOR ONE",
    ),
    _rule(
        TABLEWARE,
        "PLATE; BOWL; SAUCER; DISH; NAPKIN; CUTLERY; SPOON; FORK; KNIFE; TRAY; JUG; COASTER; PLACEMAT;"
        "TABLE RUNNER; TABLECLOTH; RAMEKIN; CRUET; STRAW; PLACE SETTING; CAKE FORK; PLATTER; FRUITBOWL;"
        "TOASTRACK; TOAST RACK; CHOPSTICKS; SUGAR TONGS; SALT AND PEPPER; BREAKFAST SET",
    ),
    _rule(
        KITCHEN_TOOLS,
        "KITCHEN; SCALES; CHOPPING BOARD; TEA STRAINER; TIMER; WASHING UP; BOTTLE OPENER; CORKSCREW;"
        "ICE CUBE; ICE LOLLY; GRATER; COLANDER; UTENSIL; FRYING PAN; MILK PAN; SAUCEPAN; SQUEEZER; JAM MAKING;"
        "COOKING SET; SUGAR DISPENSER",
    ),
    _rule(
        FOOD_STORAGE,
        "JAR; FOOD COVER; FOOD CONTAINER; CAKE TIN; PANTRY; CADDY; CONTAINER; CANISTER; CANNISTER; JAM POT;"
        "EGG HOUSE",
    ),
    _rule(BATHROOM, "SOAP; BATH; TOWEL; TOILET; SHOWER; FLANNEL; BASIN"),
    _rule(CUSHIONS, "COVER; POUFFE"),
    _rule(HOOKS, "HOOK; HANGER; COAT RACK; PEG; KNOB; DRAWERKNOB; DOOR HANDLE"),
    _rule(
        WILDLIFE,
        "BIRD FEEDER; BIRD HOUSE; BIRDHOUSE; BIRD TABLE; BIRD BATH; NESTING BOX; INSECT; BUG; HEDGEHOG",
    ),
    _rule(OUTDOOR, "PICNIC; HAMMOCK; DECKCHAIR; BBQ; OUTDOOR; WINDMILL; WINDSOCK; BEACH; LOVE SEAT"),
    _rule(
        GARDENING,
        "GARDEN; GARDENING; SEED; HERB; TRUG; KNEELER; TROWEL; SPADE; WATERING; GNOME; TWINE; SOW; CLOCHE",
    ),
    _rule(
        HOME_ACCESSORIES,
        "VASE; ASHTRAY; BOOKEND; MAGNET; CHAIR; STOOL; SHELF; TABLE; DOOR; HOME; WALL ART; CANVAS; FAN;"
        "CURTAIN; SHELVING; BIN; MAT; THERMOMETER; TOOL SET; SCREWDRIVER; SPIRIT LEVEL; FIRST AID; REPAIR KIT; FLY SWAT;"
        "RADIO; BOOMBOX",
    ),
    _rule(BASKETS, "BASKET; HAMPER; DRAWER; CABINET; CRATE; LAUNDRY; BUCKET; CHEST"),
    _rule(
        BOXES,
        "STORAGE BOX; TRINKET BOX; KEEPSAKE BOX; TRINKET POT; BOX; TIN; CASE; TIDY; ORGANISER; STORAGE CUBE",
    ),
    # 4. Generic words, tried last.
    _rule(HANDBAGS, "BAG"),
    _rule(JEWELLERY_LEAF, "BEAD; CHARM"),
    _rule(
        HANGING_DECORATIONS,
        "HANGING; DECORATION; GARLAND; CHIME; WINDCHIME; MOBILE; WREATH; DREAMCATCHER; BIRDCAGE; FEATHER;"
        "HONEYCOMB; BELL; HEART",
    ),
    _rule((EASTER,), "HEN; CHICK; BUNNY; EGG WARMER"),
    _rule(PARTY_SUPPLIES, "FLAG; PENNANT; ROSETTE"),
    _rule(SIGNS, "LETTER; BLOCK WORD"),
    _rule(
        ORNAMENTS,
        "ORNAMENT; FIGURE; SCULPTURE; STATUE; DECORATIVE; BIRD; BUTTERFLY; STAR; FLOWER; SHELL; TOADSTOOL;"
        "MUSHROOM; ROSE; BUDDHA",
    ),
)


def list_category_paths() -> list[tuple[str, ...]]:
    """Every node of the tree, parents before children, in the order the rules name them."""
    paths: list[tuple[str, ...]] = []
    for leaf in [rule.path for rule in TAXONOMY] + [FALLBACK_PATH]:
        for depth in range(1, len(leaf) + 1):
            node = leaf[:depth]
            if node not in paths:
                paths.append(node)
    return paths


_NOT_A_WORD_CHARACTER = re.compile(r"[^0-9A-Z&]")
_TOKEN_SEPARATORS = re.compile(r"[/,+]")


def _singular(token: str) -> str:
    """Fold a plural into its singular, the same way for the description and the phrase.

    Deliberately crude (English plurals are irregular), but applied to both sides, so
    "BOXES" meets "BOX" and "CANDLES" meets "CANDLE"; words that end in SS, US or IS stay.
    """
    if len(token) <= 3:
        return token
    if token.endswith(("SSES", "XES", "CHES", "SHES", "ZES")):
        return token[:-2]
    if token.endswith("IES") and len(token) > 4:
        return token[:-3] + "Y"
    if token.endswith("IE"):
        return token[:-2] + "Y"
    if token.endswith("S") and not token.endswith(("SS", "US", "IS")):
        return token[:-1]
    return token


def tokenize_words(text: str) -> list[list[str]]:
    """Split a description into words (on spaces) and each word into match tokens.

    "SET/6 T-LIGHTS" gives [["SET", "6"], ["TLIGHT"]]: a slash, comma or plus joins two tokens
    in one printed word, and punctuation inside a word is dropped. The generator keeps the
    word positions to recombine the printed words, so words and tokens stay aligned.
    """
    words = []
    for word in text.upper().split():
        parts = [_NOT_A_WORD_CHARACTER.sub("", part) for part in _TOKEN_SEPARATORS.split(word)]
        words.append([_singular(part) for part in parts if part])
    return words


def _phrase_tokens(phrase: str) -> tuple[str, ...]:
    return tuple(token for word in tokenize_words(phrase) for token in word)


# First token -> (rule position, phrase tokens), so a description is scanned once, not once per rule.
_PHRASE_INDEX: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
for _position, _category_rule in enumerate(TAXONOMY):
    for _phrase in _category_rule.phrases:
        _tokens = _phrase_tokens(_phrase)
        if _tokens:
            _PHRASE_INDEX.setdefault(_tokens[0], []).append((_position, _tokens))


@lru_cache(maxsize=65536)
def match_category(description: str) -> CategoryMatch:
    """The category of a product description: the first rule of TAXONOMY with a phrase in it.

    Among the winning rule's phrases, the one that starts first in the description (and then
    the longest) gives the matched words, which the generator uses as the product's noun.
    """
    words = tokenize_words(description)
    tokens: list[str] = []
    word_of_token: list[int] = []
    for word_position, word_tokens in enumerate(words):
        tokens.extend(word_tokens)
        word_of_token.extend([word_position] * len(word_tokens))
    best: tuple[int, int, int] | None = None  # (rule position, start token, -length)
    for start, token in enumerate(tokens):
        for rule_position, phrase in _PHRASE_INDEX.get(token, ()):
            end = start + len(phrase)
            if tuple(tokens[start:end]) == phrase:
                candidate = (rule_position, start, -len(phrase))
                if best is None or candidate < best:
                    best = candidate
    if best is None:
        return CategoryMatch(path=FALLBACK_PATH, first_word=None, last_word=None)
    rule_position, start, negative_length = best
    return CategoryMatch(
        path=TAXONOMY[rule_position].path,
        first_word=word_of_token[start],
        last_word=word_of_token[start - negative_length - 1],
    )


def categorise(description: str) -> tuple[str, ...]:
    return match_category(description).path
