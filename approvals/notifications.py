"""Who hears about an order's transition, and what they are told.

The workflow calls ``notify_on_commit``; the emails are written and sent by a background
task (``approvals.tasks``) once the transition has committed, so a rolled-back decision
mails nobody and a slow mail server slows nobody's click.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from approvals.models import Approval
from approvals.policy import deciders_for
from portal.accounts.models import Membership
from portal.orders.models import Order, OrderEvent, OrderStatus

# Transitions that mail someone: the buyer hears of decisions, approvers of waiting orders.
BUYER_HEARS = {"reject", "request_changes"}


def notify_on_commit(event: OrderEvent) -> None:
    if (
        event.to_status == OrderStatus.PENDING_APPROVAL
        or event.kind in BUYER_HEARS
        or (event.kind == "approve" and event.to_status == OrderStatus.APPROVED)
    ):
        from approvals.tasks import order_event_notify

        transaction.on_commit(lambda: order_event_notify.enqueue(event.pk))


def approvers_waiting(order: Order) -> list[Membership]:
    """Company approvers who may still decide the order: not its buyer, not approved yet."""
    approved = set(
        Approval.objects.filter(order=order, voided_at__isnull=True).values_list(
            "approver_id", flat=True
        )
    )
    return [member for member in deciders_for(order) if member.user_id not in approved]


def order_url(order: Order) -> str:
    return settings.PORTAL_URL.rstrip("/") + reverse("order-detail", args=[order.number])


def emails_for(event: OrderEvent) -> list[EmailMessage]:
    """The emails one transition sends; none when the order has moved on since."""
    order = event.order
    context = {"order": order, "event": event, "url": order_url(order)}
    if event.to_status == OrderStatus.PENDING_APPROVAL:
        # Stale news: the order was decided or changed before the worker got here.
        if order.version != event.order_version or order.status != OrderStatus.PENDING_APPROVAL:
            return []
        return _to_approvers_waiting(
            order, f"Order {order.number} waits for your approval", "waiting.txt", context
        )
    if not order.buyer.email:
        return []
    subject = {
        "approve": f"Order {order.number} is approved",
        "reject": f"Order {order.number} was rejected",
        "request_changes": f"Order {order.number}: changes requested",
    }[event.kind]
    return [_message(subject, "approvals/email/decision.txt", context, order.buyer.email)]


def reminder_emails(order: Order, waited_days: int) -> list[EmailMessage]:
    context = {"order": order, "url": order_url(order), "waited_days": waited_days}
    subject = f"Reminder: order {order.number} has waited {waited_days} working days"
    return _to_approvers_waiting(order, subject, "reminder.txt", context)


def _to_approvers_waiting(
    order: Order, subject: str, template: str, context: dict
) -> list[EmailMessage]:
    """One email per approver the order waits for, addressed to them by name."""
    return [
        _message(
            subject,
            f"approvals/email/{template}",
            {**context, "approver": member.user},
            member.user.email,
        )
        for member in approvers_waiting(order)
        if member.user.email
    ]


def _message(subject: str, template: str, context: dict, to: str) -> EmailMessage:
    return EmailMessage(subject=subject, body=render_to_string(template, context), to=[to])
