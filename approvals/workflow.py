"""The order state machine: every state change of an order goes through ``order_transition``.

The table below is the whole truth about which action moves an order from which state
to which, and who may take it. Nothing else writes ``Order.status``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from portal.orders.models import Order, OrderStatus
from portal.orders.services import order_event_add

S = OrderStatus


class TransitionNotAllowed(Exception):
    """The action is not possible for this order now, or not for this user."""


class OrderChanged(TransitionNotAllowed):
    """The order changed after the user looked at it."""


def is_order_buyer(user, order: Order) -> bool:
    return order.buyer_id == user.pk


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    allowed: Callable[[object, Order], bool]
    label: str
    comment_required: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", S.DRAFT, S.PENDING_APPROVAL, is_order_buyer, "Submit"),
    Transition("cancel", S.PENDING_APPROVAL, S.CANCELLED, is_order_buyer, "Cancel order"),
    Transition("cancel", S.APPROVED, S.CANCELLED, is_order_buyer, "Cancel order"),
)


def transition_for(order: Order, action: str) -> Transition | None:
    for transition in TRANSITIONS:
        if transition.action == action and transition.source == order.status:
            return transition
    return None


def actions_for(user, order: Order) -> list[Transition]:
    """The transitions this user may take on this order now (for buttons)."""
    return [t for t in TRANSITIONS if t.source == order.status and t.allowed(user, order)]


@transaction.atomic
def order_transition(
    *,
    order: Order,
    action: str,
    by,
    comment: str = "",
    expected_version: int | None = None,
    target: str | None = None,
) -> Order:
    """Lock the order, check the table and the user, change the state and record it."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if expected_version is not None and locked.version != expected_version:
        raise OrderChanged("The order changed since you opened it. Review it and try again.")
    transition = transition_for(locked, action)
    if transition is None:
        raise TransitionNotAllowed(
            f"Order {locked.number or ''} is {locked.get_status_display().lower()}: "
            f"it cannot be {action.replace('_', ' ')}ed now.".replace("  ", " ")
        )
    if not transition.allowed(by, locked):
        raise TransitionNotAllowed("You may not do that to this order.")
    if transition.comment_required and not comment.strip():
        raise TransitionNotAllowed("Please give a reason.")
    new_status = target or transition.target
    Order.objects.filter(pk=locked.pk).update(status=new_status, version=F("version") + 1)
    locked.refresh_from_db()
    order_event_add(
        order=locked,
        kind=action,
        by=by,
        comment=comment,
        from_status=transition.source,
        to_status=new_status,
    )
    return locked
