"""What every page shares: the navigation's counts, toasts for HTMX answers, a question
before a destructive action, and the favicon."""

import re

from playwright.sync_api import expect

from e2e.conftest import nav_link, sign_in
from tests.ordering import place


def test_adding_in_place_updates_the_cart_count_and_says_so(page, portal):
    sign_in(page, portal, "acme.buyer")
    cart_link = nav_link(page, "Cart")
    expect(cart_link.get_by_test_id("nav-count-cart")).to_be_hidden()

    page.goto(f"{portal}/catalog/?q=bolt")
    bolt = page.locator("#catalog-table tbody tr", has_text="BOLT-M8-50")
    bolt.get_by_role("button", name="Add").click()

    # the count beside Cart follows without a reload, and a toast confirms the add
    expect(cart_link.get_by_test_id("nav-count-cart")).to_have_text("1")
    expect(page.get_by_test_id("toast")).to_contain_text("to your cart")
    # the loading indicator is gone once the answer is in
    expect(page.locator("html.is-loading")).to_have_count(0)


def test_cancelling_an_order_asks_first(page, portal):
    order = place("acme.buyer", [("NUT-M8", 3)])
    sign_in(page, portal, "acme.buyer")
    page.goto(f"{portal}/orders/{order.number}/")
    status = page.get_by_test_id("order-status")
    before = status.inner_text()

    # when the buyer says no to the question, nothing happens
    asked = []

    def answer_no(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", answer_no)
    page.get_by_role("button", name="Cancel order").click()
    expect(status).to_have_text(before)
    assert asked and order.number in asked[0]

    # when they say yes, the order is cancelled
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Cancelled")


def test_every_page_has_its_icon_and_a_skip_link(page, portal):
    response = page.request.get(f"{portal}/favicon.ico")
    assert response.ok and "svg" in response.headers["content-type"]

    sign_in(page, portal, "warehouse.north")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
