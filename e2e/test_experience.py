"""How the portal feels beyond what it does: on a tablet, by keyboard alone, and when a
form comes back with an error under HTMX."""

import re

from playwright.sync_api import expect

from e2e.conftest import sign_in
from e2e.test_warehouse import TABLET, main_nav

NO_HORIZONTAL_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"

# The focused element shows a focus ring: an outline or a box shadow.
FOCUS_VISIBLE = """() => {
  const style = getComputedStyle(document.activeElement);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return outline || style.boxShadow !== "none";
}"""


def fits_the_screen(page) -> None:
    """Nothing to scroll sideways: the page is as wide as the screen."""
    widths = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert page.evaluate(NO_HORIZONTAL_SCROLL), f"{page.url} scrolls sideways: {widths}"


def within_the_screen(page, locator) -> None:
    """``locator`` is shown whole and inside the screen's width, as it is, without zooming."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (locator, box, width)


def test_warehouse_picks_and_ships_on_a_tablet(page, portal):
    # Given warehouse.north on a tablet held upright.
    page.set_viewport_size(TABLET)
    sign_in(page, portal, "warehouse.north")
    nav = main_nav(page)
    # (The link's name may carry a count of the orders waiting, "Pick lists 3".)
    pick_lists = nav.get_by_role("link", name=re.compile(r"^Pick lists\b"))
    within_the_screen(page, pick_lists)
    within_the_screen(page, page.get_by_role("button", name="Sign out"))

    # When they open their stock: it fits the screen, its search and row actions at hand.
    nav.get_by_role("link", name="Stock", exact=True).click()
    expect(page.get_by_role("heading", name="Stock", level=1)).to_be_visible()
    fits_the_screen(page)
    within_the_screen(page, page.get_by_label("Search SKU or name"))
    row = page.locator('#stock-table tbody tr[data-sku="BOLT-M8-50"]')
    within_the_screen(page, row.get_by_role("link", name="Receive BOLT-M8-50 in NORTH"))
    within_the_screen(page, row.get_by_role("link", name="Adjust BOLT-M8-50 in NORTH"))

    # And the pick lists: they fit too.
    pick_lists.click()
    expect(page.get_by_role("heading", name="Pick lists", level=1)).to_be_visible()
    fits_the_screen(page)

    # When they pick Acme's approved order PO-2026-0102 from its own pick list.
    picklist = page.locator("section.picklist").filter(
        has=page.locator("dd", has_text=re.compile(r"^PO-2026-0102$"))
    )
    number = picklist.get_attribute("data-order")
    picklist.get_by_role("link", name=number).click()
    expect(page).to_have_url(f"{portal}/inventory/picking/{number}/")
    fits_the_screen(page)
    lines = page.locator("table.pick-lines")
    within_the_screen(page, lines.get_by_role("columnheader", name="Picked"))
    ship = page.get_by_role("button", name=f"Ship {number}")
    ship.scroll_into_view_if_needed()
    within_the_screen(page, ship)

    # And ship it.
    ship.click()

    # Then the pick lists say so, still without sideways scrolling.
    expect(page).to_have_url(f"{portal}/inventory/picking/")
    expect(page.get_by_role("status")).to_contain_text(f"{number} shipped")
    expect(page.locator(f'section.picklist[data-order="{number}"]')).to_have_count(0)
    fits_the_screen(page)


def tab_to(page, selector: str, *, presses: int = 40) -> None:
    """Press Tab until the element matching ``selector`` has focus; fails when it does not
    come within ``presses``."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    focused = page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"{selector} never got focus by Tab; focus is on {focused}")


def focus_is_visible(page) -> None:
    focused = page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
    assert page.evaluate(FOCUS_VISIBLE), f"no focus ring on {focused}"


def test_buyer_orders_with_the_keyboard_alone(page, portal):
    # Given acme.buyer, signed in; from here on only the keyboard is used.
    sign_in(page, portal, "acme.buyer")
    expect(page.get_by_test_id("panel-buyer")).to_be_visible()

    # When they tab to the catalog in the navigation and follow it.
    tab_to(page, 'nav[aria-label="Main"] a[href="/catalog/"]')
    focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Catalog", level=1)).to_be_visible()

    # Then the first Tab offers to skip the navigation, and the next one is the search.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    focus_is_visible(page)
    within_the_screen(page, page.get_by_role("link", name="Skip to content"))
    page.keyboard.press("Enter")
    tab_to(page, "#id_q", presses=2)
    focus_is_visible(page)

    # When they type a search: the results update in place and the focus stays put.
    with page.expect_response(re.compile(r"/catalog/\?q=bolt&")):
        page.keyboard.type("bolt")
    expect(page).to_have_url(re.compile(r"/catalog/\?q=bolt&"))
    bolt = page.locator("#catalog-table tbody tr", has_text="BOLT-M8-50")
    expect(bolt).to_be_visible()
    expect(page.get_by_label("Search SKU or name")).to_be_focused()

    # And tab to the bolts' quantity, type 50 over it and press Enter.
    tab_to(page, "#qty-BOLT-M8-50")
    focus_is_visible(page)
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("50")
    page.keyboard.press("Enter")

    # Then the row says it was added, and the focus has not been lost.
    expect(bolt.get_by_role("status")).to_contain_text("Added 50 × BOLT-M8-50")
    expect(bolt.get_by_label("Quantity of BOLT-M8-50")).to_be_focused()

    # When they follow the "cart" link of that message.
    tab_to(page, '#catalog-table .add-result a[href="/cart/"]', presses=3)
    focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Cart", level=1)).to_be_visible()
    expect(page.locator("#cart-lines tbody tr")).to_have_count(1)

    # And fill in the checkout: a PO number, and the second delivery address by arrow key.
    tab_to(page, "#checkout input[name=po_number]", presses=60)
    focus_is_visible(page)
    page.keyboard.type("PO-KEYS-1")
    tab_to(page, "#checkout select[name=ship_to]", presses=2)
    focus_is_visible(page)
    page.keyboard.press("ArrowDown")
    chosen = page.evaluate("() => document.activeElement.selectedOptions[0].text")
    assert chosen.startswith("Main warehouse: Hafenweg 4"), chosen
    tab_to(page, "#checkout button[type=submit]")
    focus_is_visible(page)
    page.keyboard.press("Space")

    # Then the order is submitted and its page confirms it.
    expect(page).to_have_url(re.compile(r"/orders/ORD-\d{6}/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.get_by_role("status")).to_contain_text(f"Order {number} submitted")
    expect(page.get_by_test_id("po-number")).to_have_text("PO-KEYS-1")
    expect(page.locator("main dd", has_text="Main warehouse")).to_contain_text("Hafenweg 4")
    expect(page.locator("#order-lines tbody tr")).to_contain_text("BOLT-M8-50")


def test_a_refused_htmx_form_stays_in_place_in_debug(page, portal, settings):
    # Given the portal in DEBUG, as `make run` serves it: its error script is on the page.
    settings.DEBUG = True
    loaded = []
    page.on(
        "response",
        lambda r: loaded.append(r.status) if r.url.endswith("/js/server-errors.js") else None,
    )
    sign_in(page, portal, "acme.buyer")
    expect(page.locator('script[src$="/js/server-errors.js"]')).to_have_count(1)
    assert loaded and set(loaded) == {200}, loaded

    # When acme.buyer types "abc" as a cart line's quantity.
    page.goto(f"{portal}/catalog/NUT-M8/")
    page.get_by_label("Quantity of NUT-M8").fill("3")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status").last).to_contain_text("Added 3 × NUT-M8")
    page.goto(f"{portal}/cart/")
    quantity = page.get_by_label("Quantity of NUT-M8")
    with page.expect_response(re.compile(r"/cart/lines/\d+/$")) as answer:
        quantity.fill("abc")
        quantity.press("Tab")

    # Then the 400 is swapped into the cart: the page around it is still there, the line
    # says what is wrong, next to the field, and what they typed is kept.
    assert answer.value.status == 400
    page_is_intact(page, "Cart")
    line = page.locator('#cart-lines tr[data-sku="NUT-M8"]')
    quantity = line.get_by_label("Quantity of NUT-M8")
    says_next_to(quantity, line.get_by_role("alert"), "whole number of at least 1")
    expect(quantity).to_have_accessible_description(re.compile("whole number of at least 1"))
    expect(quantity).to_have_value("abc")
    expect(quantity).to_be_focused()  # the field to correct, not the top of the page
    expect(line.get_by_test_id("line-total")).to_have_text("€12.96")

    # When acme.manager rejects the order waiting for them without a reason.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, portal, "acme.manager")
    page.goto(f"{portal}/approvals/")
    row = page.locator("#approval-table tbody tr").first
    number = row.get_attribute("data-order")
    with page.expect_response(f"{portal}/orders/{number}/decide/") as answer:
        row.get_by_role("button", name=f"Reject {number}").click()

    # Then the row shows the form again, saying a reason is needed, and nothing else moved.
    assert answer.value.status == 400
    page_is_intact(page, "Approvals")
    row = page.locator(f"#approval-{number}")
    comment = row.get_by_label(f"Reason or comment for {number}")
    says_next_to(comment, row.get_by_role("alert"), "Say why you reject the order")
    expect(comment).to_have_value("")
    expect(comment).to_be_focused()
    expect(row.get_by_role("button", name=f"Approve {number}")).to_be_visible()
    expect(page.get_by_test_id("queue-count")).to_have_text("1")

    # And a reason typed now is sent with the same form.
    comment.fill("Not this quarter.")
    row.get_by_role("button", name=f"Reject {number}").click()
    expect(row.get_by_test_id("queue-outcome")).to_contain_text("rejected")
    expect(page.get_by_test_id("queue-count")).to_have_text("0")


def page_is_intact(page, heading: str) -> None:
    """The page was not replaced by an error page: its header, navigation and title stand."""
    expect(page.locator("header.topbar")).to_have_count(1)
    expect(main_nav(page)).to_be_visible()
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def says_next_to(field, error, message: str) -> None:
    """``field`` is marked invalid, and ``error`` says ``message`` under it (below the
    field and whatever button sits beside it), not somewhere else on the page."""
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(error).to_be_visible()
    expect(error).to_contain_text(message)
    box, near = field.bounding_box(), error.bounding_box()
    gap = near["y"] - (box["y"] + box["height"])
    overlaps = near["x"] < box["x"] + box["width"] and box["x"] < near["x"] + near["width"]
    assert 0 <= gap < 80 and overlaps, f"the error is not under its field: {box} {near}"


def test_every_main_page_fits_a_tablet(page, portal):
    """Each persona's main pages (those the accessibility check walks) at 768 px: nothing
    scrolls sideways; a wide table scrolls inside its own box."""
    from e2e.test_accessibility import PAGES, keys

    page.set_viewport_size(TABLET)
    named = keys()
    too_wide = []
    for persona, paths in PAGES.items():
        page.context.clear_cookies()
        if persona != "anonymous":
            sign_in(page, portal, persona)
        for path in paths:
            page.goto(f"{portal}{path.format(**named)}")
            if not page.evaluate(NO_HORIZONTAL_SCROLL):
                too_wide.append(f"{persona} {path}")
    assert not too_wide, f"these pages scroll sideways at 768 px: {too_wide}"
