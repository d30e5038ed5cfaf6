"""Suggestions as you type: in the catalog's search and in quick order's "Find a product"."""

import re

from playwright.sync_api import expect

from e2e.conftest import sign_in

SUGGESTIONS = re.compile(r"/catalog/search/suggestions/\?q=")


def test_the_catalog_search_suggests_products_as_the_buyer_types(page, portal):
    sign_in(page, portal, "acme.buyer")
    page.goto(f"{portal}/catalog/")

    # When acme.buyer types part of a product's name.
    with page.expect_response(SUGGESTIONS) as answer:
        page.get_by_label("Search SKU or name").press_sequentially("glove")

    # Then the browser's list under the field offers the gloves, SKU first.
    assert answer.value.status == 200
    offered = page.locator("#catalog-suggestions option")
    expect(offered.first).to_have_attribute("value", re.compile(r"^GLOVE-"))
    expect(offered.first).to_contain_text("Work gloves")


def test_quick_order_finds_a_product_and_adds_it_as_a_line(page, portal):
    sign_in(page, portal, "acme.buyer")
    page.goto(f"{portal}/cart/quick-order/")
    finder = page.get_by_role("search", name="Find a product")
    sku = finder.get_by_label("SKU or name")
    quantity = finder.get_by_label("Quantity")

    # When acme.buyer types "bolt": the M8 bolts are suggested.
    with page.expect_response(SUGGESTIONS):
        sku.press_sequentially("bolt")
    expect(page.locator('#finder-suggestions option[value="BOLT-M8-50"]')).to_have_count(1)

    # And picks them: the quantity is the product's smallest one, until they type theirs.
    sku.fill("BOLT-M8-50")
    expect(quantity).not_to_have_value("")
    quantity.fill("10")
    quantity.press("Enter")

    # Then the line stands in the box below, and the finder is ready for the next one.
    lines = page.get_by_label("Paste lines of SKU, quantity")
    expect(lines).to_have_value("BOLT-M8-50, 10")
    expect(finder.get_by_test_id("finder-status")).to_contain_text("BOLT-M8-50, 10")
    expect(sku).to_have_value("")
    expect(sku).to_be_focused()

    # When they add a line without a quantity: it is refused at the field, nothing is added.
    sku.fill("GLOVE-L")
    quantity.fill("")
    quantity.press("Enter")
    expect(finder.get_by_test_id("finder-qty-error")).to_contain_text("whole number")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(lines).to_have_value("BOLT-M8-50, 10")

    # And the box goes to the cart as pasted lines do.
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status")).to_contain_text("Added 1 line")
