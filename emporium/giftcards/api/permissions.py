from emporium.accounts.api.permissions import StaffPermission


class CanManageGiftCards(StaffPermission):
    """List every card, and issue new ones: superusers, or staff in a group a shop makes with
    giftcards' permissions. Like vouchers, cards are money, and no standard role holds them."""

    required = {
        "GET": ("giftcards.view_giftcard",),
        "POST": ("giftcards.view_giftcard", "giftcards.add_giftcard"),
    }


class CanAdjustGiftCards(StaffPermission):
    """Read a card's ledger, and put money on it or take it off with a reason: what the admin's
    card page lets a holder of ``change_giftcard`` do."""

    required = {
        "GET": ("giftcards.view_giftcard",),
        "POST": ("giftcards.view_giftcard", "giftcards.change_giftcard"),
    }
