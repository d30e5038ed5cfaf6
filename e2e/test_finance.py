"""Journeys of finance staff (finance)."""

import csv
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import sign_in
from e2e.test_warehouse import main_nav
from pricing.currencies import format_money


def invoice_rows(page):
    return page.locator("#invoice-table tbody tr")


def column(page, name: str) -> list[str]:
    """The texts of the invoice table's column headed ``name``, top to bottom."""
    headers = [h.strip() for h in page.locator("#invoice-table thead th").all_inner_texts()]
    index = headers.index(name)
    return [row.locator("td").nth(index).inner_text().strip() for row in invoice_rows(page).all()]


def test_finance_signs_in_to_the_finance_dashboard(page, portal):
    sign_in(page, portal, "finance")

    expect(page.get_by_test_id("panel-finance")).to_be_visible()
    expect(page.get_by_test_id("panel-warehouse")).to_have_count(0)


def test_finance_reads_the_aging_report(page, portal):
    # Given finance's dashboard.
    sign_in(page, portal, "finance")

    # When they follow the panel to the aging report.
    page.get_by_test_id("panel-finance").get_by_role("link", name="Aging report").click()

    # Then it charts what is open by age, and lists Acme's overdue amounts in euros.
    expect(page.get_by_role("heading", name="Aging report", level=1)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^Open EUR by days past due"))).to_be_visible()
    table = page.get_by_test_id("aging-table-EUR")
    expect(table.locator("thead th")).to_have_text(
        ["Company", "Current", "1–30", "31–60", "61–90", "90+", "Total"]
    )
    acme = table.locator('tbody tr[data-company="acme"]')
    expect(acme.locator("td").nth(6)).to_have_text(re.compile(r"^€[\d,]+\.\d\d$"))

    # And the company leads to its open invoices.
    acme.get_by_role("link", name="Acme Hardware GmbH").click()
    expect(page).to_have_url(f"{portal}/invoices/?company=acme&status=open")
    expect(page.get_by_label("Company")).to_have_value("acme")
    expect(page.get_by_label("Status")).to_have_value("open")
    expect(invoice_rows(page)).not_to_have_count(0)
    assert set(column(page, "Company")) == {"Acme Hardware GmbH"}
    assert set(column(page, "Status")) == {"Open"}


def test_finance_chases_overdue_invoices_with_a_csv_and_a_zip(page, portal, run_worker):
    # Given finance's dashboard: what is overdue, in total and by age.
    sign_in(page, portal, "finance")
    panel = page.get_by_test_id("panel-finance")
    overdue_total = panel.get_by_test_id("overdue-total")
    expect(overdue_total).to_contain_text(re.compile(r"\d+ overdue invoices?: €[\d,]+\.\d\d"))
    overdue_count = int(re.match(r"\d+", overdue_total.inner_text()).group())
    assert overdue_count > 1
    expect(panel.get_by_role("img", name=re.compile(r"^Open EUR by days past due"))).to_be_visible()
    expect(panel.get_by_test_id("aging-chart-EUR").locator("g.bar")).to_have_count(5)

    # When they open the invoices and tick "Overdue".
    main_nav(page).get_by_role("link", name="Invoices", exact=True).click()
    expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible()
    everything = invoice_rows(page).count()
    search_form = page.get_by_role("search").element_handle()
    page.get_by_label("Overdue").check()

    # Then the table updates in place to the overdue invoices: open, and due before today.
    expect(page).to_have_url(re.compile(r"/invoices/\?.*overdue=on"))
    expect(invoice_rows(page)).to_have_count(overdue_count)
    assert search_form.evaluate("form => form.isConnected"), "the page was reloaded"
    assert overdue_count < everything
    today = timezone.localdate()
    assert set(column(page, "Status")) == {"Open"}
    assert all(date.fromisoformat(due) < today for due in column(page, "Due"))
    totals = page.get_by_test_id("invoice-totals")
    counts = totals.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert sum(int(count) for count in counts) == overdue_count
    numbers = column(page, "Number")

    # When they export the list as CSV.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()

    # Then the file holds the same invoices, and only them.
    assert download.value.suggested_filename == f"invoices-{today.isoformat()}.csv"
    with open(download.value.path(), newline="", encoding="utf-8") as exported:
        rows = list(csv.DictReader(exported))
    assert sorted(row["Number"] for row in rows) == sorted(numbers)
    assert {row["Status"] for row in rows} == {"Open"}

    # When they ask for a ZIP of the PDFs, the button shows the ZIP waiting to be built.
    page.get_by_role("button", name="ZIP of the PDFs").click()
    archive = page.get_by_test_id("archive")
    expect(archive).to_contain_text(f"Waiting for the worker… 0 of {overdue_count}")
    expect(archive.get_by_role("progressbar")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/invoices/\?.*overdue=on"))

    # Then once the worker has built it, the download appears in place.
    run_worker()
    link = page.get_by_test_id("archive-download")
    expect(link).to_be_visible()
    expect(archive).to_contain_text(f"{overdue_count} PDFs ready.")
    expect(invoice_rows(page)).to_have_count(overdue_count)
    with page.expect_download() as download:
        link.click()

    # And the ZIP holds one PDF for each overdue invoice.
    assert re.fullmatch(r"invoices-[\d-]+\.zip", download.value.suggested_filename)
    with zipfile.ZipFile(download.value.path()) as bundle:
        assert sorted(bundle.namelist()) == sorted(f"{number}.pdf" for number in numbers)
        assert all(bundle.read(name).startswith(b"%PDF") for name in bundle.namelist())


def test_finance_records_a_bank_transfer_against_an_overdue_invoice(page, portal):
    # Given finance opens Acme's latest overdue invoice from the list.
    sign_in(page, portal, "finance")
    main_nav(page).get_by_role("link", name="Invoices", exact=True).click()
    page.get_by_label("Company").select_option(label="Acme Hardware GmbH")
    expect(page).to_have_url(re.compile(r"/invoices/\?.*company=acme"))
    page.get_by_label("Overdue").check()
    expect(page).to_have_url(re.compile(r"/invoices/\?.*company=acme.*overdue=on"))
    assert set(column(page, "Company")) == {"Acme Hardware GmbH"}
    first = invoice_rows(page).first
    number = first.get_attribute("data-number")
    first.get_by_role("link", name=number).click()
    expect(page).to_have_url(f"{portal}/invoices/{number}/")
    expect(main_nav(page)).to_have_count(1)
    expect(page.get_by_role("heading", name=f"Invoice {number}", level=1)).to_be_visible()
    status = page.get_by_test_id("invoice-status")
    expect(status).to_have_text("Open")
    expect(page.get_by_test_id("overdue")).to_have_text("Overdue")

    # When they download its PDF.
    with page.expect_download() as download:
        page.get_by_test_id("pdf-download").click()

    # Then they get the stored PDF, named after the invoice.
    assert download.value.suggested_filename == f"{number}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # When they record a transfer of what is open, dated tomorrow by mistake.
    payments = page.get_by_test_id("payments")
    form = page.get_by_test_id("payment-form")
    expect(form.get_by_role("heading", name="Record a bank transfer")).to_be_visible()
    before = payments.locator("li").count()
    owed = form.get_by_label("Amount").input_value()
    assert re.fullmatch(r"\d+\.\d\d", owed), owed
    today = timezone.localdate()
    tomorrow = (today + timedelta(days=1)).isoformat()
    reference = f"SEPA transfer {number} Acme Hardware"
    form.get_by_label("Reference").fill(reference)
    form.get_by_label("Received on").fill(tomorrow)
    form.get_by_role("button", name="Mark paid").click()

    # Then the form says why, keeps what they typed, and nothing is recorded.
    form = page.get_by_test_id("payment-form")
    error = form.locator(".field.has-error")
    expect(error).to_have_count(1)
    expect(error.locator(".error")).to_have_text("The payment date cannot be in the future.")
    expect(error.get_by_label("Received on")).to_be_visible()
    expect(form.get_by_label("Amount")).to_have_value(owed)
    expect(form.get_by_label("Reference")).to_have_value(reference)
    expect(form.get_by_label("Received on")).to_have_value(tomorrow)
    expect(status).to_have_text("Open")
    expect(payments.locator("li")).to_have_count(before)

    # When they correct the date to today.
    form.get_by_label("Received on").fill(today.isoformat())
    form.get_by_role("button", name="Mark paid").click()

    # Then the invoice is paid, with the transfer listed, and nothing is open or overdue.
    expect(page).to_have_url(f"{portal}/invoices/{number}/")
    shown = format_money(Decimal(owed), "EUR")
    expect(page.get_by_role("status")).to_have_text(f"Payment of {shown} recorded on {number}.")
    expect(status).to_have_text("Paid")
    expect(page.get_by_test_id("overdue")).to_have_count(0)
    expect(page.get_by_test_id("open-amount")).to_have_text("€0.00")
    expect(payments.locator("li")).to_have_count(before + 1)
    transfer = payments.locator("li", has_text=reference)
    expect(transfer).to_contain_text(f"{today.isoformat()} · Bank transfer")
    expect(transfer).to_contain_text("recorded by finance")
    expect(page.get_by_test_id("payment-form")).to_have_count(0)
