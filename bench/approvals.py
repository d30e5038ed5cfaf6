"""Approvals benchmark: `make bench-approvals` (or `python bench/approvals.py`).

Builds a throwaway database `bench_approvals` on the configured PostgreSQL server (the
embedded one unless DATABASE_URL says otherwise) with the demo data, then prints the
median time and query count of submitting orders of 10 and 100 lines, of an approval,
and of the approval queue, the order page and the dashboards with 10, 100 and 500
orders waiting. The database is dropped at the end; the dev data is never touched.
"""

import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.signals import request_started  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    teardown_databases,
)


def timed(label: str, action, runs: int) -> None:
    """Print the median wall time of ``action()`` and the queries of one run."""
    action()  # warm up
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:<52} {statistics.median(times):8.1f} ms  {len(queries):3d} queries"
        f"  (median of {runs})"
    )


def main() -> None:
    # Each request resets the query log; keep it, so that a page's queries can be counted.
    request_started.disconnect(reset_queries)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    connection.settings_dict["TEST"]["NAME"] = "bench_approvals"
    config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client

        from approvals.services import Checkout, order_approve, order_submit
        from inventory.models import Warehouse
        from inventory.services import stock_receive
        from portal.catalog.models import Product
        from portal.orders.models import Order, OrderStatus
        from portal.orders.services import cart_add_many, cart_get_or_create
        from tests.ordering import place

        started = time.perf_counter()
        call_command("seed_demo", products_per_category=60, stdout=io.StringIO())
        print(
            f"demo data in {time.perf_counter() - started:.1f} s (PostgreSQL "
            f"{connection.pg_version // 10000})"
        )
        users = {u.username: u for u in get_user_model().objects.all()}
        skus = list(
            Product.objects.filter(is_active=True, min_qty=1, increment=1, max_qty__isnull=True)
            .order_by("sku")
            .values_list("sku", flat=True)[:100]
        )

        def submit(lines) -> tuple[float, int]:
            """Time order_submit alone: the cart is filled beforehand."""
            buyer = users["acme.buyer"]
            cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
            cart_add_many(cart=cart, items=lines, by=buyer)
            checkout = Checkout(
                po_number="BENCH",
                ship_to=buyer.membership.company.addresses.filter(is_shipping=True).first(),
                requested_delivery_date=None,
                note="",
            )
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                order_submit(token=cart.checkout_token, by=buyer, checkout=checkout)
                elapsed = (time.perf_counter() - start) * 1000
            return elapsed, len(queries)

        products = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
        # Submitting reserves stock: enough of each product for every order placed below
        # (up to 520 of 20 drills), in whichever warehouse supplies Acme.
        drill = Product.objects.get(sku="DRILL-18V")
        for warehouse in Warehouse.objects.all():
            for product in [*products.values(), drill]:
                stock_receive(
                    product=product,
                    warehouse=warehouse,
                    quantity=20_000 if product == drill else 100,
                    reason="bench",
                    by=users["admin"],
                )
        for n in (10, 100):
            lines = [(products[sku], 3) for sku in skus[:n]]
            runs = [submit(lines) for _ in range(10)]
            print(
                f"{f'submit an order of {n} lines':<52} "
                f"{statistics.median(r[0] for r in runs):8.1f} ms  {runs[-1][1]:3d} queries"
                "  (median of 10)"
            )

        def approve_one():
            order = place("acme.buyer", [("DRILL-18V", 20)])
            start = time.perf_counter()
            order_approve(order=order, by=users["acme.admin"], expected_version=order.version)
            return (time.perf_counter() - start) * 1000

        approvals = [approve_one() for _ in range(10)]
        print(f"{'approve (the transition alone)':<52} {statistics.median(approvals):8.1f} ms")

        admin, buyer = Client(), Client()
        admin.force_login(users["acme.admin"])
        buyer.force_login(users["acme.buyer"])
        waiting = Order.objects.filter(status=OrderStatus.PENDING_APPROVAL, company__code="acme")
        for target in (10, 100, 500):
            while waiting.count() < target:
                place("acme.buyer", [("DRILL-18V", 20)])
            timed(f"/approvals/ with {target} orders waiting", lambda: admin.get("/approvals/"), 5)
            timed(f"dashboard of acme.admin, {target} waiting", lambda: admin.get("/"), 5)
        number = waiting.first().number
        timed("order page of a pending order", lambda: admin.get(f"/orders/{number}/"), 10)
        timed("dashboard of acme.buyer (budget bar)", lambda: buyer.get("/"), 10)
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
