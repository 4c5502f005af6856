"""What orders keep about a customer, for "download my data" and for closing an account.

Registered with accounts' personal-data holders (emporium.accounts.personal_data) by
OrdersConfig.ready(): accounts sits below orders and reaches the orders only through it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from emporium.accounts.models import User
from emporium.orders.models import Order, OrderLine


class OrderHistory:
    """The customer's orders and their lines. Closing the account keeps the orders, because
    the books must keep every sale: they keep pointing at the anonymised user, so order counts
    per customer still add up, and lose their e-mail address."""

    def export(self, *, user: User) -> dict[str, Any]:
        lines_by_order: defaultdict[int, list[OrderLine]] = defaultdict(list)
        for line in OrderLine.objects.filter(order__customer=user).order_by("pk"):
            lines_by_order[line.order_id].append(line)
        return {
            "orders": [
                {
                    "number": order.number,
                    "placed_at": order.placed_at,
                    "status": order.status,
                    "email": order.email,
                    "country": order.country,
                    "currency": order.currency,
                    "total": order.total_amount,
                    "lines": [
                        {
                            "sku": line.sku,
                            "product_name": line.product_name,
                            "quantity": line.quantity,
                            "unit_price": line.unit_price_amount,
                            "total": line.total_amount,
                        }
                        for line in lines_by_order[order.pk]
                    ],
                }
                for order in Order.objects.filter(customer=user).order_by("-placed_at", "-pk")
            ]
        }

    def erase(self, *, user: User) -> None:
        Order.objects.filter(customer=user).update(email="")


order_history = OrderHistory()
