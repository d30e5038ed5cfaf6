"""Journeys of a manager who approves orders (acme.manager, borealis.manager)."""

from playwright.sync_api import expect

from e2e.conftest import sign_in


def test_manager_signs_in_to_the_approval_dashboard(page, portal):
    sign_in(page, portal, "acme.manager")

    expect(page.get_by_test_id("panel-approver")).to_contain_text("5000.00 EUR")
    expect(page.get_by_test_id("panel-buyer")).to_be_visible()
    expect(page.get_by_role("link", name="Company users")).to_have_count(0)


def test_borealis_manager_lands_on_borealis(page, portal):
    sign_in(page, portal, "borealis.manager")

    expect(page.get_by_test_id("dashboard-title")).to_have_text("Borealis Foods Inc.")
    expect(page.get_by_test_id("panel-approver")).to_contain_text("50000.00 USD")
