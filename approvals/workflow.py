"""The order state machine: every state change of an order goes through ``order_transition``.

``TRANSITIONS`` is the whole truth about which action moves an order from which state to
which, and which party takes it; ``approvals.permissions`` says who that party is for a given
order. Nothing else writes ``Order.status``: a database trigger (orders migration 0003)
refuses any other write.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from approvals.models import Approval
from approvals.notifications import notify_on_commit
from inventory.selectors import warehouse_of
from inventory.services import (
    InsufficientStock,
    StockError,
    stock_release,
    stock_reserve,
    stock_ship,
)
from portal.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from portal.orders.services import order_event_add

S = OrderStatus


class TransitionNotAllowed(Exception):
    """The action is not possible for this order now (a view answers 409)."""


class OrderChanged(TransitionNotAllowed):
    """The order changed after the user looked at it."""


class ActionForbidden(TransitionNotAllowed, PermissionDenied):
    """The user's role or relation to the order never lets them take the action, whatever
    its state (a view answers 403; as a ``PermissionDenied``, one that lets it through does)."""


class CommentMissing(TransitionNotAllowed):
    """The action needs a comment (a reason, what to change) and none was given: the
    person's input to complete (a view answers 400, with the message on the comment)."""


def display_name(user) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def standing_approvals(order: Order) -> list[Approval]:
    """The order's approvals that still count (uses a prefetch when there is one)."""
    if "approvals" in getattr(order, "_prefetched_objects_cache", {}):
        return [a for a in order.approvals.all() if a.voided_at is None]
    return list(order.approvals.filter(voided_at__isnull=True))


class Party(StrEnum):
    """Who takes a transition. ``approvals.permissions`` decides who that is for an order."""

    BUYER = "buyer"  # the person who placed the order
    DECIDER = "decider"  # an approver or admin of its company, other than its buyer
    WAREHOUSE = "warehouse"  # staff of the warehouse that holds its stock
    FINANCE = "finance"


class Stock(StrEnum):
    """What a transition does to the stock the order holds in its company's warehouse."""

    KEEP = "keep"
    RESERVE = "reserve"  # every line, or nothing (InsufficientStock)
    RELEASE = "release"  # back to available
    SHIP = "ship"  # out of the warehouse: on hand and reserved go down


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    targets: tuple[str, ...]
    party: Party
    label: str
    # What the person is told when they take this action without the comment it needs
    # ("" = no comment needed).
    comment_required: str = ""
    stock: Stock = Stock.KEEP

    @property
    def target(self) -> str:
        return self.targets[-1]


TRANSITIONS: tuple[Transition, ...] = (
    # The policy decides whether a submitted order waits for approval.
    Transition(
        "submit",
        S.DRAFT,
        (S.PENDING_APPROVAL, S.APPROVED),
        Party.BUYER,
        "Submit order",
        stock=Stock.RESERVE,
    ),
    # An approval that does not complete the order leaves it pending.
    Transition(
        "approve",
        S.PENDING_APPROVAL,
        (S.PENDING_APPROVAL, S.APPROVED),
        Party.DECIDER,
        "Approve",
    ),
    Transition(
        "reject",
        S.PENDING_APPROVAL,
        (S.REJECTED,),
        Party.DECIDER,
        "Reject",
        "Say why you reject the order: the buyer will read it.",
        stock=Stock.RELEASE,
    ),
    Transition(
        "request_changes",
        S.PENDING_APPROVAL,
        (S.DRAFT,),
        Party.DECIDER,
        "Request changes",
        "Say what should change: the buyer will read it.",
        stock=Stock.RELEASE,
    ),
    Transition(
        "edit", S.PENDING_APPROVAL, (S.DRAFT,), Party.BUYER, "Edit order", stock=Stock.RELEASE
    ),
    # A draft holds no stock: it gave its reservation back when it was reopened.
    Transition("cancel", S.DRAFT, (S.CANCELLED,), Party.BUYER, "Cancel order"),
    Transition(
        "cancel",
        S.PENDING_APPROVAL,
        (S.CANCELLED,),
        Party.BUYER,
        "Cancel order",
        stock=Stock.RELEASE,
    ),
    Transition(
        "cancel", S.APPROVED, (S.CANCELLED,), Party.BUYER, "Cancel order", stock=Stock.RELEASE
    ),
    Transition("ship", S.APPROVED, (S.SHIPPED,), Party.WAREHOUSE, "Mark shipped", stock=Stock.SHIP),
    # After shipping, cancelling is a correction of the invoice: a credit note.
    Transition(
        "cancel_shipped",
        S.SHIPPED,
        (S.CANCELLED,),
        Party.FINANCE,
        "Cancel and credit",
        "Cancel and credit needs a reason.",
    ),
)
ACTIONS = frozenset(t.action for t in TRANSITIONS)
# Every transition of one action is taken by the same party and needs the same comment.
PARTY_OF: dict[str, Party] = {t.action: t.party for t in TRANSITIONS}
COMMENT_REQUIRED: dict[str, str] = {t.action: t.comment_required for t in TRANSITIONS}
# An approver's decisions on a pending order, action -> label: the decision form's buttons.
DECISIONS: dict[str, str] = {t.action: t.label for t in TRANSITIONS if t.party == Party.DECIDER}


def past_tense(kind: str) -> str:
    """'sent back for changes' for ``request_changes``: the timeline's words, in a sentence."""
    return OrderEventKind(kind).label.lower()


def transition_for(order: Order, action: str) -> Transition | None:
    for transition in TRANSITIONS:
        if transition.action == action and transition.source == order.status:
            return transition
    return None


def last_change(order: Order, after_version: int | None = None) -> str:
    """'rejected by acme.admin at 14:02': who moved the order last (after a version)."""
    events = OrderEvent.objects.filter(order=order, kind__in=ACTIONS)
    if after_version is not None:
        events = events.filter(order_version__gt=after_version)
        event = events.select_related("actor").order_by("pk").first()
    else:
        event = events.select_related("actor").order_by("-pk").first()
    if event is None:
        return ""
    when = timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M")
    return f"{past_tense(event.kind)} by {display_name(event.actor)} at {when}"


def _refuse_stale(order: Order, action: str, expected_version: int | None) -> None:
    if expected_version is not None and order.version != expected_version:
        change = last_change(order, expected_version)
        raise OrderChanged(
            f"Order changed: {order.number} was {change} after you opened it."
            if change
            else f"Order changed: {order.number} was edited after you opened it. "
            "Review it and try again."
        )
    if transition_for(order, action) is None:
        change = last_change(order)
        state = order.get_status_display().lower()
        raise TransitionNotAllowed(
            f"Order {order.number or ''} is {state}"
            + (f" ({change})" if change else "")
            + f": it cannot be {past_tense(action)} now."
        )


@transaction.atomic
def order_transition(
    *,
    order: Order,
    action: str,
    by,
    comment: str = "",
    expected_version: int | None = None,
    effect: Callable[[Order], str] | None = None,
) -> Order:
    """Lock the order, check the table, the user and the version, change the state, record it.

    ``effect`` runs after every check, under the lock; it does the action's own writes
    (an approval, a requirement) and returns the target state when there is a choice.
    Notifications are queued to go out after the transaction commits.
    """
    # Imported here: the permissions read this module's table, and this function asks them.
    from approvals.permissions import require_order_action

    if action not in ACTIONS:
        raise TransitionNotAllowed(f"Unknown action {action!r}.")
    # What the person typed is checked first, as a form would: it needs nothing from the
    # database, and whatever else is refused, they will have to write it anyway.
    comment = comment.strip()
    if COMMENT_REQUIRED[action] and not comment:
        raise CommentMissing(COMMENT_REQUIRED[action])
    # Lock the order row only (not the joined company and buyer rows).
    locked = (
        Order.objects.select_for_update(of=("self",))
        .select_related("company", "buyer")
        .get(pk=order.pk)
    )
    _refuse_stale(locked, action, expected_version)
    transition = transition_for(locked, action)
    require_order_action(by, locked, action)

    target = effect(locked) if effect else transition.target
    if target not in transition.targets:
        raise TransitionNotAllowed(f"{action} cannot lead to {target}.")
    with connection.cursor() as cursor:
        # The status trigger lets this one statement through and nothing else.
        cursor.execute("SELECT set_config('portal.order_transition', 'on', true)")
        Order.objects.filter(pk=locked.pk).update(status=target, version=F("version") + 1)
        cursor.execute("SELECT set_config('portal.order_transition', '', true)")
    locked.refresh_from_db()
    event = order_event_add(
        order=locked,
        kind=action,
        by=by,
        comment=comment,
        from_status=transition.source,
        to_status=target,
    )
    # Stock rows are locked last, so that orders sharing products queue on them only for
    # the end of their transactions.
    stock_note = _move_stock(locked, transition.stock, by)
    if stock_note:
        order_event_add(order=locked, by=by, **stock_note)
    notify_on_commit(event)
    return locked


def _move_stock(order: Order, step: Stock, by) -> dict | None:
    """Carry out a transition's stock step; returns the timeline event that records it."""
    if step == Stock.KEEP:
        return None
    if step == Stock.RELEASE:
        moved = stock_release(order=order, by=by)
        if not moved:
            return None
        return {
            "kind": OrderEventKind.STOCK_RELEASED,
            "comment": f"{_units(moved)} back to {moved[0].stock.warehouse.code}",
        }
    warehouse = warehouse_of(order.company)
    lines = [(line.product, line.quantity) for line in order.lines.select_related("product")]
    if step == Stock.SHIP:
        try:
            stock_ship(order=order, by=by, warehouse=warehouse, lines=lines)
        except InsufficientStock as short:
            shortages = "; ".join(f"{s.sku}: {s}" for s in short.shortages)
            raise TransitionNotAllowed(f"{order.number} cannot be shipped: {shortages}") from None
        return None
    if warehouse is None:
        raise StockError(
            f"No warehouse supplies {order.company.legal_name} yet, so nothing can be "
            "reserved. Please contact us."
        )
    moved = stock_reserve(order=order, warehouse=warehouse, lines=lines, by=by)
    return {
        "kind": OrderEventKind.STOCK_RESERVED,
        "comment": f"{_units(moved)} in {warehouse.code}",
    }


def _units(movements) -> str:
    """'3 lines, 42 units' for the timeline."""
    units = sum(abs(m.reserved_change) for m in movements)
    lines = len(movements)
    return f"{lines} line{'s' if lines != 1 else ''}, {units} unit{'s' if units != 1 else ''}"
