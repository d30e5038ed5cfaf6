"""Journeys of a company admin (acme.admin)."""

from playwright.sync_api import expect

from e2e.conftest import sign_in
from e2e.test_finance import column, invoice_rows


def test_company_admin_sets_a_colleagues_budget(page, portal):
    sign_in(page, portal, "acme.admin")
    expect(page.get_by_test_id("panel-company-admin")).to_be_visible()

    page.get_by_role("link", name="Company users").first.click()
    row = page.locator("#members tr", has_text="acme.buyer")
    expect(row).to_contain_text("10000.00 EUR")
    row.get_by_role("link", name="Edit").click()

    page.get_by_label("Monthly budget").fill("-5")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field.has-error")).to_contain_text("greater than or equal to 0")
    expect(page.get_by_label("Monthly budget")).to_have_value("-5")

    page.get_by_label("Monthly budget").fill("12500")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved acme.buyer")
    expect(page.locator("#members tr", has_text="acme.buyer")).to_contain_text("12500.00 EUR")


def test_company_admin_reads_the_approval_policy(page, portal):
    sign_in(page, portal, "acme.admin")
    page.get_by_role("link", name="Company users").first.click()

    policy = page.get_by_test_id("approval-policy")
    expect(policy).to_contain_text("up to €1,000.00")
    expect(policy.get_by_role("row", name="above €5,000.00")).to_contain_text(
        "2, one of them by a company admin"
    )


def test_company_admin_downloads_an_invoice_of_their_company(page, portal):
    # Given acme.admin opens the invoices from the navigation.
    sign_in(page, portal, "acme.admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible()

    # Then they see Acme's invoices only, and none of finance's tools.
    rows = invoice_rows(page)
    expect(rows).not_to_have_count(0)
    assert set(column(page, "Company")) == {"Acme Hardware GmbH"}
    expect(page.get_by_label("Company")).to_have_count(0)
    expect(page.get_by_role("link", name="Export CSV")).to_have_count(0)
    expect(page.get_by_role("button", name="ZIP of the PDFs")).to_have_count(0)

    # When they open the invoice of Acme's order PO-2026-0094.
    row = rows.filter(has_text="PO-2026-0094")
    number = row.get_attribute("data-number")
    row.get_by_role("link", name=number).click()

    # Then it is theirs to read, not to settle.
    expect(page).to_have_url(f"{portal}/invoices/{number}/")
    expect(page.get_by_role("heading", name=f"Invoice {number}", level=1)).to_be_visible()
    expect(page.get_by_test_id("po-number")).to_have_text("PO-2026-0094")
    expect(page.get_by_role("heading", name="Record a bank transfer")).to_have_count(0)
    expect(page.get_by_role("button", name="Issue credit note")).to_have_count(0)

    # When they download its PDF, they get the invoice's stored PDF.
    with page.expect_download() as download:
        page.get_by_test_id("pdf-download").click()
    assert download.value.suggested_filename == f"{number}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
