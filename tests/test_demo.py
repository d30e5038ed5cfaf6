"""The demo seed: every product stocked in both warehouses, the history holding its stock."""

import pytest

from inventory.models import StockLevel, StockMovement
from inventory.selectors import StockStatus, availability_of, reserved_for
from portal.catalog.models import Product
from portal.demo import seed_demo
from portal.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


def test_every_product_has_stock_in_north_and_south_some_low_some_out():
    for code in ("NORTH", "SOUTH"):
        levels = StockLevel.objects.filter(warehouse__code=code)
        assert levels.count() == Product.objects.count()
        statuses = {availability_of(level).status for level in levels}
        assert statuses == {StockStatus.IN_STOCK, StockStatus.LOW, StockStatus.OUT}, code


def test_the_order_history_holds_and_consumes_stock_as_its_states_say():
    # when the demo's order history is placed (the tests' own demo leaves it out)
    made = seed_demo(products_per_category=15, orders=True)
    assert made == 9

    # then waiting and approved orders hold exactly their lines, the rest hold nothing
    for order in Order.objects.filter(number__isnull=False).prefetch_related("lines"):
        held = sum(reserved_for(order).values())
        if order.status in (OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED):
            assert held == sum(line.quantity for line in order.lines.all()), order.number
        else:
            assert held == 0, order.number
    # and the shipped one took its drills out of NORTH
    shipped = Order.objects.get(status=OrderStatus.SHIPPED)
    assert list(
        StockMovement.objects.filter(order=shipped, kind="shipment").values_list(
            "stock__warehouse__code", "stock__product__sku", "on_hand_change"
        )
    ) == [("NORTH", "DRILL-18V", -12)]


def test_seeding_again_changes_no_stock():
    seed_demo(products_per_category=15, orders=True)
    movements = StockMovement.objects.count()

    seed_demo(products_per_category=15, orders=True)

    assert StockMovement.objects.count() == movements
