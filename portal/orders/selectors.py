from django.db.models import Prefetch

from portal.orders.models import Order, OrderEvent, OrderLine
from pricing.engine import Quote, quote


def cart_lines(cart: Order) -> list[OrderLine]:
    return list(
        cart.lines.select_related("product", "product__category").order_by("position", "pk")
    )


def cart_quote(cart: Order, lines: list[OrderLine]) -> Quote:
    """Today's prices for the cart's lines, in line order."""
    return quote(company=cart.company, lines=[(line.product, line.quantity) for line in lines])


def order_detail(order: Order) -> Order:
    """The order with its lines and timeline, in a fixed number of queries."""
    return (
        Order.objects.select_related("company", "buyer", "ship_to")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
        )
        .get(pk=order.pk)
    )
