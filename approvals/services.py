"""Every action on a placed order: submit, approve, reject, request changes, edit, cancel,
ship. Each one is a transition of ``approvals.workflow``; these add the action's own rules."""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from approvals.models import Approval, ApprovalRequirement
from approvals.policy import (
    may_give_last,
    month_spend,
    requirement_for,
    unmeetable,
    would_complete,
)
from approvals.reminders import working_days_between
from approvals.tasks import approval_reminder_send
from approvals.workflow import (
    DECISIONS,
    ActionForbidden,
    CommentMissing,
    OrderChanged,
    TransitionNotAllowed,
    order_transition,
    standing_approvals,
)
from inventory.services import InsufficientStock, StockError
from portal.accounts.models import Address, Membership
from portal.invoices.models import DocumentKind
from portal.invoices.services import InvoiceError, invoice_credit, invoice_issue
from portal.orders.models import Order, OrderEvent, OrderEventKind, OrderLine, OrderStatus
from portal.orders.services import order_event_add, order_number_next
from pricing.engine import quote


class OrderInvalid(Exception):
    """The order cannot be submitted as it is; ``line_errors`` maps line id to messages, and
    ``field`` names the checkout field at fault, if one is."""

    def __init__(
        self,
        message: str,
        line_errors: dict[int, list[str]] | None = None,
        *,
        field: str | None = None,
    ):
        super().__init__(message)
        self.line_errors = line_errors or {}
        self.field = field


@dataclass(frozen=True)
class Checkout:
    po_number: str
    ship_to: Address
    requested_delivery_date: date | None
    note: str


@transaction.atomic
def order_submit(*, token, by, checkout: Checkout) -> Order:
    """Submit the draft whose checkout token is ``token``; replaying it returns the same order.

    Prices are quoted now and frozen on the lines, the order gets its number, and the
    approval policy decides whether it is approved at once or waits for approvers.
    """
    try:
        order = Order.objects.select_for_update().get(checkout_token=token, buyer=by)
    except Order.DoesNotExist:
        raise OrderInvalid("This checkout is no longer valid. Open your cart again.") from None
    if order.status != OrderStatus.DRAFT:
        return order  # a double click or a replayed POST: the first one already submitted it
    # The buyer's budget is one shared thing: their submissions take turns on this lock, so
    # each one sees what the others committed before it.
    membership = (
        Membership.objects.select_for_update(of=("self",)).filter(user=by).order_by().first()
    )

    lines = list(order.lines.select_related("product").order_by("position", "pk"))
    if not lines:
        raise OrderInvalid("Your cart is empty.")
    if checkout.ship_to.company_id != order.company_id or not checkout.ship_to.is_shipping:
        raise OrderInvalid("Choose one of your company's delivery addresses.", field="ship_to")
    if checkout.requested_delivery_date and checkout.requested_delivery_date < timezone.localdate():
        raise OrderInvalid(
            "The requested delivery date cannot be in the past.", field="requested_delivery_date"
        )

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
    _snapshot_save(lines)
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

    def hand_to_policy(locked: Order) -> str:
        spent = month_spend(buyer=by, excluding=locked)
        needed = requirement_for(
            company=locked.company,
            net_total=locked.subtotal,
            budget=membership.monthly_budget if membership else None,
            spent_before=spent,
        )
        refusal = unmeetable(locked, needed)
        if refusal:
            raise OrderInvalid(refusal)
        ApprovalRequirement.objects.update_or_create(
            order=locked,
            defaults={
                "approvals_required": needed.approvals,
                "last_by_company_admin": needed.last_by_company_admin,
                "net_total": locked.subtotal,
                "budget": needed.budget,
                "budget_spent_before": needed.spent_before,
                "reasons": list(needed.reasons),
                "order_version": locked.version + 1,
            },
        )
        return OrderStatus.APPROVED if needed.approvals == 0 else OrderStatus.PENDING_APPROVAL

    try:
        return order_transition(order=order, action="submit", by=by, effect=hand_to_policy)
    except InsufficientStock as short:
        by_product = {line.product_id: line.pk for line in lines}
        raise OrderInvalid(
            str(short), {by_product[s.product_id]: [str(s)] for s in short.shortages}
        ) from None
    except StockError as error:
        raise OrderInvalid(str(error)) from None


def _snapshot_save(lines: list[OrderLine]) -> None:
    """Write the lines' price snapshots in one round trip.

    ``bulk_update`` builds a CASE expression per field and line; for a 100-line order that
    cost about 0.3 s of Python, where these prepared statements cost milliseconds.
    """
    fields = [
        "sku",
        "name",
        "unit_price",
        "line_total",
        "tax_rate",
        "tax",
        "price_source",
        "price_explanation",
    ]
    columns = ", ".join(f"{OrderLine._meta.get_field(f).column} = %s" for f in fields)
    # Table and column names come from the model; every value is a query parameter.
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {OrderLine._meta.db_table} SET {columns} WHERE id = %s",  # noqa: S608  # nosec B608
            [[*(getattr(line, f) for f in fields), line.pk] for line in lines],
        )


def order_approve(*, order: Order, by, expected_version: int, comment: str = "") -> Order:
    """Record ``by``'s approval of the version they saw; the policy says if it completes it."""

    def record(locked: Order) -> str:
        requirement = ApprovalRequirement.objects.get(order=locked)
        membership = Membership.objects.filter(user=by).first()
        standing = standing_approvals(locked)
        completes = would_complete(membership, locked, requirement, standing)
        Approval.objects.create(
            order=locked,
            approver=by,
            order_version=expected_version,
            with_authority=may_give_last(membership, locked, requirement),
            completed_order=completes,
        )
        return OrderStatus.APPROVED if completes else OrderStatus.PENDING_APPROVAL

    return order_transition(
        order=order,
        action="approve",
        by=by,
        comment=comment,
        expected_version=expected_version,
        effect=record,
    )


def order_reject(*, order: Order, by, expected_version: int, reason: str) -> Order:
    return order_transition(
        order=order, action="reject", by=by, comment=reason, expected_version=expected_version
    )


def order_decide(
    *, order: Order, by, action: str, expected_version: int, comment: str = ""
) -> Order:
    """An approver's decision, one of ``DECISIONS``, on the version of the order they saw:
    what the decision form sends. Each decision's rules are its own service's."""
    if action not in DECISIONS:
        raise TransitionNotAllowed(f"{action!r} is not a decision on an order.")
    version = expected_version
    if action == "approve":
        return order_approve(order=order, by=by, expected_version=version, comment=comment)
    if action == "reject":
        return order_reject(order=order, by=by, expected_version=version, reason=comment)
    return order_request_changes(order=order, by=by, expected_version=version, comment=comment)


def _voiding(reason: str):
    def void(locked: Order) -> str:
        Approval.objects.filter(order=locked, voided_at__isnull=True).update(
            voided_at=timezone.now(), void_reason=reason
        )
        # A new checkout token: replaying the submit that placed the order must not submit
        # the reopened draft behind its buyer's back.
        Order.objects.filter(pk=locked.pk).update(checkout_token=uuid.uuid4())
        return OrderStatus.DRAFT

    return void


def order_request_changes(*, order: Order, by, expected_version: int, comment: str) -> Order:
    """Send the order back to its buyer as a draft; approvals given so far no longer count."""
    return order_transition(
        order=order,
        action="request_changes",
        by=by,
        comment=comment,
        expected_version=expected_version,
        effect=_voiding("changes requested"),
    )


def order_edit(*, order: Order, by, comment: str = "") -> Order:
    """Reopen a pending order for its buyer to change; approvals given so far are voided."""
    return order_transition(
        order=order, action="edit", by=by, comment=comment, effect=_voiding("order edited")
    )


def order_cancel(*, order: Order, by, comment: str = "") -> Order:
    return order_transition(order=order, action="cancel", by=by, comment=comment)


@transaction.atomic
def order_remind_approvers(*, order: Order, now=None) -> OrderEvent:
    """Note a reminder on the order's timeline and queue the emails for after commit."""
    now = now or timezone.now()
    waited = working_days_between(order.submitted_at, now)
    event = order_event_add(
        order=order,
        kind=OrderEventKind.REMINDER,
        by=None,
        comment=f"Approvers reminded after {waited} working days.",
    )
    transaction.on_commit(lambda: approval_reminder_send.enqueue(order.pk, waited))
    return event


def order_ship(*, order: Order, by, comment: str = "", issued_on: date | None = None) -> Order:
    """The order leaves the warehouse: its reserved stock is consumed and its invoice issued,
    in one transaction, so an order is never shipped without its invoice nor invoiced unshipped.
    """

    def invoice(locked: Order) -> str:
        invoice_issue(order=locked, by=by, issued_on=issued_on)
        return OrderStatus.SHIPPED

    return order_transition(order=order, action="ship", by=by, comment=comment, effect=invoice)


def order_cancel_shipped(*, order: Order, by, reason: str) -> Order:
    """Cancel a shipped order (finance): its invoice is voided by a credit note.

    Goods that come back are received into stock by the warehouse, as any receipt.
    """

    def credit(locked: Order) -> str:
        invoice = locked.invoices.get(kind=DocumentKind.INVOICE)
        invoice_credit(invoice=invoice, by=by, reason=reason)
        return OrderStatus.CANCELLED

    return order_transition(
        order=order, action="cancel_shipped", by=by, comment=reason, effect=credit
    )


__all__ = [
    "ActionForbidden",
    "Checkout",
    "CommentMissing",
    "InvoiceError",
    "OrderChanged",
    "OrderInvalid",
    "TransitionNotAllowed",
    "order_approve",
    "order_cancel",
    "order_cancel_shipped",
    "order_decide",
    "order_edit",
    "order_reject",
    "order_remind_approvers",
    "order_request_changes",
    "order_ship",
    "order_submit",
]
