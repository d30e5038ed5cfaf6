"""Reads for the approval queue, the order page's approval panel and the dashboards."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch

from approvals.models import Approval, ApprovalRequirement, ApprovalThreshold
from approvals.permissions import awaiting_decision_by  # the queue; the dashboard counts it
from approvals.policy import month_spend, outstanding, would_complete
from portal.accounts.permissions import membership_of
from portal.orders.models import Order, OrderStatus


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
