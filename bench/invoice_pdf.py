"""Invoice PDF benchmark: `make bench-invoices` (or `python bench/invoice_pdf.py`).

Builds a throwaway database `bench_invoices` on the configured PostgreSQL server (the
embedded one unless DATABASE_URL says otherwise) with the demo catalog and stock but no
orders, ships Acme orders through the real services (so each has its invoice) and prints,
beside the targets:

1. the median time of ``invoice_pdf_bytes`` for invoices of 1, 20 and 300 lines: the whole
   PDF as the task stores it, PDF/A-3b with its EN 16931 XML embedded (euro invoices);
2. the peak memory of rendering each once: the peak resident set size (``VmHWM`` in
   ``/proc/self/status``) of a fresh child process that loads Django and the invoice and
   renders it, so the whole process counts, Python and the C libraries (pango, cairo,
   fontconfig) alike; what it held before rendering is printed beside it. (Not
   ``getrusage``'s ``ru_maxrss``: Linux carries the parent's peak over into it on exec.)
3. the time of the task ``invoice_archive_build`` putting 100 invoices into a ZIP, once
   when none of their PDFs is rendered yet (the task renders them) and once when all are.

Times are wall-clock on this machine: other work running at the same time slows them.
PDFs and ZIPs go to a temporary folder; the database is dropped at the end; the dev data
is never touched.
"""

import io
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    override_settings,
    setup_databases,
    teardown_databases,
)
from pypdf import PdfReader  # noqa: E402

DB_NAME = "bench_invoices"
SIZES = ((1, 10), (20, 5), (300, 3))  # (lines, timed runs)
ARCHIVE = 100
TARGET_ONE_PAGE_MS = 150
TARGET_300_LINES_MS = 3000
TARGET_300_LINES_MB = 300
TARGET_ARCHIVE_S = 20

# WeasyPrint warns on every render when it subsets fonts with fontTools (see subsetter()).
logging.getLogger("weasyprint").setLevel(logging.ERROR)


def met(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB$", status, re.MULTILINE)[1]) / 1024


def subsetter() -> str:
    """Which library subsets the fonts: most of a one-page render's time without HarfBuzz."""
    from weasyprint.text.ffi import harfbuzz_subset

    if harfbuzz_subset is not None:
        return "HarfBuzz-Subset"
    return "fontTools (Debian's libharfbuzz-subset0 is missing: fonts subset slowly)"


def child(db_name: str, invoice_id: int) -> None:
    """Render one invoice once and print what the process held before and at its peak."""
    connection.settings_dict["NAME"] = db_name
    import weasyprint  # noqa: F401  (loaded before the baseline, as in a worker)

    from portal.invoices.models import Invoice
    from portal.invoices.pdf import invoice_pdf_bytes

    invoice = Invoice.objects.get(pk=invoice_id)
    before = peak_rss_mb()
    size = len(invoice_pdf_bytes(invoice))
    print(json.dumps({"before": before, "peak": peak_rss_mb(), "bytes": size}))


def hello_world_ms(runs: int = 300) -> float:
    """Median time of the portal's smallest page (``/healthz``: one ``SELECT 1``) through the
    test client: the yardstick the render times are compared with, measured in this run."""
    from django.test import Client

    client = Client()
    client.get("/healthz")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get("/healthz")
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_memory(invoice_id: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", connection.settings_dict["NAME"], str(invoice_id)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    connection.settings_dict["TEST"]["NAME"] = DB_NAME
    config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            bench()
    finally:
        teardown_databases(config, verbosity=0)


def bench() -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import F

    from approvals.services import order_approve, order_ship
    from inventory.models import StockLevel
    from portal.invoices.models import DocumentKind, Invoice, InvoiceArchive
    from portal.invoices.pdf import invoice_pdf_bytes
    from portal.invoices.services import invoice_archive_request
    from portal.invoices.tasks import invoice_archive_build
    from portal.orders.models import OrderStatus
    from tests.ordering import place

    started = time.perf_counter()
    call_command("seed_demo", products_per_category=60, orders=False, stdout=io.StringIO())
    pg = connection.pg_version // 10000
    print(f"demo data in {time.perf_counter() - started:.1f} s (PostgreSQL {pg})")
    print(f"font subsetting: {subsetter()}")
    hello = hello_world_ms()
    print(f"hello-world view (/healthz through the test client): {hello:.2f} ms")
    users = {u.username: u for u in get_user_model().objects.all()}
    in_stock = (
        StockLevel.objects.filter(
            warehouse__code="NORTH",
            available__gte=10 * F("product__increment"),
            product__is_active=True,
            product__max_qty__isnull=True,
            product__min_qty=F("product__increment"),
        )
        .select_related("product")
        .order_by("product__sku")
    )
    products = [(s.product.sku, s.product.increment) for s in in_stock]
    assert len(products) >= 300, f"only {len(products)} products in stock in NORTH"

    def invoiced(lines, po: str) -> Invoice:
        """acme.buyer's order of ``lines``, approved as Acme's policy needs and shipped."""
        order = place("acme.buyer", lines, po=po)
        for approver in ("acme.manager", "acme.admin"):
            if order.status == OrderStatus.PENDING_APPROVAL:
                order = order_approve(
                    order=order, by=users[approver], expected_version=order.version
                )
        order_ship(order=order, by=users["warehouse.north"])
        return Invoice.objects.get(order=order, kind=DocumentKind.INVOICE)

    # 1. and 2. Rendering invoices of 1, 20 and 300 lines.
    print(f"\n{'invoice_pdf_bytes':<22} {'median':>9} {'pages':>6} {'size':>8}   peak RSS (before)")
    for count, runs in SIZES:
        invoice = invoiced(products[:count], po=f"BENCH-{count}")
        data = invoice_pdf_bytes(invoice)  # warm up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            invoice_pdf_bytes(invoice)
            times.append((time.perf_counter() - start) * 1000)
        ms = statistics.median(times)
        pages = len(PdfReader(io.BytesIO(data)).pages)
        memory = peak_memory(invoice.pk)
        print(
            f"{count:>3} line{'s' if count != 1 else ' '} (median of {runs:>2}) {ms:8.0f} ms"
            f" {pages:>6} {len(data) / 1024:6.0f} KB   {memory['peak']:5.0f} MB"
            f" ({memory['before']:.0f} MB)   {ms / hello:6.0f}x hello-world"
        )
        if count == 1:
            print(f"  target 1 page <= {TARGET_ONE_PAGE_MS} ms: {met(ms, TARGET_ONE_PAGE_MS)}")
        if count == 300:
            print(
                f"  target 300 lines <= {TARGET_300_LINES_MS / 1000:.0f} s:"
                f" {met(ms, TARGET_300_LINES_MS)}; <= {TARGET_300_LINES_MB} MB peak RSS:"
                f" {met(memory['peak'], TARGET_300_LINES_MB)}"
            )
    print("  (peak RSS: VmHWM of a child process that renders the invoice once)")

    # 3. A ZIP of 100 invoices of 1 to 5 lines, built by the task as the worker runs it.
    started = time.perf_counter()
    batch = []
    for n in range(ARCHIVE):
        first = (n * 3) % (len(products) - 5)
        batch.append(invoiced(products[first : first + 1 + n % 5], po=f"BENCH-ZIP-{n}").pk)
    print(f"\n{ARCHIVE} more invoices shipped in {time.perf_counter() - started:.1f} s")
    finance = users["finance"]
    for label in ("none rendered yet", "all stored already"):
        archive = invoice_archive_request(invoices=Invoice.objects.filter(pk__in=batch), by=finance)
        start = time.perf_counter()
        invoice_archive_build.call(archive.pk)
        seconds = time.perf_counter() - start
        archive = InvoiceArchive.objects.get(pk=archive.pk)
        with archive.file.open("rb") as zipped:
            size = len(zipped.read())
        print(
            f"invoice_archive_build, {ARCHIVE} PDFs, {label + ':':<19} {seconds:6.1f} s"
            f"  ({archive.status}, {archive.done}/{archive.total}, {size / 1024 / 1024:.1f} MB)"
            f"  target <= {TARGET_ARCHIVE_S} s: {met(seconds, TARGET_ARCHIVE_S)}"
            f"  ({seconds * 1000 / hello:,.0f}x hello-world)"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
