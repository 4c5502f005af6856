from emporium.accounts.api.permissions import StaffPermission


class CanManagePromotions(StaffPermission):
    """Superusers, or staff in a group a shop makes with promotions' permissions. Like vouchers,
    promotions set prices, and no standard role holds them."""

    required = {
        "GET": ("promotions.view_promotion",),
        "POST": ("promotions.view_promotion", "promotions.add_promotion"),
        "PATCH": ("promotions.view_promotion", "promotions.change_promotion"),
        "DELETE": ("promotions.view_promotion", "promotions.delete_promotion"),
    }
