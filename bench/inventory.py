"""Inventory benchmark: `make bench-inventory` (or `python bench/inventory.py`).

Builds a throwaway database `bench_inventory` on the configured PostgreSQL server (the
embedded one unless DATABASE_URL says otherwise) with the demo catalog and stock but no
orders, then prints:

1. the median time and query count of ``stock_reserve`` for 200 lines on its own (target:
   100 ms at most), of the ``stock_release`` that gives them back, and of a whole
   ``order_submit`` of a 200-line cart;
2. 20 buyers submitting 20-line carts over the same 40 products at the same moment, each
   in its own connection: wall time, submits per second, failures and deadlocks;
3. whether a submit on other products waits behind those 20 (see ``lock_report``);
4. the output of ``manage.py check_stock_ledger``.

The database is dropped at the end; the dev data is never touched.
"""

import io
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    teardown_databases,
)

BUYERS = 20  # concurrent submits per round
LINES = 20  # lines per concurrent cart
SHARED = 40  # products every concurrent cart draws from
ROUNDS = 3


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def row(label: str, ms: float, extra: str = "") -> None:
    print(f"{label:<48} {ms:8.1f} ms  {extra}")


def is_deadlock(error: BaseException) -> bool:
    from psycopg.errors import DeadlockDetected

    return isinstance(error, DeadlockDetected) or isinstance(error.__cause__, DeadlockDetected)


def main() -> None:
    connection.settings_dict["TEST"]["NAME"] = "bench_inventory"
    config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        bench()
    finally:
        teardown_databases(config, verbosity=0)


def bench() -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command
    from django.db.models import F

    from approvals.services import Checkout, order_submit
    from inventory.models import StockLevel, Warehouse
    from inventory.services import stock_receive, stock_release, stock_reserve
    from portal.accounts.models import Company
    from portal.accounts.services import membership_set
    from portal.orders.services import cart_add_many, cart_get_or_create
    from tests.ordering import place

    started = time.perf_counter()
    call_command("seed_demo", products_per_category=60, orders=False, stdout=io.StringIO())
    print(
        f"demo data in {time.perf_counter() - started:.1f} s (PostgreSQL {connection.pg_version // 10000})"
    )
    north = Warehouse.objects.get(code="NORTH")
    acme = Company.objects.get(code="acme")
    checkout = Checkout(
        po_number="BENCH",
        ship_to=acme.addresses.filter(is_shipping=True).order_by("pk").first(),
        requested_delivery_date=None,
        note="",
    )
    # Products in stock in NORTH that a cart can hold one step of: `increment` units meet
    # every quantity rule, and there are at least ten such steps available.
    products = [
        level.product
        for level in StockLevel.objects.filter(
            warehouse=north,
            product__is_active=True,
            product__max_qty__isnull=True,
            product__min_qty=F("product__increment"),
            available__gte=10 * F("product__increment"),
        )
        .select_related("product")
        .order_by("product__sku")[:200]
    ]
    assert len(products) == 200, f"only {len(products)} products in stock in NORTH"

    def cart_of(buyer, items) -> str:
        cart = cart_get_or_create(buyer=buyer, company=acme)
        cart_add_many(cart=cart, items=[(p, p.increment) for p in items], by=buyer)
        return cart.checkout_token

    # 1. One big order. stock_reserve alone, on an order placed just before (1 line of
    # NUT-M8, reserved by the real submit); the release afterwards keeps the stock level.
    def reserve_once() -> tuple[float, int, float]:
        order = place("acme.buyer", [("NUT-M8", 1)])
        lines = [(p, p.increment) for p in products]
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            stock_reserve(order=order, warehouse=north, lines=lines, by=None)
            reserve_ms = ms_since(start)
        start = time.perf_counter()
        stock_release(order=order, by=None)
        return reserve_ms, len(queries), ms_since(start)

    reserve_once()  # warm up
    runs = [reserve_once() for _ in range(10)]
    reserve_ms = statistics.median(r[0] for r in runs)
    row("stock_reserve, 200 lines", reserve_ms, f"{runs[-1][1]:3d} queries  (median of 10)")
    print(f"  target <= 100 ms: {'met' if reserve_ms <= 100 else 'NOT met'}")
    row("stock_release of them (201 lines)", statistics.median(r[2] for r in runs))

    buyer = get_user_model().objects.get(username="acme.buyer")
    submits = []
    for _ in range(5):
        token = cart_of(buyer, products)
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            order_submit(token=token, by=buyer, checkout=checkout)
            submits.append((ms_since(start), len(queries)))
    row(
        "order_submit, 200-line cart",
        statistics.median(s[0] for s in submits),
        f"{submits[-1][1]:3d} queries  (median of 5)",
    )

    # 2. Concurrent submits: acme.buyer and 19 more buyers (no budget), carts of 20 of
    # the same 40 products in a different order each; one more buyer orders 20 others.
    users = [buyer]
    for n in range(1, BUYERS + 1):
        user = get_user_model().objects.create_user(f"bench.buyer{n:02d}", f"b{n}@example.com")
        membership_set(user=user, company=acme, is_buyer=True)
        users.append(user)
    buyers, loner = users[:BUYERS], users[BUYERS]
    shared, apart = products[:SHARED], products[SHARED : SHARED + LINES]
    for product in shared + apart:
        stock_receive(
            product=product,
            warehouse=north,
            quantity=100 * product.increment,
            reason="Bench",
            by=None,
        )

    def submit_in_thread(user, token, barrier, results, key) -> None:
        try:
            connection.ensure_connection()  # connecting is not part of the submit
            if key == "loner":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    results["loner_pid"] = cursor.fetchone()[0]
            barrier.wait()
            start = time.perf_counter()
            order_submit(token=token, by=user, checkout=checkout)
            results[key] = ms_since(start)
        except Exception as error:  # noqa: BLE001 - every failure is reported
            results[key] = error
        finally:
            connection.close()

    def sample_lock_waits(stop, samples) -> None:
        """Every ms: which sessions of this database wait for a lock, and of what kind."""
        try:
            with connection.cursor() as cursor:
                while not stop.is_set():
                    cursor.execute(
                        "SELECT l.pid, l.locktype FROM pg_locks l JOIN pg_stat_activity a"
                        " USING (pid) WHERE NOT l.granted AND a.datname = current_database()"
                    )
                    samples.append(cursor.fetchall())
                    time.sleep(0.001)
        finally:
            connection.close()

    rng = random.Random(2026)
    rounds, samples, loner_times, failures = [], [], [], []
    loner_waits = 0
    for number in range(1, ROUNDS + 1):
        tokens = [cart_of(user, rng.sample(shared, LINES)) for user in buyers]
        loner_token = cart_of(loner, apart)
        barrier = threading.Barrier(BUYERS + 2)  # the buyers, the loner and this thread
        results: dict = {}
        threads = [
            threading.Thread(target=submit_in_thread, args=(u, t, barrier, results, i))
            for i, (u, t) in enumerate(zip(buyers, tokens, strict=True))
        ]
        threads.append(
            threading.Thread(
                target=submit_in_thread, args=(loner, loner_token, barrier, results, "loner")
            )
        )
        stop, seen = threading.Event(), []
        sampler = threading.Thread(target=sample_lock_waits, args=(stop, seen))
        sampler.start()
        for thread in threads:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        for thread in threads:
            thread.join()
        wall = ms_since(start)
        stop.set()
        sampler.join()
        samples += seen
        loner_pid = results.get("loner_pid")
        loner_waits += sum(any(pid == loner_pid for pid, _ in sample) for sample in seen)
        errors = [results[i] for i in range(BUYERS) if isinstance(results[i], Exception)]
        deadlocks = sum(is_deadlock(e) for e in errors)
        failures += errors + [results["loner"]] * isinstance(results["loner"], Exception)
        if not isinstance(results["loner"], Exception):
            loner_times.append(results["loner"])
        rounds.append(wall)
        print(
            f"round {number}: {BUYERS - len(errors)}/{BUYERS} submitted, {deadlocks} deadlocked,"
            f" wall {wall:.0f} ms ({BUYERS / wall * 1000:.0f} submits/s)"
        )
    wall = statistics.median(rounds)
    row(f"{BUYERS} concurrent {LINES}-line submits, wall", wall, f"(median of {ROUNDS})")
    print(
        f"  {BUYERS / wall * 1000:.0f} submits/s; all {BUYERS * ROUNDS} succeeded: {not failures}"
    )
    for error in failures[:5]:
        print(f"  FAILED ({'deadlock' if is_deadlock(error) else type(error).__name__}): {error}")

    # 3. Lock waits. The 20 buyers queue on the stock rows they share, as they should; the
    # loner's products are theirs alone, so it must never wait for a lock (it shares no row
    # with them), and its time under load shows what load costs without lock waits.
    alone = []
    for _ in range(3):
        token = cart_of(loner, apart)
        start = time.perf_counter()
        order_submit(token=token, by=loner, checkout=checkout)
        alone.append(ms_since(start))
    kinds = Counter(kind for sample in samples for _, kind in sample)
    waiting = max((len({pid for pid, _ in sample}) for sample in samples), default=0)
    print(
        f"lock waits: {len(samples)} samples of pg_locks, {sum(map(bool, samples))} with waiters,"
        f" at most {waiting} sessions waiting at once; kinds waited for: {dict(kinds) or 'none'}"
    )
    print(f"  the submit on {LINES} other products was seen waiting in {loner_waits} samples")
    row(f"  its time alone (median of 3)", statistics.median(alone))
    if loner_times:
        row(
            "  its time during the 20 submits",
            statistics.median(loner_times),
            f"(median of {len(loner_times)})",
        )

    # 4. Every level still equals the sum of its movements.
    out = io.StringIO()
    try:
        call_command("check_stock_ledger", stdout=out, stderr=out, no_color=True)
    except CommandError as error:
        out.write(f"FAILED: {error}\n")
    print(out.getvalue().strip())


if __name__ == "__main__":
    main()
