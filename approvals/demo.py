"""Demo approval policies (SPEC section 9) and an order history with every state in it.

The orders are placed, decided and shipped through the real services, as the demo people
would, then dated back so that the history spreads over the last months. Shipping issues
each shipped order's invoice, dated with it, so that finance sees what is owed in every
aging bucket. Orders are only made when the demo companies have none yet, so running the
seed again changes nothing.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from approvals.models import Approval, ApprovalPolicy, ApprovalThreshold
from approvals.services import (
    Checkout,
    order_approve,
    order_cancel,
    order_reject,
    order_request_changes,
    order_ship,
    order_submit,
)
from portal.accounts.models import Company
from portal.catalog.models import Product
from portal.invoices.models import DocumentKind, Invoice, PaymentKind
from portal.invoices.pdf import invoice_pdf_store
from portal.invoices.services import payment_record
from portal.orders.models import Order, OrderEvent, OrderEventKind
from portal.orders.services import cart_add_many, cart_get_or_create

# company code -> [(net total above, approvals, last by a company admin)]
POLICIES = {
    "acme": [(Decimal("1000.00"), 1, False), (Decimal("5000.00"), 2, True)],
    "borealis": [(Decimal("2000.00"), 1, False)],
}


def seed_policies() -> None:
    for code, thresholds in POLICIES.items():
        company = Company.objects.filter(code=code).first()
        if company is None:
            continue
        policy, _ = ApprovalPolicy.objects.get_or_create(company=company)
        for above, approvals, admin_last in thresholds:
            ApprovalThreshold.objects.update_or_create(
                policy=policy,
                above=above,
                defaults={"approvals": approvals, "last_by_company_admin": admin_last},
            )
        policy.thresholds.exclude(above__in=[above for above, _, _ in thresholds]).delete()


@dataclass(frozen=True)
class DemoOrder:
    buyer: str
    lines: tuple[tuple[str, int], ...]
    days_ago: int
    po_number: str
    # (action, username, comment) taken after submission, in order
    then: tuple[tuple[str, str, str], ...] = ()
    # A bank transfer received against the order's invoice, a month after it was issued.
    paid: Decimal | None = None


SHIP = ("ship", "warehouse.north", "")

# Shipped orders are invoiced the day after they were placed, oldest first, so that the
# invoice numbers follow their dates. Acme pays 30 days net: its invoices of 10, 45, 75,
# 105 and 140 days ago fill every aging bucket, from current to more than 90 days overdue.
# Acme's month stays under acme.buyer's 10,000 budget (321.30 shipped, 1,190 + 5,908
# pending), so a small new order is still approved on submission.
DEMO_ORDERS = [
    # shipped: 952.00 net, more than 90 days overdue
    DemoOrder("acme.buyer", (("DRILL-18V", 8),), 140, "PO-2026-0061", (SHIP,)),
    # shipped: 604.80 net, 61 to 90 days overdue
    DemoOrder("acme.buyer", (("BOLT-M8-50", 60),), 105, "PO-2026-0072", (SHIP,)),
    # shipped: 928.20 net, 500.00 of it paid, the rest 31 to 60 days overdue
    DemoOrder(
        "acme.buyer",
        (("DRILL-18V", 6), ("BOLT-M8-50", 20)),
        75,
        "PO-2026-0083",
        (SHIP,),
        paid=Decimal("500.00"),
    ),
    # shipped: 595.00 net, 1 to 30 days overdue
    DemoOrder("acme.buyer", (("DRILL-18V", 5),), 45, "PO-2026-0094", (SHIP,)),
    # shipped: 1,428.00 net, approved by the manager, 1 to 30 days overdue
    DemoOrder(
        "acme.buyer",
        (("DRILL-18V", 12),),
        38,
        "PO-2026-0101",
        (("approve", "acme.manager", ""), SHIP),
    ),
    # approved on submission: 214.20 + gloves, under 1,000
    DemoOrder("acme.buyer", (("BOLT-M8-50", 20), ("GLOVE-L", 24)), 33, "PO-2026-0102"),
    # rejected
    DemoOrder(
        "acme.buyer",
        (("DRILL-18V", 20), ("BOLT-M8-50", 60)),
        30,
        "PO-2026-0103",
        (("reject", "acme.manager", "We have twenty drills in stock; order bolts only."),),
    ),
    # cancelled by the buyer
    DemoOrder(
        "acme.buyer", (("DRILL-18V", 5),), 12, "PO-2026-0104", (("cancel", "acme.buyer", ""),)
    ),
    # shipped: 321.30 net, not due yet
    DemoOrder("acme.buyer", (("BOLT-M8-50", 30),), 10, "PO-2026-0108", (SHIP,)),
    # back in draft: the manager asked for changes
    DemoOrder(
        "acme.buyer",
        (("DRILL-18V", 15),),
        2,
        "PO-2026-0105",
        (("request_changes", "acme.manager", "Split this: ten now, five next month."),),
    ),
    # pending: 1,190.00 waits for acme.manager (or acme.admin)
    DemoOrder("acme.buyer", (("DRILL-18V", 10),), 3, "PO-2026-0106"),
    # pending: 5,908.00 approved by acme.manager, waits for a company admin
    DemoOrder(
        "acme.buyer",
        (("DRILL-18V", 20), ("BOLT-M8-50", 350)),
        1,
        "PO-2026-0107",
        (("approve", "acme.manager", "Fine by me; over my limit."),),
    ),
    # Borealis: approved on submission, not shipped yet
    DemoOrder("borealis.buyer", (("BOLT-M8-50", 100),), 20, "BF-7781"),
    # shipped from SOUTH: 990.00 USD, due on receipt by card
    DemoOrder(
        "borealis.buyer",
        (("DRILL-18V", 6),),
        5,
        "BF-7785",
        (("ship", "warehouse.south", ""),),
    ),
    # waits for borealis.manager
    DemoOrder("borealis.buyer", (("DRILL-18V", 16),), 1, "BF-7790"),
]


def seed_orders() -> int:
    """Place the demo order history, invoices and payments included, and render the
    invoices' PDFs; returns how many orders were made (0 when present)."""
    made = _place_orders()
    seed_invoice_pdfs()
    return made


def _place_orders() -> int:
    User = get_user_model()
    if (
        Order.objects.filter(company__code__in=POLICIES, number__isnull=False).exists()
        or not Product.objects.filter(sku="DRILL-18V").exists()
    ):
        return 0
    users = {u.username: u for u in User.objects.filter(username__contains=".")}
    users["finance"] = User.objects.filter(username="finance").first()
    products = {
        p.sku: p for p in Product.objects.filter(sku__in=["DRILL-18V", "BOLT-M8-50", "GLOVE-L"])
    }
    today = timezone.localdate()
    made = 0
    for demo in DEMO_ORDERS:
        buyer = users.get(demo.buyer)
        if buyer is None:
            continue
        company = buyer.membership.company
        cart = cart_get_or_create(buyer=buyer, company=company)
        cart_add_many(cart=cart, items=[(products[sku], qty) for sku, qty in demo.lines], by=buyer)
        order = order_submit(
            token=cart.checkout_token,
            by=buyer,
            checkout=Checkout(
                po_number=demo.po_number,
                ship_to=company.addresses.filter(is_shipping=True).order_by("pk").first(),
                requested_delivery_date=None,
                note="",
            ),
        )
        # Shipped the day after it was placed, and invoiced that day.
        shipped_on = today - timedelta(days=demo.days_ago - 1)
        for action, username, comment in demo.then:
            actor = users[username]
            if action == "approve":
                order = order_approve(
                    order=order, by=actor, expected_version=order.version, comment=comment
                )
            elif action == "reject":
                order = order_reject(
                    order=order, by=actor, expected_version=order.version, reason=comment
                )
            elif action == "request_changes":
                order = order_request_changes(
                    order=order, by=actor, expected_version=order.version, comment=comment
                )
            elif action == "cancel":
                order = order_cancel(order=order, by=actor, comment=comment)
            elif action == "ship":
                order = order_ship(order=order, by=actor, comment=comment, issued_on=shipped_on)
        if demo.paid:
            payment_record(
                invoice=order.invoices.get(kind=DocumentKind.INVOICE),
                by=users["finance"],
                amount=demo.paid,
                reference=f"Transfer {demo.po_number}",
                received_on=shipped_on + timedelta(days=30),
                kind=PaymentKind.BANK_TRANSFER,
            )
        _date_back(order, days=demo.days_ago)
        made += 1
    return made


def seed_invoice_pdfs() -> None:
    """Render now the PDFs the worker has not, so that the demo shows them without it."""
    for invoice in Invoice.objects.filter(pdf_sha256="").order_by("number"):
        invoice_pdf_store(invoice)


def _date_back(order: Order, *, days: int) -> None:
    """Move the order's history ``days`` back, an hour between one event and the next;
    shipping comes a day later, on the day its invoice is dated."""
    start = timezone.now() - timedelta(days=days)
    Order.objects.filter(pk=order.pk).update(created_at=start, submitted_at=start)
    later = timedelta(0)
    for step, event in enumerate(OrderEvent.objects.filter(order=order).order_by("pk")):
        if event.kind == OrderEventKind.SHIP:
            later = timedelta(days=1)
        OrderEvent.objects.filter(pk=event.pk).update(
            created_at=start + later + timedelta(hours=step)
        )
    Approval.objects.filter(order=order).update(created_at=start + timedelta(hours=1))
