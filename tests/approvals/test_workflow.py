"""The state machine over every (state x action x role): what is allowed works, the rest
is refused with a reason and changes nothing."""

import pytest

from approvals.services import (
    Checkout,
    order_approve,
    order_cancel,
    order_cancel_shipped,
    order_edit,
    order_reject,
    order_request_changes,
    order_ship,
    order_submit,
)
from approvals.workflow import TRANSITIONS, TransitionNotAllowed, order_transition
from inventory.models import StockLevel
from inventory.selectors import reserved_for
from portal.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from tests.approvals.conftest import place, user

pytestmark = pytest.mark.django_db

S = OrderStatus
STATES = [S.DRAFT, S.PENDING_APPROVAL, S.APPROVED, S.SHIPPED, S.REJECTED, S.CANCELLED]
ACTIONS = [
    "submit",
    "approve",
    "reject",
    "request_changes",
    "edit",
    "cancel",
    "ship",
    "cancel_shipped",
]
# The order is acme.buyer's; each role is a demo person.
ROLES = {
    "its buyer": "acme.buyer",
    "approver": "acme.manager",
    "company admin": "acme.admin",
    "other company's approver": "borealis.manager",
    "its warehouse": "warehouse.north",
    "other warehouse": "warehouse.south",
    "finance": "finance",
    "operator": "admin",
}
DECIDERS = {"approver", "company admin"}

# (state, action) -> (roles allowed, the state it leads to)
ALLOWED = {
    (S.DRAFT, "submit"): ({"its buyer"}, S.PENDING_APPROVAL),
    (S.DRAFT, "cancel"): ({"its buyer"}, S.CANCELLED),
    (S.PENDING_APPROVAL, "approve"): (DECIDERS, S.APPROVED),
    (S.PENDING_APPROVAL, "reject"): (DECIDERS, S.REJECTED),
    (S.PENDING_APPROVAL, "request_changes"): (DECIDERS, S.DRAFT),
    (S.PENDING_APPROVAL, "edit"): ({"its buyer"}, S.DRAFT),
    (S.PENDING_APPROVAL, "cancel"): ({"its buyer"}, S.CANCELLED),
    (S.APPROVED, "cancel"): ({"its buyer"}, S.CANCELLED),
    (S.APPROVED, "ship"): ({"its warehouse"}, S.SHIPPED),
    (S.SHIPPED, "cancel_shipped"): ({"finance"}, S.CANCELLED),
}

CASES = [(state, action, role) for state in STATES for action in ACTIONS for role in ROLES]
# An order holds its lines' stock while it waits for approval and once approved.
HOLDS_STOCK = {S.PENDING_APPROVAL, S.APPROVED}
DRILLS = 10


def order_in(state: str) -> Order:
    """acme.buyer's 1,190.00 order (one approval needed), brought to ``state`` by the services."""
    order = place("acme.buyer", (("DRILL-18V", DRILLS),), po="PO-TABLE")
    assert order.status == S.PENDING_APPROVAL
    manager = user("acme.manager")
    if state == S.DRAFT:
        order = order_edit(order=order, by=user("acme.buyer"))
    elif state in (S.APPROVED, S.SHIPPED):
        order = order_approve(order=order, by=manager, expected_version=order.version)
        if state == S.SHIPPED:
            order = order_ship(order=order, by=user("warehouse.north"))
    elif state == S.REJECTED:
        order = order_reject(
            order=order, by=manager, expected_version=order.version, reason="Not now."
        )
    elif state == S.CANCELLED:
        order = order_cancel(order=order, by=user("acme.buyer"))
    assert order.status == state
    return order


def take(action: str, order: Order, by) -> Order:
    """The service a person's click ends in, with whatever text the action asks for."""
    version = order.version
    if action == "submit":
        checkout = Checkout(
            po_number=order.po_number,
            ship_to=order.ship_to,
            requested_delivery_date=None,
            note="",
        )
        return order_submit(token=order.checkout_token, by=by, checkout=checkout)
    if action == "approve":
        return order_approve(order=order, by=by, expected_version=version)
    if action == "reject":
        return order_reject(order=order, by=by, expected_version=version, reason="Too many.")
    if action == "request_changes":
        return order_request_changes(
            order=order, by=by, expected_version=version, comment="Fewer, please."
        )
    if action == "edit":
        return order_edit(order=order, by=by)
    if action == "cancel":
        return order_cancel(order=order, by=by, comment="Not needed.")
    if action == "cancel_shipped":
        return order_cancel_shipped(order=order, by=by, reason="Returned unopened.")
    return order_ship(order=order, by=by)


def held(order: Order) -> int:
    return sum(reserved_for(order).values())


def drills_on_hand() -> int:
    return StockLevel.objects.get(warehouse__code="NORTH", product__sku="DRILL-18V").on_hand


def test_the_table_declares_every_allowed_transition_and_no_other():
    declared = {(t.source, t.action) for t in TRANSITIONS}
    assert declared == set(ALLOWED)
    for transition in TRANSITIONS:
        assert ALLOWED[(transition.source, transition.action)][1] in transition.targets


@pytest.mark.parametrize(("state", "action", "role"), CASES)
def test_state_action_role(state, action, role):
    # given acme.buyer's order in `state`
    order = order_in(state)
    events_before = OrderEvent.objects.filter(order=order).count()
    last_event = OrderEvent.objects.filter(order=order).latest("pk").pk
    held_before, on_hand_before = held(order), drills_on_hand()
    assert held_before == (DRILLS if state in HOLDS_STOCK else 0)
    by = user(ROLES[role])
    allowed_roles, leads_to = ALLOWED.get((state, action), (set(), None))

    if role in allowed_roles:
        # when someone allowed takes the action, then the order moves and one event says so
        moved = take(action, order, by)
        assert moved.status == leads_to
        event, *stock_events = OrderEvent.objects.filter(order=order, pk__gt=last_event)
        assert (event.kind, event.from_status, event.to_status, event.actor) == (
            action,
            state,
            leads_to,
            by,
        )
        assert event.order_version == moved.version
        # and the order holds stock exactly while it waits or is approved; shipping takes
        # the held units out of the warehouse, every other change of hold is on the timeline
        held_after = DRILLS if leads_to in HOLDS_STOCK else 0
        assert held(order) == held_after
        shipped = DRILLS if action == "ship" else 0
        assert drills_on_hand() == on_hand_before - shipped
        if held_after > held_before:
            assert [e.kind for e in stock_events] == [OrderEventKind.STOCK_RESERVED]
        elif held_after < held_before and not shipped:
            assert [e.kind for e in stock_events] == [OrderEventKind.STOCK_RELEASED]
        else:
            assert stock_events == []
        return

    # when anyone else tries (through the one transition service, as every view does)
    with pytest.raises(TransitionNotAllowed) as refused:
        order_transition(
            order=order,
            action=action,
            by=by,
            comment="Because.",
            expected_version=order.version,
        )

    # then they are told why, and nothing about the order changed
    message = str(refused.value)
    assert len(message) > 20, message
    if (state, action) not in ALLOWED:
        assert f"is {order.get_status_display().lower()}" in message
        assert "cannot be" in message
    elif action in ("approve", "reject", "request_changes"):
        assert (
            "do not approve orders for Acme Hardware GmbH" in message
            or "you placed this order" in message.lower()
        ), message
    elif action == "ship":
        assert "warehouse that holds this order's stock" in message
    elif action == "cancel_shipped":
        assert message == "Only finance can cancel a shipped order: its invoice is credited."
    else:
        assert message == "Only acme.buyer, who placed the order, can do that."
    fresh = Order.objects.get(pk=order.pk)
    assert (fresh.status, fresh.version) == (order.status, order.version)
    assert OrderEvent.objects.filter(order=order).count() == events_before
    assert (held(order), drills_on_hand()) == (held_before, on_hand_before)


def test_a_cart_is_not_an_order_to_cancel():
    # given acme.buyer's cart with a line
    from portal.catalog.models import Product
    from portal.orders.services import cart_add, cart_get_or_create

    buyer = user("acme.buyer")
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    cart_add(cart=cart, product=Product.objects.get(sku="NUT-M8"), quantity=1, by=buyer)

    # when the buyer tries to cancel it, then it is refused: a cart is emptied, not cancelled
    with pytest.raises(TransitionNotAllowed, match=r"This is your cart, not an order\."):
        order_cancel(order=cart, by=buyer)


def test_an_unknown_action_is_refused():
    order = order_in(S.PENDING_APPROVAL)
    with pytest.raises(TransitionNotAllowed, match="Unknown action 'archive'"):
        order_transition(order=order, action="archive", by=user("acme.admin"))
