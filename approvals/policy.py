"""Who must approve which order: thresholds, approval limits, monthly budgets.

Pure rules over rows the caller has loaded; the services decide when to take locks.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from approvals.models import Approval, ApprovalRequirement, ApprovalThreshold
from portal.accounts.models import Company, Membership
from portal.orders.models import Order, OrderStatus
from pricing.currencies import format_money

# Orders that hold on to part of the buyer's monthly budget.
COMMITTED = (OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED, OrderStatus.SHIPPED)


@dataclass(frozen=True)
class Requirement:
    approvals: int
    last_by_company_admin: bool
    reasons: tuple[str, ...]
    budget: Decimal | None
    spent_before: Decimal


def month_start(at: datetime | None = None) -> datetime:
    """Midnight on the first of ``at``'s month, in the portal's time zone."""
    local = timezone.localtime(at or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(at: datetime | None = None) -> datetime:
    start = month_start(at)
    return month_start(start + timedelta(days=32))


def month_spend(*, buyer, at: datetime | None = None, excluding: Order | None = None) -> Decimal:
    """Net total of the buyer's pending, approved and shipped orders submitted this month."""
    orders = Order.objects.filter(
        buyer=buyer,
        status__in=COMMITTED,
        submitted_at__gte=month_start(at),
        submitted_at__lt=next_month_start(at),
    )
    if excluding is not None:
        orders = orders.exclude(pk=excluding.pk)
    return orders.aggregate(total=Sum("subtotal"))["total"] or Decimal("0.00")


def requirement_for(
    *, company: Company, net_total: Decimal, budget: Decimal | None, spent_before: Decimal
) -> Requirement:
    """The approvals an order of ``net_total`` needs under the company's policy and budget."""
    currency = company.currency
    threshold = (
        ApprovalThreshold.objects.filter(policy__company=company, above__lt=net_total)
        .order_by("-above")
        .first()
    )
    approvals, admin_last, reasons = 0, False, []
    if threshold is not None:
        approvals, admin_last = threshold.approvals, threshold.last_by_company_admin
        reasons.append(
            f"Net total {format_money(net_total, currency)} is above "
            f"{format_money(threshold.above, currency)}: "
            f"{approvals} approval{'s' if approvals != 1 else ''}"
            + (", the last by a company admin." if admin_last else ".")
        )
    if budget is not None and spent_before + net_total > budget:
        approvals = max(approvals, 1)
        reasons.append(
            f"Takes the buyer's month to {format_money(spent_before + net_total, currency)} "
            f"of a {format_money(budget, currency)} budget."
        )
    if not reasons:
        reasons.append("Within the company's approval-free amount and the buyer's budget.")
    return Requirement(approvals, admin_last, tuple(reasons), budget, spent_before)


def may_give_last(membership: Membership | None, order: Order, requirement) -> bool:
    """Whether this person's approval may be the one that completes the order: a company
    admin's always may; an approver's only within their approval limit."""
    if membership is None:
        return False
    if membership.is_company_admin:
        return True
    if requirement.last_by_company_admin:
        return False
    limit = membership.approval_limit
    return limit is None or order.subtotal <= limit


def _who_may_complete(order: Order, requirement) -> str:
    """The people whose approval an order still needs, in words."""
    if requirement.last_by_company_admin:
        return "a company admin"
    return f"someone whose approval limit covers {format_money(order.subtotal, order.currency)}"


def deciders_for(order: Order) -> list[Membership]:
    """The company's active approvers and admins other than the order's buyer."""
    return list(
        Membership.objects.filter(company=order.company_id, company__is_active=True)
        .filter(user__is_active=True)
        .filter(Q(is_approver=True) | Q(is_company_admin=True))
        .exclude(user=order.buyer_id)
        .select_related("user")
        .order_by("user__username")
    )


def unmeetable(order: Order, requirement: Requirement) -> str | None:
    """Why nobody at the company could ever approve this order, or None if someone can."""
    if requirement.approvals == 0:
        return None
    deciders = deciders_for(order)
    if len(deciders) >= requirement.approvals and any(
        may_give_last(member, order, requirement) for member in deciders
    ):
        return None
    plural = "s" if requirement.approvals != 1 else ""
    who = _who_may_complete(order, requirement)
    return (
        f"Nobody at {order.company.legal_name} can approve this order: it needs "
        f"{requirement.approvals} approval{plural} by people other than its buyer, one of them "
        f"by {who}. Ask your company admin to adjust approvers or limits, or split the order."
    )


def would_complete(
    membership: Membership | None,
    order: Order,
    requirement: ApprovalRequirement,
    standing: list[Approval],
) -> bool:
    """Whether one more approval, by this person, leaves nothing outstanding.

    The required number must be reached, and someone with the authority to give the last
    approval must be among those who approved: this person, or one before them. (An admin
    who approves first does not leave the order waiting for a second admin.)
    """
    return len(standing) + 1 >= requirement.approvals_required and (
        may_give_last(membership, order, requirement) or any(a.with_authority for a in standing)
    )


def outstanding(order: Order, requirement: ApprovalRequirement, standing: list[Approval]) -> str:
    """What a pending order still waits for, in a sentence for the people who decide it."""
    needed = max(requirement.approvals_required - len(standing), 0)
    if any(a.with_authority for a in standing):
        return f"{needed} more approval{'s' if needed != 1 else ''}."
    needed = max(needed, 1)
    who = _who_may_complete(order, requirement)
    if needed == 1:
        return f"1 more approval, by {who}."
    return f"{needed} more approvals, one of them by {who}."
