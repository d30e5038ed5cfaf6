"""Reminding approvers of orders that have waited more than two working days."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from portal.orders.models import Order, OrderEvent, OrderStatus
from portal.orders.services import order_event_add

REMIND_AFTER_WORKING_DAYS = 2
# A daily cron run reminds once a day at most, even if it runs a little early.
REMIND_AGAIN_AFTER = timedelta(hours=20)


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` moved on by ``days`` working days (Monday to Friday), same time of day.

    A start on a weekend counts from the Monday after it.
    """
    moment = timezone.localtime(start)
    while moment.weekday() >= 5:
        moment = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    added = 0
    while added < days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            added += 1
    return moment


def working_days_between(start: datetime, end: datetime) -> int:
    days = 0
    while add_working_days(start, days + 1) <= end:
        days += 1
    return days


def orders_to_remind(now: datetime | None = None) -> list[Order]:
    """Pending orders submitted more than two working days ago and not reminded lately."""
    now = now or timezone.now()
    pending = Order.objects.filter(status=OrderStatus.PENDING_APPROVAL).select_related(
        "company", "buyer"
    )
    recently = set(
        OrderEvent.objects.filter(
            kind="reminder",
            order__status=OrderStatus.PENDING_APPROVAL,
            created_at__gt=now - REMIND_AGAIN_AFTER,
        ).values_list("order_id", flat=True)
    )
    return [
        order
        for order in pending.order_by("submitted_at", "pk")
        if order.pk not in recently
        and add_working_days(order.submitted_at, REMIND_AFTER_WORKING_DAYS) <= now
    ]


@transaction.atomic
def order_remind_approvers(*, order: Order, now: datetime | None = None) -> OrderEvent:
    """Record the reminder on the order's timeline and queue the emails after commit."""
    from approvals.tasks import approval_reminder_send

    now = now or timezone.now()
    waited = working_days_between(order.submitted_at, now)
    event = order_event_add(
        order=order,
        kind="reminder",
        by=None,
        comment=f"Approvers reminded after {waited} working days.",
    )
    transaction.on_commit(lambda: approval_reminder_send.enqueue(order.pk, waited))
    return event
