"""Journeys of warehouse staff (warehouse.north, warehouse.south)."""

from playwright.sync_api import expect

from e2e.conftest import sign_in


def test_warehouse_staff_sign_in_to_the_warehouse_dashboard(page, portal):
    sign_in(page, portal, "warehouse.north")

    expect(page.get_by_test_id("panel-warehouse")).to_be_visible()
    expect(page.get_by_test_id("panel-buyer")).to_have_count(0)
    expect(page.get_by_role("link", name="Catalog")).to_have_count(0)


def test_warehouse_staff_are_refused_customer_pages(page, portal):
    sign_in(page, portal, "warehouse.south")

    response = page.goto(f"{portal}/company/users/")

    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
