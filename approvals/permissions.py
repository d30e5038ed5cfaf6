"""Who may do what to an order: the one answer that the views and the workflow ask.

Each refusal has its own status code, the same on every page:

- 404: the user may not see the order (``order_for``): for them it does not exist;
- 403: they see it, but their role or relation to it never lets them take the action,
  whatever its state (only its buyer cancels it; nobody decides an order they placed):
  ``ActionForbidden``, raised by ``order_for_action`` and by the workflow;
- 409: they may take the action, only not on the order as it is now: its state or version
  (``TransitionNotAllowed`` from the workflow), a cart that is not an order yet, an order
  that already holds their approval (a second click).

``approvals.workflow.TRANSITIONS`` says which party takes each action; this module says who
that party is for a given order.
"""

from collections.abc import Callable

from django.db.models import Exists, OuterRef, QuerySet

from approvals.models import Approval
from approvals.workflow import (
    DECISIONS,
    PARTY_OF,
    TRANSITIONS,
    ActionForbidden,
    Party,
    TransitionNotAllowed,
    display_name,
    standing_approvals,
)
from inventory.permissions import orders_fulfilled_by
from portal.accounts.models import StaffRole
from portal.accounts.permissions import (
    companies_visible_to,
    company_ids_visible_to,
    require_role,
    roles_of,
)
from portal.orders.models import Order, OrderStatus
from portal.orders.permissions import order_for

# The roles whose pages list orders to decide.
DECIDING_ROLES = frozenset({"approver", "company_admin"})
DECIDE = "accounts.approve_orders"  # the permission, on a company, to decide its orders


def deciding_company_ids(user) -> frozenset[int]:
    """The companies whose orders the user decides."""
    return company_ids_visible_to(user, DECIDE)


def require_decider(user) -> None:
    """403 unless the user approves orders (the approval queue)."""
    require_role(user, *DECIDING_ROLES)


def _decides_for_company(user, order: Order) -> bool:
    return companies_visible_to(user, DECIDE).filter(pk=order.company_id).exists()


# Why the user is not the party, or None when they are; the order's state plays no part.
def _not_its_buyer(user, order: Order) -> str | None:
    if order.buyer_id != user.pk:
        return f"Only {display_name(order.buyer)}, who placed the order, can do that."
    return None


def _not_a_decider(user, order: Order) -> str | None:
    if not _decides_for_company(user, order):
        return f"You do not approve orders for {order.company.legal_name}."
    if order.buyer_id == user.pk:
        return "You placed this order: someone else must decide it."
    return None


def _not_its_warehouse(user, order: Order) -> str | None:
    if not orders_fulfilled_by(user).filter(pk=order.pk).exists():
        return "Only staff of the warehouse that holds this order's stock can ship it."
    return None


def _not_finance(user, order: Order) -> str | None:
    if StaffRole.FINANCE.value not in roles_of(user):
        return "Only finance can cancel a shipped order: its invoice is credited."
    return None


_NOT_THE_PARTY: dict[Party, Callable[[object, Order], str | None]] = {
    Party.BUYER: _not_its_buyer,
    Party.DECIDER: _not_a_decider,
    Party.WAREHOUSE: _not_its_warehouse,
    Party.FINANCE: _not_finance,
}


def _not_now(user, order: Order, party: Party) -> str | None:
    """Why the party may not act on the order as it is now (beyond the table's states)."""
    if party == Party.BUYER and order.number is None:
        return "This is your cart, not an order."
    if party == Party.DECIDER and any(a.approver_id == user.pk for a in standing_approvals(order)):
        return "You have already approved this order: one approval per person."
    return None


def order_action_forbidden(user, order: Order, action: str) -> str | None:
    """Why the user's role or relation to the order never lets them take ``action`` (a 403),
    or None when it does."""
    return _NOT_THE_PARTY[PARTY_OF[action]](user, order)


def require_order_action(user, order: Order, action: str) -> None:
    """Raise unless the user may take ``action`` on the order as it is now: ``ActionForbidden``
    for their role or relation to it, ``TransitionNotAllowed`` for its present state.

    The workflow asks this under the order's lock, after it has checked the state and version.
    """
    forbidden = order_action_forbidden(user, order, action)
    if forbidden:
        raise ActionForbidden(forbidden)
    not_now = _not_now(user, order, PARTY_OF[action])
    if not_now:
        raise TransitionNotAllowed(not_now)


def _order_for_party(user, number: str, party: Party) -> Order:
    order = order_for(user, number)
    forbidden = _NOT_THE_PARTY[party](user, order)
    if forbidden:
        raise ActionForbidden(forbidden)
    return order


def order_for_action(user, number: str, action: str) -> Order:
    """An order the user may see and take ``action`` on: 404 if they may not see it, 403
    (``ActionForbidden``) if they see it but may never take the action. Whether its state
    allows the action now is the workflow's answer (409)."""
    return _order_for_party(user, number, PARTY_OF[action])


def order_for_decision(user, number: str) -> Order:
    """An order the user may see and decide: 404 if they may not see it, 403 if they see it
    but do not decide it (a buyer; the approver who placed it)."""
    return _order_for_party(user, number, Party.DECIDER)


def order_actions_for(user, order: Order) -> frozenset[str]:
    """The actions the user may take on the order now: the buttons on its page."""
    if not user.is_authenticated:
        return frozenset()
    # Approve, reject and request changes share a party: ask once for each party.
    allowed: dict[Party, bool] = {}
    for transition in TRANSITIONS:
        if transition.source != order.status or transition.party in allowed:
            continue
        party = transition.party
        allowed[party] = not (_NOT_THE_PARTY[party](user, order) or _not_now(user, order, party))
    return frozenset(
        t.action for t in TRANSITIONS if t.source == order.status and allowed.get(t.party)
    )


def may_decide(user, order: Order) -> bool:
    """Whether the user may approve, reject or send back the order now."""
    return not order_actions_for(user, order).isdisjoint(DECISIONS)


def awaiting_decision_by(user) -> QuerySet[Order]:
    """Pending orders this user may decide now: the rules above, as one query (the queue).

    Their companies' orders, not their own, and not ones they have already approved.
    """
    if not user.is_authenticated:
        return Order.objects.none()
    already = Approval.objects.filter(order=OuterRef("pk"), approver=user, voided_at__isnull=True)
    return (
        Order.objects.filter(
            company__in=companies_visible_to(user, DECIDE),
            status=OrderStatus.PENDING_APPROVAL,
        )
        .exclude(buyer=user)
        .exclude(Exists(already))
    )
