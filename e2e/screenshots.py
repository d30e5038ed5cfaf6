"""Screenshots of each persona's main pages, for the README: ``make screenshots``.

A pytest file the suite does not collect (it is not ``test_*.py``); run it by name,
``pytest e2e/screenshots.py``. It serves the demo data on a live server, signs in as each
persona in turn and saves PNGs into docs/screenshots/, overwriting the ones there.
"""

from pathlib import Path

from playwright.sync_api import expect

from e2e.conftest import sign_in
from e2e.test_warehouse import TABLET

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
# A long table is cut here: the top of it shows the page as well as all of it would.
MAX_HEIGHT = 1600

# (persona, [(file name, path)]); {braces} are filled in from the demo data by ``keys()``.
SCREENS = [
    (None, [("sign-in", "/accounts/login/")]),
    (
        "acme.buyer",
        [
            ("buyer-dashboard", "/"),
            ("buyer-catalog", "/catalog/?per_page=10"),
            ("buyer-product", "/catalog/DRILL-18V/"),
            ("buyer-cart", "/cart/"),
            ("buyer-order", "/orders/{acme_order}/"),
        ],
    ),
    ("acme.manager", [("approver-queue", "/approvals/")]),
    (
        "acme.admin",
        [("company-admin-users", "/company/users/"), ("company-admin-audit", "/audit/")],
    ),
    (
        "warehouse.north",
        [("warehouse-stock", "/inventory/"), ("warehouse-pick-lists", "/inventory/picking/")],
    ),
    (
        "finance",
        [
            ("finance-dashboard", "/"),
            ("finance-invoice", "/invoices/{acme_invoice}/"),
            ("finance-aging", "/finance/aging/"),
        ],
    ),
]


def keys() -> dict[str, str]:
    """The demo's objects the paths above name: a shipped order, and its invoice."""
    from portal.invoices.models import Invoice

    invoice = Invoice.objects.filter(company__code="acme", order__buyer__username="acme.buyer")
    invoice = invoice.select_related("order").first()
    return {"acme_order": invoice.order.number, "acme_invoice": invoice.number}


def shoot(page, name: str) -> None:
    """Save the page, whole, as docs/screenshots/<name>.png (cut at ``MAX_HEIGHT``)."""
    width = page.viewport_size["width"]
    height = min(page.evaluate("() => document.scrollingElement.scrollHeight"), MAX_HEIGHT)
    page.screenshot(
        path=SHOTS / f"{name}.png",
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": height},
        animations="disabled",
        caret="hide",
    )


def fill_the_cart(page, portal) -> None:
    page.goto(f"{portal}/cart/quick-order/")
    page.get_by_label("Paste lines of SKU, quantity").fill(
        "DRILL-18V, 2\nBOLT-M8-50, 50\nGLOVE-L, 24"
    )
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status")).to_contain_text("Added 3 lines")


def test_screenshots(page, portal):
    SHOTS.mkdir(parents=True, exist_ok=True)
    named = keys()
    page.set_viewport_size(DESKTOP)
    for persona, screens in SCREENS:
        page.context.clear_cookies()
        if persona:
            sign_in(page, portal, persona)
            expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        if persona == "acme.buyer":
            fill_the_cart(page, portal)
        for name, path in screens:
            response = page.goto(f"{portal}{path.format(**named)}")
            assert response.status == 200, f"{path} answered {response.status}"
            shoot(page, name)
        if persona == "warehouse.north":
            # The warehouse floor works on tablets: one pick list as it shows there.
            page.set_viewport_size(TABLET)
            page.goto(f"{portal}/inventory/picking/")
            page.locator("section.picklist h2 a").first.click()
            expect(page.get_by_role("button", name="Ship", exact=False)).to_be_visible()
            shoot(page, "warehouse-pick-list-tablet")
            page.set_viewport_size(DESKTOP)
