"""Inventory benchmark: `make bench-inventory` (or `python bench/inventory.py`).

Builds a throwaway database `bench_inventory` on the configured PostgreSQL server (the
embedded one unless DATABASE_URL says otherwise) with the demo catalog and stock but no
orders, then prints:

1. the median time and query count of ``stock_reserve`` for 200 lines (target: 100 ms at
   most) as the state machine calls it inside a submit, of the ``stock_release`` of a
   cancel that gives them back, and of the whole ``order_submit`` of a 200-line cart;
2. 20 buyers submitting 20-line carts over the same 40 products at the same moment, each
   thread in its own connection: wall time, submits per second, failures, deadlocks;
3. the lock waits seen in ``pg_locks`` meanwhile, and whether a 21st submit, on other
   products, waits for any of them;
4. the output of ``manage.py check_stock_ledger``.

Query counts include the savepoints around each service.
The database is dropped at the end; the dev data is never touched.
"""

import functools
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
from psycopg.errors import DeadlockDetected  # noqa: E402

BUYERS = 20  # concurrent submits per round
LINES = 20  # lines per concurrent cart
SHARED = 40  # the products all concurrent carts draw from
ROUNDS = 3
WAITERS = """
    SELECT l.pid, l.locktype FROM pg_locks l JOIN pg_stat_activity a USING (pid)
     WHERE NOT l.granted AND a.datname = current_database()
"""


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def row(label: str, ms: float, extra: str = "") -> None:
    print(f"{label:<48} {ms:8.1f} ms  {extra}")


def is_deadlock(error: BaseException) -> bool:
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

    from approvals import workflow
    from approvals.services import Checkout, order_cancel, order_submit
    from inventory.models import StockLevel, Warehouse
    from inventory.services import stock_receive
    from portal.accounts.models import Company
    from portal.accounts.services import membership_set
    from portal.orders.models import Order
    from portal.orders.services import cart_add_many, cart_get_or_create

    started = time.perf_counter()
    call_command("seed_demo", products_per_category=60, orders=False, stdout=io.StringIO())
    pg = connection.pg_version // 10000
    print(f"demo data in {time.perf_counter() - started:.1f} s (PostgreSQL {pg})")
    north = Warehouse.objects.get(code="NORTH")
    acme = Company.objects.get(code="acme")
    ship_to = acme.addresses.filter(is_shipping=True).order_by("pk").first()
    checkout = Checkout(po_number="BENCH", ship_to=ship_to, requested_delivery_date=None, note="")
    # Products in stock in NORTH, ten times over, of which `increment` units make a valid line.
    in_stock = StockLevel.objects.filter(
        warehouse=north,
        available__gte=10 * F("product__increment"),
        product__is_active=True,
        product__max_qty__isnull=True,
        product__min_qty=F("product__increment"),
    )
    products = [s.product for s in in_stock.select_related("product").order_by("product__sku")]
    products = products[:200]
    assert len(products) == 200, f"only {len(products)} products in stock in NORTH"

    def cart_of(buyer, items) -> str:
        cart = cart_get_or_create(buyer=buyer, company=acme)
        cart_add_many(cart=cart, items=[(p, p.increment) for p in items], by=buyer)
        return cart.checkout_token

    def submit(buyer, token) -> tuple[float, int]:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            order_submit(token=token, by=buyer, checkout=checkout)
            elapsed = ms_since(start)
        return elapsed, len(queries)

    # 1. The reservation of a 200-line order, timed inside real submits: the state
    # machine's calls of stock_reserve and stock_release are wrapped to time themselves.
    # Each order is cancelled after, which releases its stock for the next run.
    buyer = get_user_model().objects.get(username="acme.buyer")
    timings: dict[str, list[tuple[float, int]]] = {"reserve": [], "release": []}

    def timing(name, service):
        @functools.wraps(service)
        def timed(**kwargs):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                result = service(**kwargs)
                timings[name].append((ms_since(start), len(queries)))
            return result

        return timed

    workflow.stock_reserve = timing("reserve", workflow.stock_reserve)
    workflow.stock_release = timing("release", workflow.stock_release)
    submits = []
    for _ in range(11):
        submits.append(submit(buyer, cart_of(buyer, products)))
        order_cancel(order=Order.objects.filter(buyer=buyer).first(), by=buyer)
    workflow.stock_reserve = workflow.stock_reserve.__wrapped__
    workflow.stock_release = workflow.stock_release.__wrapped__
    labels = {
        "reserve": "stock_reserve, 200 lines, in a submit",
        "release": "stock_release, 200 lines, in a cancel",
    }
    for name, label in labels.items():
        runs = timings[name][1:]  # the first run warms up
        row(
            label,
            statistics.median(r[0] for r in runs),
            f"{runs[-1][1]:3d} queries  (median of {len(runs)})",
        )
        if name == "reserve":
            reserve_ms = statistics.median(r[0] for r in runs)
            print(f"  target <= 100 ms: {'met' if reserve_ms <= 100 else 'NOT met'}")
    runs = submits[1:]
    row(
        "order_submit, 200-line cart",
        statistics.median(r[0] for r in runs),
        f"{runs[-1][1]:3d} queries  (median of {len(runs)})",
    )

    # 2. acme.buyer and 19 new buyers (no budget) fill carts with 20 of the same 40
    # products, each in its own order; a 21st buyer, the loner, takes 20 other products.
    # Stock is topped up first so that every submit can succeed.
    users = [buyer]
    for n in range(1, BUYERS + 1):
        user = get_user_model().objects.create_user(f"bench.buyer{n:02d}", f"b{n}@example.com")
        membership_set(user=user, company=acme, is_buyer=True)
        users.append(user)
    buyers, loner = users[:BUYERS], users[BUYERS]
    shared, apart = products[:SHARED], products[SHARED : SHARED + LINES]
    for p in shared + apart:
        stock_receive(
            product=p, warehouse=north, quantity=100 * p.increment, reason="Bench", by=None
        )

    def submit_in_thread(key, user, token, barrier, queued, results) -> None:
        try:
            with connection.cursor() as cursor:  # connecting is not part of the submit
                cursor.execute("SELECT pg_backend_pid()")
                results[f"{key} pid"] = cursor.fetchone()[0]
            barrier.wait()
            # The loner starts once half the others queue on their rows (see 3.).
            if key == "loner" and not queued.wait(timeout=5):
                results[key] = None  # they never did: not timed
            else:
                results[key] = submit(user, token)[0]
        except Exception as error:
            results[key] = error
        finally:
            connection.close()

    def sample_lock_waits(stop, queued, samples) -> None:
        try:
            with connection.cursor() as cursor:
                while not stop.is_set():
                    cursor.execute(WAITERS)
                    samples.append(cursor.fetchall())
                    if len({pid for pid, _ in samples[-1]}) >= BUYERS // 2:
                        queued.set()
                    time.sleep(0.001)
        finally:
            connection.close()

    rng = random.Random(2026)
    walls, samples, loner_times, failures, loner_waits = [], [], [], [], 0
    for number in range(1, ROUNDS + 1):
        jobs = [(i, u, cart_of(u, rng.sample(shared, LINES))) for i, u in enumerate(buyers)]
        jobs.append(("loner", loner, cart_of(loner, apart)))
        barrier = threading.Barrier(len(jobs) + 1, timeout=60)  # + this thread, the timer
        stop, queued, seen, results = threading.Event(), threading.Event(), [], {}
        sampler = threading.Thread(target=sample_lock_waits, args=(stop, queued, seen), daemon=True)
        threads = [
            threading.Thread(target=submit_in_thread, args=(*job, barrier, queued, results))
            for job in jobs
        ]
        for thread in [sampler, *threads]:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        for thread in threads[:BUYERS]:
            thread.join()
        walls.append(ms_since(start))
        threads[-1].join()
        stop.set()
        sampler.join()
        samples += seen
        loner_waits += sum(results.get("loner pid") in {pid for pid, _ in s} for s in seen)
        errors = [r for r in results.values() if isinstance(r, Exception)]
        failures += errors
        if isinstance(results["loner"], float):
            loner_times.append(results["loner"])
        done = sum(isinstance(results[i], float) for i in range(BUYERS))
        print(
            f"round {number}: {done}/{BUYERS} submitted, {sum(map(is_deadlock, errors))} "
            f"deadlocked, wall {walls[-1]:.0f} ms ({BUYERS / walls[-1] * 1000:.0f} submits/s)"
        )
    wall = statistics.median(walls)
    row(f"{BUYERS} concurrent {LINES}-line submits, wall", wall, f"(median of {ROUNDS})")
    print(
        f"  {BUYERS / wall * 1000:.0f} submits/s; of {(BUYERS + 1) * ROUNDS} submits (loner's "
        f"included) {len(failures)} failed, {sum(map(is_deadlock, failures))} deadlocked"
    )
    for error in failures[:5]:
        print(f"  FAILED ({'deadlock' if is_deadlock(error) else type(error).__name__}): {error}")

    # 3. The 20 queue on the stock rows they share, as they must: pg_locks should show them
    # waiting on row locks only (transactionid, tuple), never on a table. The loner shares
    # no row with them, so it should never be seen waiting: no lock waits beyond the rows
    # involved. It still runs slower than alone, because all threads share this process's
    # GIL and the machine's cores, not because of locks.
    alone = [submit(loner, cart_of(loner, apart))[0] for _ in range(3)]
    kinds = Counter(kind for sample in samples for _, kind in sample)
    most = max((len({pid for pid, _ in sample}) for sample in samples), default=0)
    print(
        f"lock waits: {sum(map(bool, samples))} of {len(samples)} samples of pg_locks with"
        f" waiters, at most {most} sessions at once, on {dict(kinds) or 'nothing'}"
    )
    print(f"  the loner ({LINES} other products) seen waiting in {loner_waits} samples")
    row("  the loner's submit alone", statistics.median(alone), "(median of 3)")
    row(
        f"  the loner's submit, {BUYERS // 2}+ others queued",
        statistics.median(loner_times or [float("nan")]),
        f"(median of {len(loner_times)})",
    )

    # 4. Every stock level still equals the sum of its movements.
    out = io.StringIO()
    try:
        call_command("check_stock_ledger", stdout=out, stderr=out, no_color=True)
    except CommandError as error:
        out.write(f"FAILED: {error}\n")
    print(out.getvalue().strip())


if __name__ == "__main__":
    main()
