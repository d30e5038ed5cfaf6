"""Journeys of finance staff (finance)."""

from playwright.sync_api import expect

from e2e.conftest import sign_in


def test_finance_signs_in_to_the_finance_dashboard(page, portal):
    sign_in(page, portal, "finance")

    expect(page.get_by_test_id("panel-finance")).to_be_visible()
    expect(page.get_by_test_id("panel-warehouse")).to_have_count(0)
