"""Invoices issued the way the portal issues them: placed, approved and shipped orders."""

from datetime import date

from django.utils import timezone

from approvals.services import order_approve, order_ship
from portal.invoices.models import DocumentKind, Invoice
from portal.orders.models import Order, OrderStatus
from tests.ordering import place, user

# Who approves and who ships each demo company's orders, in the order they decide.
APPROVERS = {"acme": ("acme.manager", "acme.admin"), "borealis": ("borealis.manager",)}
SHIPPERS = {"acme": "warehouse.north", "borealis": "warehouse.south"}
# Acme's prices: DRILL-18V 129.00 (119.00 from 5), BOLT-M8-50 11.25 (10.71 from 10).
SMALL = (("BOLT-M8-50", 10),)  # 107.10 net + 20.35 VAT = 127.45, approved on submission


def this_year() -> int:
    return timezone.localdate().year


def approved(username: str, lines, *, po: str = "") -> Order:
    """Place ``lines`` as ``username`` and approve the order as its company's policy needs."""
    order = place(username, lines, po=po)
    for approver in APPROVERS[order.company.code]:
        if order.status == OrderStatus.PENDING_APPROVAL:
            order = order_approve(order=order, by=user(approver), expected_version=order.version)
    assert order.status == OrderStatus.APPROVED
    return order


def ship(order: Order, *, issued_on: date | None = None) -> Invoice:
    """Ship ``order`` from its company's warehouse; returns the invoice that shipping issued."""
    order_ship(order=order, by=user(SHIPPERS[order.company.code]), issued_on=issued_on)
    return Invoice.objects.get(order=order, kind=DocumentKind.INVOICE)


def shipped(username: str, lines=SMALL, *, po: str = "", issued_on: date | None = None):
    """An approved and shipped order of ``username``'s: its invoice."""
    return ship(approved(username, lines, po=po), issued_on=issued_on)
