"""Orders placed before each order kept where its stock is reserved ship from where they did."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from approvals.services import Checkout, order_approve, order_edit, order_submit
from inventory.models import CompanyWarehouse, Warehouse
from inventory.permissions import orders_to_pick
from portal.orders.models import Order
from tests.invoices.conftest import approved
from tests.ordering import place, user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

BEFORE = [("orders", "0009_event_actor_at")]
AFTER = [("orders", "0010_order_reserved_in")]


def migrate(targets):
    # The test's writes leave checks deferred to its commit, which would refuse to alter
    # their tables: they are made now.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def supplied_from(company_code: str, warehouse_code: str) -> None:
    CompanyWarehouse.objects.filter(company__code=company_code).update(
        warehouse=Warehouse.objects.get(code=warehouse_code)
    )


def submit_again(order: Order) -> Order:
    order = order_edit(order=order, by=user("acme.buyer"))
    return order_submit(
        token=order.checkout_token,
        by=user("acme.buyer"),
        checkout=Checkout(
            po_number="",
            ship_to=order.company.addresses.filter(is_shipping=True).first(),
            requested_delivery_date=None,
            note="",
        ),
    )


def picks(username: str) -> set[str]:
    return set(orders_to_pick(user(username)).values_list("number", flat=True))


def test_orders_placed_before_ship_from_the_warehouse_of_their_latest_reservation():
    # given an approved order reserved in NORTH, and one reserved in NORTH, then reopened
    # and reserved again in SOUTH once Acme was supplied from there, and approved
    stays = approved("acme.buyer", [("BOLT-M8-50", 5)])
    moved = place("acme.buyer", [("DRILL-18V", 10)])
    supplied_from("acme", "SOUTH")
    moved = submit_again(moved)
    order_approve(order=moved, by=user("acme.manager"), expected_version=moved.version)
    # and Acme supplied from NORTH again, and the orders as the schema before kept them
    supplied_from("acme", "NORTH")
    migrate(BEFORE)

    # when the migration runs
    migrate(AFTER)

    # then each is picked where its stock is held, whatever Acme's warehouse is now
    assert picks("warehouse.north") & {stays.number, moved.number} == {stays.number}
    assert picks("warehouse.south") & {stays.number, moved.number} == {moved.number}
