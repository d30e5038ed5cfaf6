"""Receipts, adjustments, reservations, releases and shipments, each in the ledger."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from approvals.models import ApprovalThreshold
from approvals.services import (
    Checkout,
    OrderInvalid,
    TransitionNotAllowed,
    order_approve,
    order_cancel,
    order_edit,
    order_reject,
    order_request_changes,
    order_ship,
    order_submit,
)
from inventory.models import MovementKind, StockLevel, StockMovement
from inventory.selectors import reserved_for
from inventory.services import (
    MAX_MOVE,
    StockError,
    stock_adjust,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_ship,
)
from portal.accounts.models import Membership
from portal.catalog.models import Product
from portal.orders.models import Order, OrderLine, OrderStatus
from portal.orders.services import cart_add_many, cart_get_or_create, order_number_next
from tests.inventory.conftest import level, place, set_on_hand, user
from tests.ordering import submit

pytestmark = pytest.mark.django_db


def bolts():
    return Product.objects.get(sku="BOLT-M8-50")


def movements(order: Order) -> list[tuple[str, int, int]]:
    return list(
        StockMovement.objects.filter(order=order)
        .order_by("pk")
        .values_list("kind", "on_hand_change", "reserved_change")
    )


def holding_nothing() -> Order:
    """An order that holds no stock (placed, then cancelled), to reserve for directly."""
    order = place("acme.buyer", [("NUT-M8", 1)])
    return order_cancel(order=order, by=user("acme.buyer"))


def ledger() -> str:
    out = io.StringIO()
    call_command("check_stock_ledger", stdout=out)
    return out.getvalue()


# -- receipts and adjustments ---------------------------------------------------------


def test_a_receipt_adds_to_on_hand_and_is_one_movement_with_who_and_why(north):
    # given NORTH's bolts
    before = level("NORTH", "BOLT-M8-50")
    clerk = user("warehouse.north")

    # when 100 boxes arrive
    movement = stock_receive(
        product=bolts(), warehouse=north, quantity=100, reason="PO 4711 from Würth", by=clerk
    )

    # then on hand and available grow by 100, and the movement says who, why and the result
    after = level("NORTH", "BOLT-M8-50")
    assert after.on_hand == before.on_hand + 100
    assert after.available == before.available + 100
    assert after.reserved == before.reserved
    assert (movement.kind, movement.quantity, movement.user, movement.reason) == (
        MovementKind.RECEIPT,
        100,
        clerk,
        "PO 4711 from Würth",
    )
    assert (movement.on_hand_after, movement.reserved_after) == (after.on_hand, after.reserved)


@pytest.mark.parametrize(
    ("quantity", "reason", "message"),
    [
        (0, "Delivery", "between 1 and 1,000,000"),
        (-5, "Delivery", "between 1 and 1,000,000"),
        (MAX_MOVE + 1, "Delivery", "between 1 and 1,000,000"),
        (10, "   ", "a reason is required"),
        (10, "x" * 201, "200 characters"),
    ],
)
def test_a_bad_receipt_is_refused_with_a_reason_and_writes_nothing(
    north, quantity, reason, message
):
    before = level("NORTH", "BOLT-M8-50")
    count = StockMovement.objects.count()

    with pytest.raises(StockError, match=message):
        stock_receive(
            product=bolts(),
            warehouse=north,
            quantity=quantity,
            reason=reason,
            by=user("warehouse.north"),
        )

    assert level("NORTH", "BOLT-M8-50").on_hand == before.on_hand
    assert StockMovement.objects.count() == count


def test_a_product_new_to_a_warehouse_gets_its_level_on_its_first_receipt(north):
    # given a product NORTH has never held
    nut = Product.objects.get(sku="NUT-M8")
    new = Product.objects.create(sku="NUT-M10", name="Hex nut M10", category=nut.category)

    stock_receive(
        product=new,
        warehouse=north,
        quantity=40,
        reason="First delivery",
        by=user("warehouse.north"),
    )

    assert (level("NORTH", "NUT-M10").on_hand, level("NORTH", "NUT-M10").reserved) == (40, 0)


def test_an_adjustment_cannot_take_on_hand_below_what_orders_hold(north):
    # given 30 drills on hand, 10 of them reserved by a pending order
    set_on_hand("NORTH", "DRILL-18V", 30)
    place("acme.buyer", [("DRILL-18V", 10)])
    drill = Product.objects.get(sku="DRILL-18V")

    # when the count goes down by 25, then it is refused: at most 20 may go
    with pytest.raises(StockError, match="can go down by at most 20"):
        stock_adjust(
            product=drill, warehouse=north, change=-25, reason="Count", by=user("warehouse.north")
        )
    assert (level("NORTH", "DRILL-18V").on_hand, level("NORTH", "DRILL-18V").reserved) == (30, 10)

    # and down by 20 is fine: nothing is left available, the reservation stands
    stock_adjust(
        product=drill, warehouse=north, change=-20, reason="Broken", by=user("warehouse.north")
    )
    after = level("NORTH", "DRILL-18V")
    assert (after.on_hand, after.reserved, after.available) == (10, 10, 0)


def test_an_adjustment_of_nothing_is_refused(north):
    with pytest.raises(StockError, match="1 to 1,000,000 units"):
        stock_adjust(
            product=bolts(), warehouse=north, change=0, reason="Count", by=user("warehouse.north")
        )


# -- the database guards the ledger ---------------------------------------------------


def test_the_database_refuses_to_change_or_delete_a_movement(north):
    movement = stock_receive(
        product=bolts(), warehouse=north, quantity=5, reason="Delivery", by=None
    )

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).update(reason="Something else")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).delete()

    assert StockMovement.objects.get(pk=movement.pk).reason == "Delivery"


def test_the_database_keeps_reserved_between_zero_and_on_hand():
    stock = level("NORTH", "BOLT-M8-50")

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=stock.pk).update(reserved=stock.on_hand + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=stock.pk).update(reserved=-1)


def test_a_movement_must_move_as_its_kind_says(north):
    stock = level("NORTH", "BOLT-M8-50")

    # a "receipt" that takes units away is refused
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            stock=stock,
            kind=MovementKind.RECEIPT,
            on_hand_change=-3,
            reserved_change=0,
            on_hand_after=stock.on_hand - 3,
            reserved_after=stock.reserved,
            reason="Oops",
        )
    # and a reservation that names no order is refused
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            stock=stock,
            kind=MovementKind.RESERVATION,
            on_hand_change=0,
            reserved_change=3,
            on_hand_after=stock.on_hand,
            reserved_after=stock.reserved + 3,
        )


def test_check_stock_ledger_passes_then_fails_on_a_hand_corrupted_level_then_passes_again():
    # given the demo stock, moved only by the services
    assert "Stock ledger balances" in ledger()

    # when someone edits a level by hand, bypassing the services
    stock = level("NORTH", "BOLT-M8-50")
    StockLevel.objects.filter(pk=stock.pk).update(on_hand=stock.on_hand + 7)

    # then the check fails and names the level and both figures
    errors = io.StringIO()
    with pytest.raises(CommandError, match="1 stock level differs from the sum"):
        call_command("check_stock_ledger", stdout=io.StringIO(), stderr=errors)
    assert f"NORTH BOLT-M8-50 (stock {stock.pk}): on hand {stock.on_hand + 7}" in errors.getvalue()
    assert f"movements say {stock.on_hand}" in errors.getvalue()

    # and once the level is put right, it passes again
    StockLevel.objects.filter(pk=stock.pk).update(on_hand=stock.on_hand)
    assert "Stock ledger balances" in ledger()


def test_check_stock_ledger_exits_with_status_1_when_it_fails():
    """The exit status is what a cron job or a deploy script sees."""
    stock = level("SOUTH", "NUT-M8")
    StockLevel.objects.filter(pk=stock.pk).update(reserved=stock.reserved + 1)

    with pytest.raises(CommandError) as failed:
        call_command("check_stock_ledger", stdout=io.StringIO(), stderr=io.StringIO())

    assert failed.value.returncode == 1
    StockLevel.objects.filter(pk=stock.pk).update(reserved=stock.reserved)


# -- orders: all or nothing, and every change of hold in the ledger -----------------------


def test_a_short_line_reserves_nothing_and_says_which_line_and_how_many(north):
    # given NORTH holds 4 drills and plenty of bolts
    set_on_hand("NORTH", "DRILL-18V", 4)
    bolts_before = level("NORTH", "BOLT-M8-50")

    # when acme.buyer submits 6 drills and 20 bolts
    with pytest.raises(OrderInvalid) as refused:
        place("acme.buyer", [("BOLT-M8-50", 20), ("DRILL-18V", 6)])

    # then the drill line is named with what is available, and nothing at all is reserved
    assert "Not enough stock for DRILL-18V" in str(refused.value)
    assert list(refused.value.line_errors.values()) == [
        ["Only 4 available in NORTH; you asked for 6."]
    ]
    assert level("NORTH", "BOLT-M8-50").reserved == bolts_before.reserved
    assert level("NORTH", "DRILL-18V").reserved == 0
    # and the cart is still a draft the buyer can fix
    cart = Order.objects.get(buyer__username="acme.buyer", number__isnull=True)
    assert cart.status == OrderStatus.DRAFT
    assert not StockMovement.objects.filter(order=cart).exists()


def test_an_out_of_stock_line_says_so(north):
    set_on_hand("NORTH", "DRILL-18V", 0)

    with pytest.raises(OrderInvalid) as refused:
        place("acme.buyer", [("DRILL-18V", 2)])

    assert list(refused.value.line_errors.values()) == [["Out of stock in NORTH; you asked for 2."]]


def test_submit_reserves_and_each_exit_from_waiting_releases_in_the_ledger():
    manager, buyer = user("acme.manager"), user("acme.buyer")
    drills = [("DRILL-18V", 10)]  # 1,190.00: waits for one approval

    rejected = place("acme.buyer", drills)
    order_reject(order=rejected, by=manager, expected_version=rejected.version, reason="No")

    sent_back = place("acme.buyer", drills)
    order_request_changes(
        order=sent_back, by=manager, expected_version=sent_back.version, comment="Fewer"
    )

    reopened = place("acme.buyer", drills)
    order_edit(order=reopened, by=buyer)

    cancelled = place("acme.buyer", drills)
    order_cancel(order=cancelled, by=buyer)

    approved_then_cancelled = place("acme.buyer", drills)
    approved_then_cancelled = order_approve(
        order=approved_then_cancelled, by=manager, expected_version=approved_then_cancelled.version
    )
    order_cancel(order=approved_then_cancelled, by=buyer)

    for order in (rejected, sent_back, reopened, cancelled, approved_then_cancelled):
        assert movements(order) == [
            (MovementKind.RESERVATION, 0, 10),
            (MovementKind.RELEASE, 0, -10),
        ], order.number
        assert reserved_for(order) == {}
    assert level("NORTH", "DRILL-18V").reserved == 0


def test_shipping_consumes_the_reservation():
    # given an approved order of 10 drills
    before = level("NORTH", "DRILL-18V")
    order = place("acme.buyer", [("DRILL-18V", 10)])
    order = order_approve(order=order, by=user("acme.manager"), expected_version=order.version)
    assert level("NORTH", "DRILL-18V").available == before.available - 10

    # when warehouse.north ships it
    order_ship(order=order, by=user("warehouse.north"))

    # then the 10 left the warehouse: on hand down, nothing held, the ledger says so
    after = level("NORTH", "DRILL-18V")
    assert (after.on_hand, after.reserved) == (before.on_hand - 10, before.reserved)
    assert movements(order) == [
        (MovementKind.RESERVATION, 0, 10),
        (MovementKind.SHIPMENT, -10, -10),
    ]
    shipment = StockMovement.objects.filter(order=order).latest("pk")
    assert shipment.user == user("warehouse.north")


def test_a_reopened_order_reserves_again_at_its_new_quantities():
    # given a pending order of 10 drills, reopened and cut to 4
    order = place("acme.buyer", [("DRILL-18V", 10)])
    order = order_edit(order=order, by=user("acme.buyer"))
    order.lines.update(quantity=4)

    # when it is submitted again
    submit(order, by=user("acme.buyer"))

    # then it holds exactly the 4 it now asks for
    assert sum(reserved_for(order).values()) == 4


def test_an_order_cannot_reserve_twice(north):
    order = place("acme.buyer", [("NUT-M8", 1)])

    with pytest.raises(StockError, match="already holds stock"):
        stock_reserve(order=order, warehouse=north, lines=[(bolts(), 1)], by=None)

    assert sum(reserved_for(order).values()) == 1


def test_a_company_without_a_warehouse_cannot_submit():
    # given Acme has no warehouse assigned any more
    from inventory.models import CompanyWarehouse

    CompanyWarehouse.objects.filter(company__code="acme").delete()

    with pytest.raises(OrderInvalid, match="No warehouse supplies Acme Hardware GmbH"):
        place("acme.buyer", [("NUT-M8", 1)])


def submit_counting_queries(products) -> tuple[Order, int]:
    """Fill acme.buyer's cart with one of each product, then submit it, counting queries."""
    buyer = user("acme.buyer")
    company = buyer.membership.company
    cart = cart_get_or_create(buyer=buyer, company=company)
    cart_add_many(cart=cart, items=[(p, p.min_qty) for p in products], by=buyer)
    checkout = Checkout(
        po_number="",
        ship_to=company.addresses.filter(is_shipping=True).first(),
        requested_delivery_date=None,
        note="",
    )
    with CaptureQueriesContext(connection) as queries:
        order = order_submit(token=cart.checkout_token, by=buyer, checkout=checkout)
    return order, len(queries)


def test_a_submit_reserves_2_or_80_lines_in_the_same_number_of_queries(north):
    # given Acme approves every order on submission (no thresholds, no budget), and 80
    # products NORTH holds plenty of
    ApprovalThreshold.objects.filter(policy__company__code="acme").delete()
    Membership.objects.filter(user__username="acme.buyer").update(monthly_budget=None)
    products = list(
        Product.objects.filter(
            stock__warehouse=north, stock__available__gte=F("min_qty") * 2, max_qty__isnull=True
        ).order_by("pk")[:80]
    )
    assert len(products) == 80

    # when an order of 2 lines and one of 80 are submitted
    two, with_two = submit_counting_queries(products[:2])
    eighty, with_eighty = submit_counting_queries(products)

    # then both reserved every line, in the same number of queries
    assert len(reserved_for(two)) == 2 and len(reserved_for(eighty)) == 80
    assert with_two == with_eighty


def approved_before_stock_was_reserved(lines) -> Order:
    """An approved order as the portal wrote it before orders reserved stock: no movements.

    Written the way that version did, with the status set under the workflow's permit.
    """
    buyer = user("acme.buyer")
    order = Order.objects.create(
        number=order_number_next(),
        company=buyer.membership.company,
        buyer=buyer,
        currency="EUR",
    )
    for sku, quantity in lines:
        product = Product.objects.get(sku=sku)
        unit_price = Decimal("10.00")
        OrderLine.objects.create(
            order=order,
            product=product,
            quantity=quantity,
            sku=sku,
            name=product.name,
            unit_price=unit_price,
            line_total=unit_price * quantity,
            tax_rate=product.tax_rate,
            tax=unit_price * quantity * product.tax_rate / 100,
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('portal.order_transition', 'on', true)")
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.APPROVED)
        cursor.execute("SELECT set_config('portal.order_transition', '', true)")
    order.refresh_from_db()
    return order


def test_an_order_approved_before_reservations_takes_its_stock_when_shipped():
    order = approved_before_stock_was_reserved([("BOLT-M8-50", 7)])
    before = level("NORTH", "BOLT-M8-50")

    order_ship(order=order, by=user("warehouse.north"))

    after = level("NORTH", "BOLT-M8-50")
    assert (after.on_hand, after.reserved) == (before.on_hand - 7, before.reserved)
    assert movements(order) == [
        (MovementKind.RESERVATION, 0, 7),
        (MovementKind.SHIPMENT, -7, -7),
    ]


def test_an_order_approved_before_reservations_is_not_shipped_from_stock_that_is_not_there():
    set_on_hand("NORTH", "DRILL-18V", 3)
    order = approved_before_stock_was_reserved([("DRILL-18V", 5)])

    with pytest.raises(TransitionNotAllowed, match="Only 3 available in NORTH; you asked for 5"):
        order_ship(order=order, by=user("warehouse.north"))

    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED
    assert movements(order) == []


def test_stock_steps_follow_the_order_state():
    # an approved order holds stock: calling the services cannot ship or release it
    order = place("acme.buyer", [("NUT-M8", 1)])
    with pytest.raises(StockError, match="approved: no stock to ship"):
        stock_ship(order=order, by=None)
    with pytest.raises(StockError, match="approved: no stock to release"):
        stock_release(order=order, by=None)
    # and a cancelled one cannot reserve again
    order = order_cancel(order=order, by=user("acme.buyer"))
    with pytest.raises(StockError, match="cancelled: no stock to reserve"):
        stock_reserve(order=order, warehouse=level("NORTH", "NUT-M8").warehouse, lines=[], by=None)
    assert reserved_for(order) == {}
