"""The invoice PDF, read back as a person would see it: pdftotext turns each page to text."""

import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db.models import F

from approvals.services import order_cancel_shipped
from inventory.models import StockLevel
from portal.demo import seed_catalog
from portal.invoices.models import Invoice, PaymentKind
from portal.invoices.pdf import invoice_pdf_bytes, invoice_pdf_store
from portal.invoices.services import payment_record
from pricing.currencies import format_money
from pricing.demo import seed_pricing
from tests.invoices.conftest import shipped
from tests.ordering import user

pytestmark = pytest.mark.django_db

TWO_LINES = (("DRILL-18V", 2), ("BOLT-M8-50", 10))


def credited(invoice: Invoice, reason: str = "Delivered to the wrong branch.") -> Invoice:
    order_cancel_shipped(order=invoice.order, by=user("finance"), reason=reason)
    return Invoice.objects.get(corrects=invoice)


def pdf_text(data: bytes, tmp_path: Path, page: int | None = None) -> str:
    """The text of the PDF (or of one page), laid out as on the page."""
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def page_count(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)$", info.stdout, re.MULTILINE)[1])


def printed(text: str, label: str) -> str:
    """The amount printed after ``label`` (e.g. "Invoice total  €448.63")."""
    match = re.search(rf"{re.escape(label)}\s+(\S+)", text)
    assert match, f"{label!r} not in the PDF"
    return match[1]


def one_line(text: str) -> str:
    """The text with runs of spaces and line breaks as single spaces, for sentences."""
    return " ".join(text.split())


# -- what an invoice says -------------------------------------------------------------


def test_an_invoice_pdf_shows_seller_buyer_dates_lines_tax_totals_and_how_to_pay(demo, tmp_path):
    # given Acme's shipped two-line order with a PO number
    invoice = shipped("acme.buyer", TWO_LINES, po="PO-4711")

    # when its PDF is rendered and read back
    text = pdf_text(invoice_pdf_bytes(invoice), tmp_path)
    words = one_line(text)

    # then it is an invoice with its number, from the seller to Acme's legal name
    money = lambda amount: format_money(amount, "EUR")  # noqa: E731
    assert f"Invoice {invoice.number}" in text
    seller = invoice.seller
    for fact in (seller["name"], seller["line1"], seller["vat_id"], seller["register"]):
        assert fact in text
    assert "Acme Hardware GmbH" in text
    assert "Industriestraße 12" in text and "DE123456789" in text
    # with its dates, the order and the buyer's PO
    assert re.search(rf"Issue date\s+{invoice.issued_on:%Y-%m-%d}", text)
    assert re.search(rf"Due date\s+{invoice.due_on:%Y-%m-%d}", text)
    assert re.search(rf"Order number\s+{invoice.order_number}", text)
    assert re.search(r"PO number\s+PO-4711", text)
    # every line, with its price, rate and amount
    for line in invoice.lines.all():
        row = next(r for r in text.splitlines() if line.sku in r)
        assert line.name in row
        assert money(line.unit_price) in row and money(line.line_total) in row
        assert "19 %" in row
    # the tax of each rate and the totals the database holds
    (tax,) = invoice.taxes.all()
    assert re.search(rf"19 %\s+{re.escape(money(tax.basis))}\s+{re.escape(money(tax.tax))}", text)
    assert printed(text, "Net total") == money(invoice.subtotal)
    assert printed(text, "VAT total") == money(invoice.tax_total)
    assert printed(text, "Invoice total") == money(invoice.total)
    # and how to pay it
    assert (
        f"Please pay {money(invoice.total)} by {invoice.due_on:%Y-%m-%d} quoting {invoice.number}."
        in words
    )
    for fact in (seller["bank"], seller["iban"], seller["bic"]):
        assert fact in text
    assert "Page 1 of 1" in text


def test_a_card_invoice_is_payable_in_the_portal_until_it_is_paid_by_card(demo, tmp_path):
    # given Borealis' card-paying, tax-exempt invoice in dollars
    invoice = shipped("borealis.buyer", (("DRILL-18V", 3),), po="BF-77")
    text = pdf_text(invoice_pdf_bytes(invoice), tmp_path)
    assert "Payable by card in the portal" in text
    assert "Paid by card" not in text and "IBAN" not in text
    assert "Borealis Foods Inc." in text and "BF-77" in text
    total = format_money(invoice.total, "USD")
    assert re.search(rf"0 % \(exempt\)\s+{re.escape(total)}\s+\$0\.00", text)
    assert printed(text, "Invoice total") == total

    # when the card payment comes in
    payment_record(
        invoice=invoice,
        by=user("finance"),
        amount=invoice.total,
        reference="pi_3PAID",
        received_on=invoice.issued_on,
        kind=PaymentKind.CARD,
    )
    invoice.refresh_from_db()

    # then the PDF says it is paid
    text = pdf_text(invoice_pdf_bytes(invoice), tmp_path)
    assert "Paid by card" in text
    assert "Payable by card in the portal" not in text


def test_a_credit_note_pdf_names_the_invoice_it_corrects_and_why(demo, tmp_path):
    # given Acme's invoice, credited by finance
    invoice = shipped("acme.buyer", TWO_LINES, po="PO-4711")
    note = credited(invoice, reason="Delivered to the wrong branch.")

    # when the credit note's PDF is read back
    text = pdf_text(invoice_pdf_bytes(note), tmp_path)
    words = one_line(text)

    # then it is a credit note, correcting the invoice, with the reason
    assert f"Credit note {note.number}" in text
    assert f"Invoice {invoice.number}" not in text
    assert re.search(rf"Corrects invoice\s+{invoice.number} of {invoice.issued_on:%Y-%m-%d}", text)
    assert "Reason: Delivered to the wrong branch." in words
    # its amounts are the credit, as positive amounts
    money = lambda amount: format_money(amount, "EUR")  # noqa: E731
    assert printed(text, "Net credit") == money(invoice.subtotal)
    assert printed(text, "VAT credit") == money(invoice.tax_total)
    assert printed(text, "Total credit") == money(invoice.total)
    assert "−" not in text
    # and nothing is to be paid on it
    assert f"cancels invoice {invoice.number} in full: nothing is payable on it." in words
    assert "Please pay" not in text and "Due date" not in text


# -- long invoices --------------------------------------------------------------------


@pytest.fixture
def wide_catalog(demo):
    """Enough products, priced and in stock in NORTH, for a 300-line order (the test demo
    has about 120): the demo's own seeding, for a larger catalog, in this test only."""
    from inventory.demo import seed_stock

    seed_catalog(50)
    seed_pricing()
    seed_stock()


def test_a_300_line_invoice_runs_over_pages_each_with_the_table_header_and_page_x_of_y(
    wide_catalog, tmp_path, django_assert_max_num_queries
):
    # given an order of 300 different products, one selling unit each, shipped
    in_stock = (
        StockLevel.objects.filter(
            warehouse__code="NORTH",
            available__gte=F("product__increment"),
            product__is_active=True,
            product__max_qty__isnull=True,
            product__min_qty=F("product__increment"),
        )
        .select_related("product")
        .order_by("product__sku")[:300]
    )
    lines = [(level.product.sku, level.product.increment) for level in in_stock]
    assert len(lines) == 300
    invoice = shipped("acme.buyer", lines, po="PO-BIG")
    assert invoice.lines.count() == 300

    # when it is rendered: the lines and taxes are read once, whatever their number
    with django_assert_max_num_queries(2):
        data = invoice_pdf_bytes(invoice)

    # then it runs over several pages, and every page repeats the table's header row
    # and says which page of how many it is
    pages = page_count(data, tmp_path)
    assert pages >= 5
    header = re.compile(r"Pos\.\s+SKU\s+Description\s+Qty\s+Unit price\s+VAT\s+Amount")
    for page in range(1, pages + 1):
        text = pdf_text(data, tmp_path, page)
        assert f"Page {page} of {pages}" in text
        assert header.search(text), f"no table header on page {page}"
        if page > 1:
            assert f"Invoice {invoice.number}" in text  # the running head
    # and no line is lost or cut in two between pages
    text = pdf_text(data, tmp_path)
    for sku, _ in lines:
        assert len(re.findall(rf"\b{re.escape(sku)}\b", text)) == 1, sku
    assert printed(text, "Invoice total") == format_money(invoice.total, "EUR")


# -- storing --------------------------------------------------------------------------


def test_the_stored_pdf_is_recorded_with_the_sha256_of_its_bytes_and_stored_once(demo, settings):
    # given Acme's invoice, not yet rendered
    invoice = shipped("acme.buyer", TWO_LINES)
    assert not invoice.pdf_sha256

    # when its PDF is stored
    digest = invoice_pdf_store(invoice)

    # then the record holds the SHA-256 of the bytes in storage
    invoice.refresh_from_db()
    with default_storage.open(invoice.pdf.name, "rb") as stored:
        data = stored.read()
    assert data.startswith(b"%PDF-")
    assert digest == invoice.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert invoice.pdf.name == f"invoices/{invoice.issued_on.year}/{invoice.number}.pdf"
    assert invoice.pdf_rendered_at is not None

    # and a second rendering (a retried task) keeps the first, and leaves no file behind
    assert invoice_pdf_store(Invoice.objects.get(pk=invoice.pk)) == digest
    invoice.refresh_from_db()
    assert invoice.pdf_sha256 == digest
    folder = Path(settings.MEDIA_ROOT) / "invoices" / str(invoice.issued_on.year)
    assert [p.name for p in folder.iterdir()] == [f"{invoice.number}.pdf"]
    assert hashlib.sha256((folder / f"{invoice.number}.pdf").read_bytes()).hexdigest() == digest
