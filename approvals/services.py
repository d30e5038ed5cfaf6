"""Submitting and cancelling orders: the one place that hands an order on to pricing
snapshots, stock reservation and the approval policy."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from approvals.workflow import TransitionNotAllowed, order_transition
from portal.accounts.models import Address
from portal.orders.models import Order, OrderLine, OrderStatus
from portal.orders.services import order_number_next
from pricing.engine import quote


class OrderInvalid(Exception):
    """The order cannot be submitted as it is; ``line_errors`` maps line id to messages."""

    def __init__(self, message: str, line_errors: dict[int, list[str]] | None = None):
        super().__init__(message)
        self.line_errors = line_errors or {}


@dataclass(frozen=True)
class Checkout:
    po_number: str
    ship_to: Address
    requested_delivery_date: date | None
    note: str


@transaction.atomic
def order_submit(*, token, by, checkout: Checkout) -> Order:
    """Submit the cart whose checkout token is ``token``; replaying it returns the same order.

    Prices are quoted now and frozen on the lines, the order gets its number, and it
    leaves draft through the state machine.
    """
    try:
        order = Order.objects.select_for_update().get(checkout_token=token, buyer=by)
    except Order.DoesNotExist:
        raise OrderInvalid("This checkout is no longer valid. Open your cart again.") from None
    if order.status != OrderStatus.DRAFT:
        return order  # a double click or a replayed POST: the first one already submitted it

    lines = list(order.lines.select_related("product").order_by("position", "pk"))
    if not lines:
        raise OrderInvalid("Your cart is empty.")
    if checkout.ship_to.company_id != order.company_id or not checkout.ship_to.is_shipping:
        raise OrderInvalid("Choose one of your company's delivery addresses.")
    if checkout.requested_delivery_date and checkout.requested_delivery_date < timezone.localdate():
        raise OrderInvalid("The requested delivery date cannot be in the past.")

    priced = quote(company=order.company, lines=[(line.product, line.quantity) for line in lines])
    line_errors = {
        line.pk: q.errors for line, q in zip(lines, priced.lines, strict=True) if q.errors
    }
    if line_errors:
        raise OrderInvalid("Some lines need your attention before you submit.", line_errors)

    for line, q in zip(lines, priced.lines, strict=True):
        line.sku = line.product.sku
        line.name = line.product.name
        line.unit_price = q.unit_price
        line.line_total = q.line_total
        line.tax_rate = Decimal(0) if order.company.tax_exempt else line.product.tax_rate
        line.tax = q.tax
        line.price_source = q.source
        line.price_explanation = q.explanation
    OrderLine.objects.bulk_update(
        lines,
        [
            "sku",
            "name",
            "unit_price",
            "line_total",
            "tax_rate",
            "tax",
            "price_source",
            "price_explanation",
        ],
    )
    address = checkout.ship_to
    order.number = order.number or order_number_next()
    order.po_number = checkout.po_number
    order.ship_to = address
    order.ship_to_text = "\n".join(
        part
        for part in (
            address.label,
            address.line1,
            address.line2,
            f"{address.postal_code} {address.city}",
            address.country,
        )
        if part
    )
    order.requested_delivery_date = checkout.requested_delivery_date
    order.note = checkout.note
    order.currency = priced.currency
    order.subtotal = priced.subtotal
    order.tax_total = priced.tax_total
    order.total = priced.total
    order.submitted_at = timezone.now()
    order.save(
        update_fields=[
            "number",
            "po_number",
            "ship_to",
            "ship_to_text",
            "requested_delivery_date",
            "note",
            "currency",
            "subtotal",
            "tax_total",
            "total",
            "submitted_at",
            "updated_at",
        ]
    )
    return order_transition(order=order, action="submit", by=by)


def order_cancel(*, order: Order, by, comment: str = "") -> Order:
    return order_transition(order=order, action="cancel", by=by, comment=comment)


__all__ = ["Checkout", "OrderInvalid", "TransitionNotAllowed", "order_cancel", "order_submit"]
