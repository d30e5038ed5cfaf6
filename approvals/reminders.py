"""Reminding approvers of orders that have waited more than two working days."""

from datetime import datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from approvals.notifications import approvers_waiting
from portal.orders.models import Order, OrderEventKind, OrderStatus

REMIND_AFTER_WORKING_DAYS = 2
# Reminded again one working day after the last reminder; a daily run that starts a little
# earlier than the day before still counts as a day later.
REMIND_AGAIN_SLACK = timedelta(hours=4)


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
    """Pending orders submitted more than two working days ago, not reminded in the last
    working day, that someone can still decide."""
    now = now or timezone.now()
    pending = (
        Order.objects.filter(status=OrderStatus.PENDING_APPROVAL)
        .select_related("company", "buyer")
        .annotate(
            last_reminder=Max("events__created_at", filter=Q(events__kind=OrderEventKind.REMINDER))
        )
        .order_by("submitted_at", "pk")
    )
    return [
        order
        for order in pending
        if add_working_days(order.submitted_at, REMIND_AFTER_WORKING_DAYS) <= now
        and (
            order.last_reminder is None
            or add_working_days(order.last_reminder, 1) - REMIND_AGAIN_SLACK <= now
        )
        and approvers_waiting(order)
    ]
