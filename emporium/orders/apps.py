from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "emporium.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from emporium.accounts.personal_data import register
        from emporium.orders.personal_data import order_history

        # A customer's orders are in "download my data", and closing the account erases their e-mail.
        register(order_history)
