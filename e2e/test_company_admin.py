"""Journeys of a company admin (acme.admin)."""

from playwright.sync_api import expect

from e2e.conftest import sign_in


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
