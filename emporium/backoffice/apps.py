from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The staff's order desk: the Order admin and the staff orders API.

    They call the payments workflows (mark paid, fulfil, ship, cancel, refund), so they sit
    above payments and checkout, not in orders. The admin's pages keep the model's address,
    /admin/orders/order/, and the API its paths and URL names ("orders-api").
    """

    name = "emporium.backoffice"
    label = "backoffice"
    verbose_name = "Order desk"
