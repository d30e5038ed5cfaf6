"""Journeys of the operator (admin, a Django superuser)."""

from playwright.sync_api import expect

from e2e.conftest import sign_in


def test_operator_signs_in_and_reaches_the_admin(page, portal):
    sign_in(page, portal, "admin")
    expect(page.get_by_test_id("panel-operator")).to_be_visible()

    page.get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.get_by_role("link", name="Products").click()
    page.get_by_role("textbox").first.fill("DRILL")
    page.keyboard.press("Enter")
    expect(page.locator("#result_list")).to_contain_text("DRILL-18V")
