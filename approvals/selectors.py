"""Reads for the approval queue, the order page's approval panel and the dashboards."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, DecimalField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models import Value as V
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from approvals.models import Approval, ApprovalRequirement, ApprovalThreshold
from approvals.permissions import (  # the queue; the dashboard counts it
    awaiting_decision_by,
    deciding_company_ids,
)
from approvals.policy import (
    COMMITTED,
    month_spend,
    month_start,
    next_month_start,
    outstanding,
    would_complete,
)
from portal import versions
from portal.accounts.models import Membership
from portal.accounts.permissions import members_visible_to, membership_of
from portal.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from portal.orders.permissions import orders_visible_to


@dataclass(frozen=True)
class QueueRow:
    order: Order
    requirement: ApprovalRequirement
    standing: list[Approval]
    completes: bool  # this user's approval would approve the order
    outstanding: str


def _standing_prefetch() -> Prefetch:
    return Prefetch(
        "approvals",
        queryset=Approval.objects.filter(voided_at__isnull=True).select_related("approver"),
        to_attr="standing",
    )


QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    page: Page  # for the count and the links to older and newer orders


def approval_queue(user, page: str | int | None = 1) -> QueuePage:
    """One page of the user's queue, oldest first, in a fixed number of queries.

    A page number out of range gives the last page, as a list the user just emptied would.
    """
    orders = (
        awaiting_decision_by(user)
        .select_related("buyer", "company", "approval_requirement")
        .prefetch_related(_standing_prefetch())
        .order_by("submitted_at", "pk")
    )
    shown = Paginator(orders, QUEUE_PAGE_SIZE).get_page(page)
    membership = membership_of(user)
    return QueuePage([queue_row(order, membership) for order in shown], shown)


def queue_row(order: Order, membership) -> QueueRow:
    requirement = order.approval_requirement
    standing = order.standing
    return QueueRow(
        order=order,
        requirement=requirement,
        standing=standing,
        completes=would_complete(membership, order, requirement, standing),
        outstanding=outstanding(order, requirement, standing),
    )


def queue_row_for(user, order: Order) -> QueueRow:
    """One order as a queue row (after a decision in the queue, for its re-rendered row)."""
    order = (
        Order.objects.select_related("buyer", "company", "approval_requirement")
        .prefetch_related(_standing_prefetch())
        .get(pk=order.pk)
    )
    return queue_row(order, membership_of(user))


def still_needed(order: Order) -> str:
    """What a pending order still waits for, e.g. '1 more approval; the last by ...'."""
    requirement = ApprovalRequirement.objects.get(order=order)
    standing = list(Approval.objects.filter(order=order, voided_at__isnull=True))
    return outstanding(order, requirement, standing)


@dataclass(frozen=True)
class ApprovalPanel:
    requirement: ApprovalRequirement | None
    history: list[Approval]  # every approval, voided ones too
    outstanding: str
    completes: bool


def approval_panel(user, order: Order) -> ApprovalPanel | None:
    """What the order page shows about approval: why it needs it, who gave it, what is left."""
    requirement = ApprovalRequirement.objects.filter(order=order).first()
    if requirement is None:
        return None
    history = list(
        Approval.objects.filter(order=order).select_related("approver").order_by("created_at")
    )
    standing = [a for a in history if a.voided_at is None]
    pending = order.status == OrderStatus.PENDING_APPROVAL
    return ApprovalPanel(
        requirement=requirement,
        history=history,
        outstanding=outstanding(order, requirement, standing) if pending else "",
        completes=pending and would_complete(membership_of(user), order, requirement, standing),
    )


@dataclass(frozen=True)
class BudgetUse:
    budget: Decimal
    spent: Decimal
    currency: str

    @property
    def percent(self) -> int:
        if self.budget <= 0:
            return 100
        return min(100, int(self.spent * 100 / self.budget))

    @property
    def left(self) -> Decimal:
        return max(self.budget - self.spent, Decimal("0.00"))

    @property
    def over(self) -> bool:
        return self.spent > self.budget


def budget_use(user) -> BudgetUse | None:
    """The buyer's spend this month against their monthly budget, if they have one."""
    membership = membership_of(user)
    if membership is None or membership.monthly_budget is None:
        return None
    return BudgetUse(
        budget=membership.monthly_budget,
        spent=month_spend(buyer=user),
        currency=membership.company.currency,
    )


def policy_thresholds(company) -> list[ApprovalThreshold]:
    """The company's approval thresholds, lowest first (empty: no approvals by amount)."""
    return list(ApprovalThreshold.objects.filter(policy__company=company).order_by("above"))


# -- dashboards --------------------------------------------------------------------------

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def recent_orders(user, *, limit: int = 5) -> list[Order]:
    """The user's own latest orders (not their cart), newest first, in one query."""
    return list(
        orders_visible_to(user)
        .filter(buyer=user)
        .only("number", "status", "total", "currency", "submitted_at")
        .order_by("-submitted_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class MonthlySpend:
    """The buyer's spend per calendar month, oldest first, this month last; the budget
    counts the same orders as ``budget_use`` (pending, approved, shipped, by submission)."""

    months: list[tuple[date, Decimal]]  # the first of each month, and what was spent in it
    budget: Decimal | None
    currency: str

    @property
    def this_month(self) -> BudgetUse | None:
        """This month against the budget, as ``budget_use`` gives it (None without one)."""
        if self.budget is None:
            return None
        return BudgetUse(budget=self.budget, spent=self.months[-1][1], currency=self.currency)


def spend_by_month(user, *, months: int = 6, at: datetime | None = None) -> MonthlySpend:
    """What the buyer spent in each of the last ``months`` months, this one included,
    in one query (the membership is cached on the user)."""
    membership = membership_of(user)
    starts = [month_start(at)]
    while len(starts) < months:
        starts.insert(0, month_start(starts[0] - timedelta(days=1)))
    rows = (
        Order.objects.filter(
            buyer=user,
            status__in=COMMITTED,
            submitted_at__gte=starts[0],
            submitted_at__lt=next_month_start(at),
        )
        .annotate(month=TruncMonth("submitted_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(spent=Sum("subtotal"))
        .order_by()
    )
    spent = {timezone.localtime(row["month"]).date(): row["spent"] for row in rows}
    return MonthlySpend(
        months=[(start.date(), spent.get(start.date(), ZERO)) for start in starts],
        budget=membership.monthly_budget if membership else None,
        currency=membership.company.currency if membership else "",
    )


# How long an order has waited since its submission, in whole 24-hour days:
# (label, fewest days, most days or None).
QUEUE_AGES = (
    ("Under 1 day", 0, 0),
    ("1–2 days", 1, 2),
    ("3–5 days", 3, 5),
    ("Over 5 days", 6, None),
)


@dataclass(frozen=True)
class QueueAges:
    counts: list[tuple[str, int]]  # (label, orders) per bucket of QUEUE_AGES

    @property
    def total(self) -> int:
        return sum(count for _, count in self.counts)


def queue_by_age(user, *, at: datetime | None = None) -> QueueAges:
    """The user's approval queue (``awaiting_decision_by``) counted by age, from its
    submission times (``_queue_times``)."""
    now = at or timezone.now()
    submitted = [moment for moment in _queue_times(user) if moment is not None]
    counts = []
    for label, fewest, most in QUEUE_AGES:
        newest = now - timedelta(days=fewest)
        oldest = now - timedelta(days=most + 1) if most is not None else None
        waited = [m for m in submitted if m <= newest and (oldest is None or m > oldest)]
        counts.append((label, len(waited)))
    return QueueAges(counts)


def awaiting_decision_count(user) -> int:
    """How many orders wait for the user's decision: the navigation's badge."""
    return len(_queue_times(user))


def _queue_times(user) -> list[datetime | None]:
    """When each order of the user's queue was submitted, in one query: cached until an
    order of the companies they decide for, or who they are, changes."""
    return versions.cached(
        versions.USERS,
        ("queue-times", user.pk),
        lambda: list(awaiting_decision_by(user).values_list("submitted_at", flat=True)),
        companies=deciding_company_ids(user),
    )


def week_start(at: datetime | None = None) -> datetime:
    """Midnight on Monday of ``at``'s week, in the portal's time zone."""
    local = timezone.localtime(at or timezone.now())
    monday = local - timedelta(days=local.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Decisions:
    approved: int
    rejected: int
    sent_back: int

    @property
    def total(self) -> int:
        return self.approved + self.rejected + self.sent_back


def decisions_since(user, since: datetime) -> Decisions:
    """How many orders the user approved, rejected and sent back since ``since``, in one
    query (from the orders' timelines), cached as ``_queue_times`` is."""
    kinds = {
        "approved": OrderEventKind.APPROVE,
        "rejected": OrderEventKind.REJECT,
        "sent_back": OrderEventKind.REQUEST_CHANGES,
    }
    events = OrderEvent.objects.filter(actor=user, kind__in=kinds.values(), created_at__gte=since)
    counts = versions.cached(
        versions.USERS,
        ("decisions", user.pk, since),
        lambda: events.aggregate(
            **{name: Count("pk", filter=Q(kind=kind)) for name, kind in kinds.items()}
        ),
        companies=deciding_company_ids(user),
    )
    return Decisions(**counts)


def buyers_month_spend(user, *, at: datetime | None = None) -> QuerySet[Membership]:
    """The active buyers of the company admin's company, each with ``spent``: their spend
    this month as their budget counts it. Biggest spenders first; one query."""
    spent = (
        Order.objects.filter(
            buyer=OuterRef("user"),
            company=OuterRef("company"),
            status__in=COMMITTED,
            submitted_at__gte=month_start(at),
            submitted_at__lt=next_month_start(at),
        )
        .order_by()
        .values("buyer")
        .annotate(s=Sum("subtotal"))
        .values("s")
    )
    return (
        members_visible_to(user)
        .filter(is_buyer=True, user__is_active=True)
        .annotate(spent=Coalesce(Subquery(spent, output_field=MONEY), V(ZERO), output_field=MONEY))
        .order_by("-spent", "user__username")
    )
