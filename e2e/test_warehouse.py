"""Journeys of warehouse staff (warehouse.north, warehouse.south)."""

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import nav_link, sign_in, sign_out

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def tablet(page):
    """A tablet held upright, as on the warehouse floor."""
    page.set_viewport_size(TABLET)
    return page


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


def main_nav(page):
    return page.get_by_role("navigation", name="Main")


def stock_row(page, sku: str):
    return page.locator(f'#stock-table tbody tr[data-sku="{sku}"]')


ON_HAND = 4  # the column of the stock table: SKU, name, category, warehouse, on hand


def open_stock_of(page, sku: str):
    """Open "Stock" from the navigation and search ``sku``; returns its row."""
    main_nav(page).get_by_role("link", name="Stock", exact=True).click()
    page.get_by_label("Search SKU or name").fill(sku)
    expect(page).to_have_url(re.compile(rf"/inventory/\?q={sku}&"))
    row = stock_row(page, sku)
    expect(row).to_have_count(1)
    expect(page.locator("#stock-table tbody tr")).to_have_count(1)
    return row


def test_warehouse_receives_stock_then_ships_an_approved_order(tablet, portal):
    page = tablet
    # Given warehouse.north finds BOLT-M8-50 in the stock table.
    sign_in(page, portal, "warehouse.north")
    row = open_stock_of(page, "BOLT-M8-50")
    expect(row.locator("td").nth(3)).to_have_text("NORTH")
    before = int(row.locator("td").nth(ON_HAND).inner_text())

    # When they receive 100 units in the row.
    row.get_by_role("link", name="Receive BOLT-M8-50 in NORTH").click()
    expect(row).to_have_class(re.compile(r"\bediting\b"))
    row.get_by_label("Units received").fill("100")
    row.get_by_label("Reason").fill("Delivery note 8812")
    row.get_by_role("button", name="Receive").click()

    # Then the row shows 100 more on hand, and says what happened.
    expect(row.get_by_test_id("row-note")).to_have_text("Received +100 · Delivery note 8812")
    expect(row).not_to_have_class(re.compile(r"\bediting\b"))
    expect(row.locator("td").nth(ON_HAND)).to_have_text(str(before + 100))
    expect(page).to_have_url(re.compile(r"/inventory/\?q=BOLT-M8-50&"))

    # And the product's stock page has the receipt at the top of its ledger.
    row.get_by_role("link", name="BOLT-M8-50", exact=True).click()
    expect(page).to_have_url(f"{portal}/inventory/NORTH/BOLT-M8-50/")
    expect(page.get_by_test_id("on-hand")).to_have_text(str(before + 100))
    latest = page.get_by_test_id("movements").locator("tbody tr").first
    cells = latest.locator("td")
    expect(cells.nth(1)).to_have_text("Receipt")
    expect(cells.nth(2)).to_have_text("+100")
    expect(cells.nth(4)).to_have_text(str(before + 100))
    expect(cells.nth(7)).to_have_text("warehouse.north")
    expect(cells.nth(8)).to_have_text("Delivery note 8812")

    # When they open the pick list of Acme's approved order PO-2026-0102.
    nav_link(page, "Pick lists").click()
    expect(page.get_by_role("heading", name="Pick lists", level=1)).to_be_visible()
    picklist = page.locator("section.picklist").filter(
        has=page.locator("dd", has_text=re.compile(r"^PO-2026-0102$"))
    )
    expect(picklist).to_have_count(1)
    number = picklist.get_attribute("data-order")
    assert re.fullmatch(r"ORD-\d{6}", number), number
    expect(picklist).to_contain_text("Acme Hardware GmbH")

    # Then its lines are in picking order, by SKU.
    skus = picklist.locator("tbody tr td.sku")
    expect(skus).to_have_text(["BOLT-M8-50", "GLOVE-L"])
    assert skus.all_inner_texts() == sorted(skus.all_inner_texts())
    expect(picklist.locator('tbody tr[data-sku="BOLT-M8-50"] td.num')).to_have_text("20")
    expect(picklist.locator('tbody tr[data-sku="GLOVE-L"] td.num')).to_have_text("24")

    # When they ship it.
    picklist.get_by_role("button", name=f"Ship {number}").click()

    # Then they are back on the pick lists, told so, and the order is no longer there.
    expect(page).to_have_url(f"{portal}/inventory/picking/")
    expect(page.get_by_role("status")).to_contain_text(
        f"{number} shipped: its stock has left NORTH."
    )
    expect(page.locator(f'section.picklist[data-order="{number}"]')).to_have_count(0)
    sign_out(page)

    # And the buyer sees the order shipped, by warehouse.north.
    sign_in(page, portal, "acme.buyer")
    page.goto(f"{portal}/orders/{number}/")
    expect(page.get_by_test_id("order-status")).to_have_text("Shipped")
    expect(page.get_by_test_id("po-number")).to_have_text("PO-2026-0102")
    expect(page.get_by_test_id("timeline").locator("li").last).to_contain_text(
        "warehouse.north: Shipped"
    )


def test_an_adjustment_without_a_reason_is_refused_in_place(tablet, portal):
    page = tablet
    # Given warehouse.north finds BOLT-M8-50 in the stock table.
    sign_in(page, portal, "warehouse.north")
    row = open_stock_of(page, "BOLT-M8-50")
    before = row.locator("td").nth(ON_HAND).inner_text()

    # When they adjust the count by -3 without saying why.
    row.get_by_role("link", name="Adjust BOLT-M8-50 in NORTH").click()
    row.get_by_label("Change on hand by").fill("-3")
    row.get_by_role("button", name="Adjust").click()

    # Then the form stays in the row, says a reason is required and keeps the number.
    expect(row.locator(".field.has-error")).to_contain_text("Say why: a reason is required.")
    expect(row.get_by_label("Change on hand by")).to_have_value("-3")
    expect(row.get_by_label("Reason")).to_have_value("")
    expect(page).to_have_url(re.compile(r"/inventory/\?q=BOLT-M8-50&"))

    # And nothing changed: cancelling shows the same count, with no note.
    row.get_by_role("link", name="Cancel").click()
    expect(row.locator("td").nth(ON_HAND)).to_have_text(before)
    expect(row.get_by_test_id("row-note")).to_have_count(0)
    row.get_by_role("link", name="BOLT-M8-50", exact=True).click()
    expect(page.get_by_test_id("on-hand")).to_have_text(before)
    movements = page.get_by_test_id("movements")
    expect(movements.get_by_role("cell", name="Receipt", exact=True)).not_to_have_count(0)
    expect(movements.get_by_role("cell", name="Adjustment", exact=True)).to_have_count(0)
