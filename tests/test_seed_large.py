"""bench/seed_large.py at a tiny scale: the data set it makes holds together for the people
the benchmarks sign in, who order, ship and invoice on it."""

import io
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

from approvals.services import order_ship
from inventory.permissions import orders_to_pick, warehouses_visible_to
from inventory.selectors import reserved_for
from portal.invoices.models import DocumentCounter, Invoice
from portal.orders.models import Order, OrderLineCount, OrderStatus
from portal.orders.permissions import orders_visible_to
from portal.orders.selectors import cart_line_count
from tests.ordering import place, user

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "seed_large.py"
SCALE = 0.002
ORDERS, ACME_ORDERS = round(100_000 * SCALE), round(10_000 * SCALE)


def server(settings_dict: dict) -> psycopg.Connection:
    params = {
        "host": settings_dict["HOST"],
        "port": settings_dict["PORT"],
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"],
    }
    return psycopg.connect(
        dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}
    )


@pytest.fixture
def large(django_db_blocker, tmp_path):
    """A database the generator made at ``SCALE``, which Django uses during the test; it is
    dropped afterwards.

    It starts as a copy of the test database, migrated already, so that the test does not
    spend half a minute migrating one more; the generator keeps it (``--keep``), lets the
    demo converge and generates the rest.
    """
    settings_dict = connection.settings_dict
    test_database = settings_dict["NAME"]
    name = f"seed_large_test_{os.getpid()}"
    with django_db_blocker.unblock():
        connection.close()  # a database with sessions on it cannot be copied
    with server(settings_dict) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        try:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{test_database}"')
            keep = ["--keep"]
        except psycopg.errors.ObjectInUse:
            keep = []  # someone else is in the test database: the generator migrates its own
        try:
            made = subprocess.run(
                [sys.executable, SCRIPT, "--database", name, "--scale", str(SCALE), *keep],
                capture_output=True,
                text=True,
                env={**os.environ, "MEDIA_ROOT": str(tmp_path / "media")},
                timeout=300,
            )
            assert made.returncode == 0, made.stdout + made.stderr
            settings_dict["NAME"] = name
            ContentType.objects.clear_cache()  # its ids are the test database's
            with django_db_blocker.unblock():
                yield made.stdout
        finally:
            with django_db_blocker.unblock():
                connection.close()
            settings_dict["NAME"] = test_database
            ContentType.objects.clear_cache()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Transactional: the test database is copied, which no open transaction may hold.
@pytest.mark.django_db(transaction=True)
def test_the_large_data_set_holds_together_for_the_people_using_it(large):
    # given the data set at a tiny scale
    admin = user("acme.admin")
    acme_orders = Order.objects.filter(company=admin.membership.company, number__isnull=False)

    # then acme.admin signs in with the demo's password and sees Acme's orders, the
    # generated ones with the demo's
    assert admin.check_password("portal-demo")
    assert acme_orders.count() == ACME_ORDERS
    assert set(orders_visible_to(admin).values_list("pk", flat=True)) == set(
        acme_orders.values_list("pk", flat=True)
    )
    # and acme.buyer's cart is empty, for the benchmarks to fill
    assert cart_line_count(user("acme.buyer")) == 0
    # and waiting and approved orders hold exactly their lines, the others nothing
    orders = Order.objects.filter(number__isnull=False).prefetch_related("lines")
    assert len(orders) == ORDERS
    counts = dict(OrderLineCount.objects.values_list("order_id", "lines"))
    for order in orders:
        assert counts[order.pk] == len(order.lines.all()), order.number
        held = sum(reserved_for(order).values())
        if order.status in (OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED):
            assert held == sum(line.quantity for line in order.lines.all()), order.number
        else:
            assert held == 0, order.number
    # and each approved order is on the pick list of the warehouse it reserved in, its
    # company's, as the reservation service records it
    waiting = Order.objects.filter(status=OrderStatus.APPROVED)
    assert waiting.exists()
    assert not waiting.exclude(reserved_in=F("company__supply__warehouse")).exists()
    for staff in ("warehouse.north", "warehouse.south"):
        assert set(orders_to_pick(user(staff))) == set(
            waiting.filter(reserved_in__in=warehouses_visible_to(user(staff)))
        )
    # and every shipped order has its invoice, each series numbering them 1, 2, 3 … up to
    # its counter, every number once
    assert not Order.objects.filter(status=OrderStatus.SHIPPED, invoices__isnull=True).exists()
    for counter in DocumentCounter.objects.all():
        prefix = f"{counter.series}-{counter.year}-"
        numbers = Invoice.objects.filter(number__startswith=prefix).values_list("number", flat=True)
        assert sorted(numbers) == [f"{prefix}{n:05d}" for n in range(1, counter.last + 1)]

    # when acme.buyer orders a box of bolts (approved at once: their month is the demo's)
    # and the warehouse ships it
    order = place("acme.buyer", [("BOLT-M8-50", 1)])
    assert order.status == OrderStatus.APPROVED
    year = timezone.localdate().year
    counter = DocumentCounter.objects.filter(series="INV", year=year).first()
    last = counter.last if counter else 0
    order = order_ship(order=order, by=user("warehouse.north"))

    # then the order and its invoice have numbers nobody had before
    invoice = order.invoices.get()
    assert invoice.number == f"INV-{year}-{last + 1:05d}"
    assert Invoice.objects.filter(number=invoice.number).count() == 1
    assert Order.objects.filter(number=order.number).count() == 1
    # and the stock ledger balances
    call_command("check_stock_ledger", stdout=io.StringIO())
