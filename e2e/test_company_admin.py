"""Journeys of a company admin (acme.admin)."""

import re

from playwright.sync_api import expect

from e2e.conftest import nav_link, sign_in
from e2e.test_finance import column, invoice_rows


def test_company_admin_sets_a_colleagues_budget(page, portal):
    sign_in(page, portal, "acme.admin")
    expect(page.get_by_test_id("panel-company-admin")).to_be_visible()

    page.get_by_role("link", name="Company users").first.click()
    row = page.locator("#members tr", has_text="acme.buyer")
    expect(row).to_contain_text("€10,000.00")
    row.get_by_role("link", name="Edit").click()

    page.get_by_label("Monthly budget").fill("-5")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field.has-error")).to_contain_text("greater than or equal to 0")
    expect(page.get_by_label("Monthly budget")).to_have_value("-5")

    page.get_by_label("Monthly budget").fill("12500")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved acme.buyer")
    expect(page.locator("#members tr", has_text="acme.buyer")).to_contain_text("€12,500.00")


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


def test_company_admin_invites_a_buyer_who_orders_until_deactivated(
    page, portal, browser, mailoutbox
):
    # Given acme.admin invites a colleague as a buyer with a 2,000 monthly budget.
    sign_in(page, portal, "acme.admin")
    page.get_by_role("link", name="Company users").first.click()
    page.get_by_role("link", name="Invite a colleague").click()
    page.get_by_label("Username").fill("acme.trainee")
    page.get_by_label("Email").fill("trainee@acme.example")
    page.get_by_label("Buyer").check()
    page.get_by_label("Monthly budget").fill("2000")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invited acme.trainee")
    row = page.locator("#members tr", has_text="acme.trainee")
    expect(row).to_contain_text("Invited")
    expect(row).to_contain_text("€2,000.00")

    # When the colleague opens the emailed link in their own browser and sets a password.
    [mail] = mailoutbox
    link = re.search(r"https?://\S+/accounts/invitation/\S+", mail.body).group(0)
    trainee = browser.new_context().new_page()
    trainee.goto(portal + link[link.index("/accounts/") :])
    expect(trainee.get_by_role("heading", name="Welcome, acme.trainee")).to_be_visible()
    trainee.get_by_label("New password:", exact=True).fill("Forklift-Licence-77")
    trainee.get_by_label("New password confirmation").fill("Forklift-Licence-77")
    trainee.get_by_role("button", name="Set password").click()
    expect(trainee.get_by_role("status")).to_contain_text("Your password is set")

    # Then they sign in and order.
    sign_in(trainee, portal, "acme.trainee", "Forklift-Licence-77")
    trainee.get_by_role("link", name="Quick order").first.click()
    trainee.get_by_label("Paste lines of SKU, quantity").fill("NUT-M8, 2")
    trainee.get_by_role("button", name="Add to cart").click()
    nav_link(trainee, "Cart").click()
    trainee.get_by_role("button", name="Submit order").click()
    expect(trainee).to_have_url(re.compile(r"/orders/ORD-\d{6}/$"))

    # When acme.admin deactivates them.
    page.goto(f"{portal}/company/users/")
    page.locator("#members tr", has_text="acme.trainee").get_by_role("link", name="Edit").click()
    # (the portal asks first: deactivating signs them out at once)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Deactivate acme.trainee").click()
    expect(page.get_by_role("status")).to_contain_text("acme.trainee is deactivated")
    expect(page.locator("#members tr", has_text="acme.trainee")).to_contain_text("Deactivated")

    # Then the colleague's open session stops working at once.
    trainee.reload()
    expect(trainee).to_have_url(re.compile(r"/accounts/login/"))
    trainee.goto(f"{portal}/orders/")
    expect(trainee.get_by_role("heading", name="Sign in")).to_be_visible()
    trainee.context.close()


def test_company_admin_reads_who_changed_a_budget_in_the_audit_trail(page, portal):
    # Given acme.admin changes acme.buyer's monthly budget.
    sign_in(page, portal, "acme.admin")
    page.get_by_role("link", name="Company users").first.click()
    page.locator("#members tr", has_text="acme.buyer").get_by_role("link", name="Edit").click()
    page.get_by_label("Monthly budget").fill("12500")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved acme.buyer")

    # When they open the audit trail and narrow it to acme.buyer.
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Key").fill("acme.buyer")
    expect(page).to_have_url(re.compile(r"key=acme.buyer"))

    # Then the change is there: who, where, and old -> new.
    change = page.locator("#audit-results tr", has_text="Monthly budget").first
    expect(change).to_contain_text("acme.admin")
    expect(change).to_contain_text("Portal")
    expect(change).to_contain_text("€10,000.00 → €12,500.00")

    # And a bad date range is said in place, the page intact.
    page.get_by_label("From").fill("2026-12-31")
    page.get_by_label("Until").fill("2026-01-01")
    expect(page.get_by_test_id("filter-errors")).to_contain_text("on or after the 'from' date")
    expect(page.get_by_role("heading", name="Audit trail", level=1)).to_be_visible()
