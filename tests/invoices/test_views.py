"""The invoice pages as finance, company admins and buyers use them: filters, totals,
exports, the ZIP, marking paid, crediting, the PDF download and the aging report."""

import csv
import hashlib
import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from portal.invoices.models import InvoiceArchive, InvoiceStatus, Payment
from portal.invoices.pdf import invoice_pdf_store
from portal.invoices.services import payment_record
from tests.invoices.conftest import shipped
from tests.ordering import user

pytestmark = pytest.mark.django_db


def signed_in(client, username: str):
    client.force_login(user(username))
    return client


def today():
    return timezone.localdate()


def listed(response) -> list[str]:
    return [row.record.number for row in response.context["table"].page.object_list]


# -- the list ----------------------------------------------------------------------------


def test_finance_filters_overdue_invoices_and_sees_the_totals_of_the_filtered_set(client):
    # given one overdue Acme invoice (issued 40 days ago, net 30) and one current one
    late = shipped("acme.buyer", issued_on=today() - timedelta(days=40))
    current = shipped("acme.buyer")

    response = signed_in(client, "finance").get("/invoices/", {"overdue": "on"})

    assert response.status_code == 200
    assert listed(response) == [late.number]
    (eur,) = response.context["totals"]
    assert (eur["currency"], eur["count"], eur["open"]) == ("EUR", 1, late.total)
    assert current.number not in response.content.decode()


def test_the_filtered_totals_subtract_payments_and_count_credit_notes(client):
    paid_in_part = shipped("acme.buyer")
    payment_record(
        invoice=paid_in_part,
        by=user("finance"),
        amount=Decimal("20.00"),
        reference="Bank 1",
        received_on=today(),
    )
    other = shipped("acme.buyer")

    response = signed_in(client, "finance").get("/invoices/", {"company": "acme"})

    (eur,) = response.context["totals"]
    assert eur["invoiced"] == paid_in_part.total + other.total
    assert eur["paid"] == Decimal("20.00")
    assert eur["open"] == paid_in_part.total + other.total - Decimal("20.00")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"issued_after": "yesterday"}, "Issued from: Enter a valid date."),
        ({"issued_before": "2026-13-45"}, "Issued until: Enter a valid date."),
        ({"status": "lost"}, "Status: Select a valid choice."),
        ({"page": "-1"}, "is not a page number"),
        ({"page": "abc"}, "is not a page number"),
        (
            {"issued_after": "2026-05-01", "issued_before": "2026-04-01"},
            "on or after the &#x27;issued from&#x27; date",
        ),
    ],
)
def test_bad_filter_values_answer_400_with_a_message(client, query, message):
    shipped("acme.buyer")
    response = signed_in(client, "finance").get("/invoices/", query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_list_pages_without_counting_and_its_queries_do_not_grow_with_rows(
    client, django_assert_max_num_queries
):
    for _ in range(3):
        shipped("acme.buyer")
    signed_in(client, "finance")
    # Warm the session and the content types with other totals than the list's (which
    # are then cached until an invoice changes).
    client.get("/invoices/?status=paid")

    with django_assert_max_num_queries(11) as few:
        client.get("/invoices/")
    for _ in range(3):
        shipped("acme.buyer")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/invoices/")

    sql = " ".join(q["sql"] for q in few.captured_queries)
    assert 'COUNT(*) AS "__count" FROM "invoices_invoice"' not in sql
    assert len(listed(response)) == 6


def test_a_buyer_sees_the_invoices_of_their_own_orders_and_a_company_admin_all(client):
    own = shipped("acme.buyer")
    colleague = shipped("acme.manager")
    foreign = shipped("borealis.buyer")

    assert listed(signed_in(client, "acme.buyer").get("/invoices/")) == [own.number]
    admin_sees = listed(signed_in(client, "acme.admin").get("/invoices/"))
    assert sorted(admin_sees) == sorted([own.number, colleague.number])
    assert foreign.number not in admin_sees


def test_customers_cannot_filter_by_company_or_export(client):
    shipped("acme.buyer")
    response = signed_in(client, "acme.admin").get("/invoices/")
    assert "company" not in response.context["filter"].form.fields
    assert b"Export CSV" not in response.content
    assert signed_in(client, "acme.admin").get("/invoices/", {"_export": "csv"}).status_code == 403


# -- exports and the ZIP -----------------------------------------------------------------


def test_finance_exports_the_filtered_set_as_csv_and_xlsx(client):
    late = shipped("acme.buyer", po="PO-LATE", issued_on=today() - timedelta(days=40))
    shipped("acme.buyer", po="PO-NOW")
    signed_in(client, "finance")

    response = client.get("/invoices/", {"overdue": "on", "_export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["Number"], r["PO"], r["Total"], r["Currency"]) for r in rows] == [
        (late.number, "PO-LATE", f"{late.total:.2f}", "EUR")
    ]

    response = client.get("/invoices/", {"overdue": "on", "_export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *data = list(sheet.values)
    assert "Number" in header and len(data) == 1
    assert data[0][header.index("Number")] == late.number


def test_an_unknown_export_format_is_refused(client):
    response = signed_in(client, "finance").get("/invoices/", {"_export": "pdf"})
    assert response.status_code == 400
    assert b"Export as CSV or XLSX." in response.content


def test_finance_gets_a_zip_of_the_filtered_pdfs_with_progress(client, committed, run_worker):
    invoices = [shipped("acme.buyer") for _ in range(3)]
    shipped("borealis.buyer")
    signed_in(client, "finance")

    with committed():  # the build is queued once the request's transaction commits
        response = client.post("/invoices/archives/?company=acme")
    archive = InvoiceArchive.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/invoices/archives/{archive.pk}/"
    waiting = client.get(f"/invoices/archives/{archive.pk}/", headers={"HX-Request": "true"})
    assert b"0 of 3" in waiting.content
    assert b'hx-trigger="every 1s"' in waiting.content

    run_worker()  # renders the missing PDFs and builds the ZIP

    done = client.get(f"/invoices/archives/{archive.pk}/", headers={"HX-Request": "true"})
    assert b"Download ZIP" in done.content
    assert b"hx-trigger" not in done.content
    response = client.get(f"/invoices/archives/{archive.pk}/download/")
    assert response["Content-Type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(bundle.namelist()) == sorted(f"{i.number}.pdf" for i in invoices)
    for invoice in invoices:
        invoice.refresh_from_db()
        pdf = bundle.read(f"{invoice.number}.pdf")
        assert hashlib.sha256(pdf).hexdigest() == invoice.pdf_sha256


def test_an_empty_selection_makes_no_zip(client):
    response = signed_in(client, "finance").post("/invoices/archives/?q=NOTHING-MATCHES")
    assert response.status_code == 400
    assert b"nothing to put in a ZIP" in response.content
    assert not InvoiceArchive.objects.exists()


def test_an_archive_is_its_requesters_only(client):
    invoice = shipped("acme.buyer")
    signed_in(client, "finance").post(f"/invoices/archives/?q={invoice.number}")
    archive = InvoiceArchive.objects.get()
    other = user("finance")
    other.pk = None
    other.username = "finance.two"
    other.save()
    other.groups.set(user("finance").groups.all())
    client.force_login(other)
    assert client.get(f"/invoices/archives/{archive.pk}/").status_code == 404


# -- one invoice -------------------------------------------------------------------------


def test_the_pdf_page_waits_for_the_rendering_then_serves_the_stored_bytes(client):
    invoice = shipped("acme.buyer")
    signed_in(client, "acme.buyer")

    waiting = client.get(f"/invoices/{invoice.number}/pdf/")
    assert waiting.status_code == 202
    assert b"being prepared" in waiting.content
    poll = client.get(
        f"/invoices/{invoice.number}/", headers={"HX-Request": "true", "HX-Target": "invoice-pdf"}
    )
    assert b'hx-trigger="every 2s"' in poll.content

    digest = invoice_pdf_store(invoice)
    poll = client.get(
        f"/invoices/{invoice.number}/", headers={"HX-Request": "true", "HX-Target": "invoice-pdf"}
    )
    assert b"Download PDF" in poll.content and b"hx-trigger" not in poll.content
    response = client.get(f"/invoices/{invoice.number}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert hashlib.sha256(response.content).hexdigest() == digest


def test_the_order_page_links_its_invoice(client):
    invoice = shipped("acme.buyer")
    response = signed_in(client, "acme.buyer").get(f"/orders/{invoice.order_number}/")
    assert f'href="/invoices/{invoice.number}/"'.encode() in response.content


def test_finance_marks_an_invoice_paid_by_bank_transfer(client):
    invoice = shipped("acme.buyer")
    response = signed_in(client, "finance").post(
        f"/invoices/{invoice.number}/pay/",
        {"amount": f"{invoice.total}", "reference": "SEPA 4711", "received_on": today()},
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.reference, payment.amount, payment.recorded_by) == (
        "SEPA 4711",
        invoice.total,
        user("finance"),
    )
    page = client.get(f"/invoices/{invoice.number}/").content.decode()
    assert "SEPA 4711" in page and "Mark paid" not in page


BAD_PAYMENTS = [
    ({"received_on": "2999-01-01"}, "The payment date cannot be in the future."),
    ({"amount": "-5"}, "Enter an amount above zero."),
    ({"amount": "twelve"}, "Enter a number."),
    ({"amount": "1.005"}, "Ensure that there are no more than 2 decimal places."),
    ({"reference": ""}, "This field is required."),
    ({"received_on": "yesterday"}, "Enter a valid date."),
]


@pytest.mark.parametrize(("change", "message"), BAD_PAYMENTS)
def test_a_bad_payment_is_refused_with_a_message_and_keeps_what_was_typed(client, change, message):
    invoice = shipped("acme.buyer")
    data = {"amount": "10.00", "reference": "SEPA 4711", "received_on": today().isoformat()}
    data.update(change)

    response = signed_in(client, "finance").post(f"/invoices/{invoice.number}/pay/", data)

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    for value in data.values():
        assert f'value="{value}"' in page or not value
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_the_payment_form_offers_today_as_an_iso_date_which_a_date_input_shows(client):
    invoice = shipped("acme.buyer")
    page = signed_in(client, "finance").get(f"/invoices/{invoice.number}/").content.decode()
    assert f'name="received_on" value="{today().isoformat()}"' in page


def test_a_payment_sent_twice_is_refused_the_second_time_with_a_message(client):
    # Found by the bad-input suite: the second click found the invoice paid, and the page,
    # which no longer shows the payment form, showed no reason for the 400.
    invoice = shipped("acme.buyer")
    data = {"amount": f"{invoice.total}", "reference": "SEPA 4711", "received_on": today()}
    signed_in(client, "finance").post(f"/invoices/{invoice.number}/pay/", data)

    again = client.post(f"/invoices/{invoice.number}/pay/", data)

    assert again.status_code == 400
    assert f"{invoice.number} is paid." in again.content.decode()
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_a_credit_note_asked_for_twice_is_refused_the_second_time_with_a_message(client):
    invoice = shipped("acme.buyer")
    signed_in(client, "finance").post(f"/invoices/{invoice.number}/credit/", {"reason": "Returned"})

    again = client.post(f"/invoices/{invoice.number}/credit/", {"reason": "Returned"})

    assert again.status_code == 400
    assert f"{invoice.number} is void already." in again.content.decode()
    assert invoice.credit_notes.count() == 1


def test_a_partial_payment_leaves_the_rest_open_and_an_overpayment_is_shown(client):
    invoice = shipped("acme.buyer")
    signed_in(client, "finance")
    pay = {"reference": "Part 1", "received_on": today().isoformat()}
    client.post(f"/invoices/{invoice.number}/pay/", {**pay, "amount": "100.00"})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    page = client.get(f"/invoices/{invoice.number}/")
    assert page.context["open_amount"] == invoice.total - Decimal("100.00")

    more = invoice.total - Decimal("100.00") + Decimal("5.00")
    client.post(f"/invoices/{invoice.number}/pay/", {**pay, "reference": "Rest", "amount": more})
    page = client.get(f"/invoices/{invoice.number}/")
    assert page.context["invoice"].status == InvoiceStatus.PAID
    assert page.context["overpaid"] == Decimal("5.00")
    assert b'data-testid="overpaid"' in page.content


def test_finance_credits_an_invoice_and_may_cancel_its_shipped_order(client):
    invoice = shipped("acme.buyer")
    signed_in(client, "finance")

    response = client.post(
        f"/invoices/{invoice.number}/credit/",
        {"reason": "Goods returned", "cancel_order": "on"},
    )

    note = invoice.credit_notes.get()
    assert response.status_code == 302 and response["Location"] == f"/invoices/{note.number}/"
    invoice.refresh_from_db()
    invoice.order.refresh_from_db()
    assert (invoice.status, invoice.order.status) == (InvoiceStatus.VOID, "cancelled")
    assert note.number.startswith(f"CN-{today().year}-")
    # both documents appear in the company's documents
    admin_sees = listed(signed_in(client, "acme.admin").get("/invoices/"))
    assert {invoice.number, note.number} <= set(admin_sees)


def test_crediting_without_a_reason_is_refused(client):
    invoice = shipped("acme.buyer")
    response = signed_in(client, "finance").post(f"/invoices/{invoice.number}/credit/", {})
    assert response.status_code == 400
    assert b"This field is required." in response.content
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_the_xml_is_offered_for_eur_invoices_only(client):
    eur = shipped("acme.buyer")
    usd = shipped("borealis.buyer")
    signed_in(client, "finance")
    assert b'data-testid="xml-download"' in client.get(f"/invoices/{eur.number}/").content
    assert client.get(f"/invoices/{eur.number}/xml/")["Content-Type"] == "application/xml"
    assert b'data-testid="xml-download"' not in client.get(f"/invoices/{usd.number}/").content
    assert client.get(f"/invoices/{usd.number}/xml/").status_code == 404


@pytest.mark.parametrize(
    "path", ["/invoices/INV-2026-1/", "/invoices/INV-26-00001/", "/invoices/inv-2026-00001/"]
)
def test_a_malformed_number_is_not_found(client, path):
    assert signed_in(client, "finance").get(path).status_code == 404


# -- aging and the dashboard -------------------------------------------------------------


def test_the_aging_report_puts_each_open_amount_in_its_bucket(client):
    days = {"Current": 5, "1–30": 40, "31–60": 75, "61–90": 110, "90+": 150}
    invoices = {
        bucket: shipped("acme.buyer", issued_on=today() - timedelta(days=ago))
        for bucket, ago in days.items()
    }
    shipped("borealis.buyer")  # due on receipt, issued today: current

    response = signed_in(client, "finance").get("/finance/aging/")

    aging = response.context["aging"]
    acme = next(row for row in aging.rows if row.company.code == "acme")
    assert dict(zip(aging.labels, acme.amounts, strict=True)) == {
        bucket: invoice.total for bucket, invoice in invoices.items()
    }
    page = response.content.decode()
    assert 'data-testid="aging-chart-EUR"' in page and 'data-testid="aging-chart-USD"' in page
    assert "<svg" in page and 'data-testid="aging-table-EUR"' in page


def test_the_finance_dashboard_shows_overdue_totals_and_the_week(client):
    late = shipped("acme.buyer", issued_on=today() - timedelta(days=40))
    shipped("acme.buyer")
    response = signed_in(client, "finance").get("/")
    finance = response.context["finance"]
    assert finance.overdue == {"EUR": late.total}
    assert finance.overdue_count == 1
    assert finance.issued_this_week >= 1
    assert b'data-testid="aging-chart-EUR"' in response.content


def test_the_invoice_page_costs_the_same_queries_for_one_line_or_many(
    client, django_assert_max_num_queries
):
    small = shipped("acme.buyer")
    large = shipped(
        "acme.buyer", (("BOLT-M8-50", 10), ("NUT-M8", 5), ("DRILL-18V", 1), ("GLOVE-L", 12))
    )
    signed_in(client, "finance")
    client.get(f"/invoices/{small.number}/")

    with django_assert_max_num_queries(16) as one:
        client.get(f"/invoices/{small.number}/")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(f"/invoices/{large.number}/")
    assert len(response.context["lines"]) == 4
