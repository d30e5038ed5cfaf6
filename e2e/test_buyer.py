"""Journeys of a wholesale buyer (acme.buyer, borealis.buyer)."""

import re

from playwright.sync_api import expect

from e2e.conftest import nav_link, sign_in, sign_out


def test_buyer_signs_in_to_the_ordering_dashboard(page, portal):
    sign_in(page, portal, "acme.buyer")

    expect(page.get_by_test_id("dashboard-title")).to_have_text("Acme Hardware GmbH")
    expect(page.get_by_test_id("panel-buyer")).to_be_visible()
    expect(page.get_by_test_id("panel-approver")).to_have_count(0)
    expect(page.get_by_role("link", name="Company users")).to_have_count(0)
    sign_out(page)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_keeps_the_username_and_says_why(page, portal):
    sign_in(page, portal, "acme.buyer", password="not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page.get_by_label("Username")).to_have_value("acme.buyer")


def test_borealis_buyer_cannot_open_an_acme_page(page, portal, django_user_model):
    from portal.accounts.models import Membership

    acme_member = Membership.objects.get(user__username="acme.buyer").pk
    sign_in(page, portal, "borealis.buyer")
    expect(page.get_by_test_id("current-company")).to_have_text("Borealis Foods Inc.")

    response = page.goto(f"{portal}/company/users/{acme_member}/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Acme")


def test_buyer_browses_the_catalog_in_place(page, portal):
    sign_in(page, portal, "acme.buyer")
    page.get_by_role("link", name="Catalog", exact=True).click()

    page.get_by_label("Search SKU or name").fill("bolt")
    expect(page).to_have_url(f"{portal}/catalog/?q=bolt&category=&sort=&per_page=25")
    expect(page.locator("#catalog-table")).to_contain_text("BOLT-M8-50")
    expect(page.locator("#catalog-table")).not_to_contain_text("NUT-M8")

    page.get_by_role("link", name="BOLT-M8-50").click()
    expect(page.get_by_role("heading", name="BOLT-M8-50")).to_be_visible()
    page.go_back()
    expect(page.get_by_label("Search SKU or name")).to_have_value("bolt")
    expect(page.locator("#catalog-table")).to_contain_text("BOLT-M8-50")


def test_buyer_sees_contract_price_tiers_and_why(page, portal):
    sign_in(page, portal, "acme.buyer")
    page.goto(f"{portal}/catalog/DRILL-18V/")

    expect(page.get_by_test_id("unit-price")).to_have_text("€129.00")
    expect(page.get_by_test_id("price-explanation")).to_contain_text("Contract ACME-2026")
    tiers = page.get_by_test_id("tier-table")
    expect(tiers.locator("tbody tr")).to_have_count(2)
    expect(tiers.locator("tbody tr").nth(1)).to_contain_text("5")
    expect(tiers.locator("tbody tr").nth(1)).to_contain_text("€119.00")
    expect(page.get_by_test_id("next-tier-hint")).to_contain_text("€119.00")


def test_borealis_buyer_sees_their_dollar_price(page, portal):
    sign_in(page, portal, "borealis.buyer")
    page.goto(f"{portal}/catalog/DRILL-18V/")

    expect(page.get_by_test_id("unit-price")).to_have_text("$165.00")
    expect(page.locator("main")).not_to_contain_text("€")


def test_buyer_orders_from_search_quick_order_and_checkout(page, portal):
    sign_in(page, portal, "acme.buyer")
    page.get_by_role("link", name="Catalog", exact=True).click()

    # Search in place: the table updates and the URL can be shared.
    page.get_by_label("Search SKU or name").fill("bolt")
    expect(page).to_have_url(f"{portal}/catalog/?q=bolt&category=&sort=&per_page=25")
    bolt = page.locator("#catalog-table tbody tr", has_text="BOLT-M8-50")
    expect(bolt.get_by_test_id("row-price")).to_have_text("€11.25")

    # Add 50 from the row: the add happens in place, the cart prices the tier at 50.
    bolt.get_by_label("Quantity of BOLT-M8-50").fill("50")
    bolt.get_by_role("button", name="Add").click()
    expect(bolt.get_by_role("status")).to_contain_text("Added 50 × BOLT-M8-50")
    page.reload()
    expect(page.get_by_label("Search SKU or name")).to_have_value("bolt")

    nav_link(page, "Cart").click()
    line = page.locator("#cart-lines tr", has_text="BOLT-M8-50")
    expect(line.get_by_test_id("line-unit-price")).to_have_text("€10.08")
    expect(line.get_by_test_id("line-total")).to_have_text("€504.00")

    # Quick order: three lines pasted, one of them bad, which stays to be fixed.
    page.get_by_role("link", name="Quick order").first.click()
    page.get_by_label("Paste lines of SKU, quantity").fill(
        "NUT-M8, 100\nGLOVE-L; 24\nDRILL-18V\t2\nNOPE-404, 1"
    )
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("invalid-rows")).to_contain_text("Unknown SKU 'NOPE-404'")
    expect(page.get_by_label("Paste lines of SKU, quantity")).to_have_value("NOPE-404, 1")
    expect(page.get_by_role("status")).to_contain_text("Added 3 lines")

    page.get_by_role("link", name="Go to cart").click()
    expect(page.locator("#cart-lines tbody tr")).to_have_count(4)
    # Changing a quantity re-prices the line and the totals in place.
    drill = page.locator("#cart-lines tr", has_text="DRILL-18V")
    drill.get_by_label("Quantity of DRILL-18V").fill("5")
    drill.get_by_label("Quantity of DRILL-18V").press("Tab")
    expect(
        page.locator("#cart-lines tr", has_text="DRILL-18V").get_by_test_id("line-unit-price")
    ).to_have_text("€119.00")
    expect(page.get_by_test_id("subtotal")).to_have_text(
        "€1,600.12"
    )  # 504.00 + 432.00 + 69.12 + 595.00

    page.get_by_label("PO number").fill("PO-4711")
    page.get_by_role("button", name="Submit order").click()
    expect(page).to_have_url(re.compile(r"/orders/ORD-\d{6}/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.get_by_test_id("po-number")).to_have_text("PO-4711")
    expect(page.get_by_test_id("order-status")).to_have_text("Pending approval")
    expect(page.get_by_test_id("timeline")).to_contain_text("Submit")

    # A reload shows the same order (no second submit); back shows an empty cart.
    page.reload()
    expect(page.get_by_test_id("po-number")).to_have_text("PO-4711")
    page.go_back()
    page.reload()
    expect(page.get_by_test_id("cart-empty")).to_be_visible()

    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page.locator("#orders-table")).to_contain_text(number)
    expect(page.locator("#orders-table")).to_contain_text("PO-4711")


def test_a_bad_quantity_in_the_cart_is_explained_in_place(page, portal):
    sign_in(page, portal, "acme.buyer")
    page.goto(f"{portal}/catalog/NUT-M8/")
    page.get_by_label("Quantity of NUT-M8").fill("3")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status").last).to_contain_text("Added 3 × NUT-M8")

    nav_link(page, "Cart").click()
    quantity = page.get_by_label("Quantity of NUT-M8")
    quantity.fill("abc")
    quantity.press("Tab")

    expect(page.locator("#cart-lines")).to_contain_text("whole number of at least 1")
    expect(page.get_by_label("Quantity of NUT-M8")).to_have_value("abc")
    expect(
        page.locator("#cart-lines tr", has_text="NUT-M8").get_by_test_id("line-total")
    ).to_have_text("€12.96")


def test_buyer_edits_a_pending_order_and_submits_it_again(page, portal):
    from e2e.test_manager import place_order

    # Given acme.buyer's €6,916.00 order, which acme.manager has approved once.
    sign_in(page, portal, "acme.buyer")
    number = place_order(page, portal, "DRILL-18V, 20\nBOLT-M8-50, 450", "PO-E2E-EDIT")
    expect(page.get_by_test_id("order-status")).to_have_text("Pending approval")
    sign_out(page)
    sign_in(page, portal, "acme.manager")
    page.goto(f"{portal}/approvals/")
    row = page.locator(f"#approval-{number}")
    row.get_by_role("button", name=f"Approve {number}").click()
    expect(row.get_by_test_id("queue-outcome")).to_contain_text(
        "it still needs 1 more approval, by a company admin."
    )
    sign_out(page)

    # When the buyer reopens the order for editing.
    sign_in(page, portal, "acme.buyer")
    page.goto(f"{portal}/orders/{number}/")
    expect(page.get_by_test_id("approval-panel")).to_contain_text("Approved by acme.manager")
    page.get_by_role("link", name="Edit order").click()
    expect(page).to_have_url(f"{portal}/orders/{number}/edit/")
    page.get_by_role("button", name="Reopen for editing").click()

    # Then it is a draft again, and the approval given so far no longer counts.
    expect(page).to_have_url(f"{portal}/orders/{number}/edit/")
    expect(page.get_by_role("heading", name=f"Edit order {number}")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Draft")
    expect(page.get_by_role("status")).to_contain_text("Approvals given so far no longer count.")

    # When they cut the bolts to 60, the line and the totals re-price in place.
    quantity = page.get_by_label("Quantity of BOLT-M8-50")
    quantity.fill("60")
    quantity.press("Tab")
    expect(page.get_by_test_id("subtotal")).to_have_text("€2,984.80")  # 2,380.00 + 604.80
    expect(page).to_have_url(f"{portal}/orders/{number}/edit/")

    # And add 20 boxes of nuts to it (86.40).
    page.get_by_label("Add products").fill("NUT-M8, 20")
    page.get_by_role("button", name="Add to order").click()
    expect(page.get_by_role("status")).to_contain_text("Added 1 line.")
    expect(page.get_by_test_id("subtotal")).to_have_text("€3,071.20")

    # And submit it again: the same order waits for approval afresh, at its new total.
    page.get_by_role("button", name="Submit order again").click()
    expect(page).to_have_url(f"{portal}/orders/{number}/")
    expect(page.get_by_test_id("order-status")).to_have_text("Pending approval")
    expect(page.get_by_test_id("po-number")).to_have_text("PO-E2E-EDIT")
    given = page.get_by_test_id("approvals-given").locator("li")
    expect(given).to_have_count(1)
    expect(given.first.locator("s")).to_have_text("Approved by acme.manager")
    expect(given.first).to_contain_text("(no longer counts: order edited)")
    expect(page.get_by_test_id("approval-outstanding")).to_have_text(
        "Still needs 1 more approval, by someone whose approval limit covers €3,071.20."
    )
    expect(page.get_by_test_id("timeline")).to_contain_text(
        "acme.buyer: Reopened for editing → Draft"
    )


def test_a_line_short_of_stock_is_refused_at_checkout_until_lowered(page, portal):
    from django.contrib.auth import get_user_model

    from inventory.models import StockLevel
    from inventory.services import stock_adjust

    # Given NORTH, Acme's warehouse, has only 4 DRILL-18V left that no order holds.
    level = StockLevel.objects.select_related("product", "warehouse").get(
        warehouse__code="NORTH", product__sku="DRILL-18V"
    )
    assert level.reserved > 0  # the demo history holds some drills in NORTH
    stock_adjust(
        product=level.product,
        warehouse=level.warehouse,
        change=4 - level.available,
        reason="E2E: stock count, only four drills left",
        by=get_user_model().objects.get(username="warehouse.north"),
    )
    level.refresh_from_db()
    assert level.available == 4
    page.set_viewport_size({"width": 768, "height": 1024})

    # When acme.buyer puts 6 of them in the cart.
    sign_in(page, portal, "acme.buyer")
    page.goto(f"{portal}/catalog/DRILL-18V/")
    page.get_by_label("Quantity of DRILL-18V").fill("6")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status").last).to_contain_text("Added 6 × DRILL-18V")

    # Then the cart warns about the line before checkout.
    nav_link(page, "Cart").click()
    drill = page.locator('#cart-lines tr[data-sku="DRILL-18V"]')
    expect(drill.get_by_test_id("line-short")).to_contain_text("Only 4 available now")
    expect(drill.get_by_test_id("line-error")).to_have_count(0)

    # When they submit the order anyway.
    page.get_by_label("PO number").fill("PO-E2E-SHORT")
    page.get_by_role("button", name="Submit order").click()

    # Then the drill line says what is short, and the cart is still there.
    expect(page.get_by_role("heading", name="Cart", level=1)).to_be_visible()
    expect(page.locator("form.checkout").get_by_role("alert")).to_have_text(
        "Not enough stock for DRILL-18V: nothing was reserved, your order is still a draft."
    )
    expect(drill.get_by_test_id("line-error")).to_have_text(
        "Only 4 available in NORTH; you asked for 6."
    )
    expect(drill.get_by_test_id("line-short")).to_have_count(0)
    expect(page.locator("#cart-lines tbody tr")).to_have_count(1)
    expect(page.get_by_label("Quantity of DRILL-18V")).to_have_value("6")
    expect(page.get_by_label("PO number")).to_have_value("PO-E2E-SHORT")

    # When they lower the quantity to 4 (the line updates in place) and submit again.
    quantity = drill.get_by_label("Quantity of DRILL-18V")
    quantity.fill("4")
    quantity.press("Tab")
    expect(drill.get_by_test_id("line-error")).to_have_count(0)
    expect(drill.get_by_test_id("line-short")).to_have_count(0)
    expect(drill.get_by_test_id("line-total")).to_have_text("€516.00")  # 4 at €129.00
    # The re-rendered checkout form starts again from the saved cart, so the PO number
    # typed before is gone (an app gap, not the journey's point): type it again.
    page.get_by_label("PO number").fill("PO-E2E-SHORT")
    page.get_by_role("button", name="Submit order").click()

    # Then the order is submitted.
    expect(page).to_have_url(re.compile(r"/orders/ORD-\d{6}/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.get_by_role("status")).to_contain_text(f"Order {number} submitted")
    expect(page.get_by_test_id("po-number")).to_have_text("PO-E2E-SHORT")
    expect(page.locator("#order-lines tbody tr")).to_have_count(1)
    expect(page.locator("#order-lines tbody tr")).to_contain_text("DRILL-18V")
