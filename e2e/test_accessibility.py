"""Every persona's main pages pass axe-core with no serious or critical violation.

One browser session per persona: it signs in once and walks its pages. axe-core is put
into each page with ``page.evaluate`` (Playwright's DevTools evaluation, which the portal's
Content-Security-Policy does not govern), so the pages are checked under their real CSP.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from e2e.conftest import sign_in

BLOCKING = ("serious", "critical")

# Each persona's pages; {braces} are filled in from the demo data by ``keys()``.
PAGES = {
    "anonymous": ["/accounts/login/", "/accounts/password-reset/"],
    "acme.buyer": [
        "/",
        "/catalog/",
        "/catalog/DRILL-18V/",
        "/cart/",
        "/cart/quick-order/",
        "/orders/",
        "/orders/{acme_order}/",
        "/invoices/",
        "/invoices/{acme_invoice}/",
    ],
    "acme.manager": ["/", "/approvals/"],
    "acme.admin": [
        "/company/users/",
        "/company/users/{acme_buyer_membership}/",
        "/company/users/invite/",
        "/audit/",
    ],
    "warehouse.north": [
        "/",
        "/inventory/",
        "/inventory/NORTH/BOLT-M8-50/",
        "/inventory/picking/",
        "/inventory/picking/{north_pick}/",
    ],
    "finance": [
        "/",
        "/invoices/",
        "/invoices/{acme_invoice}/",
        "/finance/aging/",
        "/finance/attention/",
    ],
    "admin": ["/", "/audit/"],
}


def keys() -> dict[str, str]:
    """The demo's objects the pages above name: an order, an invoice, a colleague, a pick."""
    from portal.accounts.models import Membership
    from portal.invoices.models import Invoice
    from portal.orders.models import Order, OrderStatus

    acme_orders = Order.objects.filter(buyer__username="acme.buyer").exclude(number=None)
    return {
        "acme_order": acme_orders.filter(status=OrderStatus.SHIPPED).first().number,
        "acme_invoice": Invoice.objects.filter(company__code="acme").first().number,
        "acme_buyer_membership": str(Membership.objects.get(user__username="acme.buyer").pk),
        "north_pick": acme_orders.filter(status=OrderStatus.APPROVED).first().number,
    }


def describe(url: str, violations: list[dict]) -> str:
    """One violation a paragraph: rule, impact, what it asks, and the nodes at fault."""
    lines = []
    for v in violations:
        lines.append(f"{url}: {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            why = " ".join(check["message"] for check in node["any"] + node["all"])
            if why:
                lines.append(f"      {why}")
    return "\n".join(lines)


def put_a_line_in_the_cart(page, portal):
    page.goto(f"{portal}/catalog/NUT-M8/")
    page.get_by_label("Quantity of NUT-M8").fill("3")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status").last).to_contain_text("Added 3 × NUT-M8")


@pytest.mark.parametrize("persona", PAGES)
def test_main_pages_have_no_serious_accessibility_violations(page, portal, persona):
    axe = Axe()
    if persona != "anonymous":
        sign_in(page, portal, persona)
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    if persona == "acme.buyer":
        put_a_line_in_the_cart(page, portal)
    named = keys()

    found = []
    for path in PAGES[persona]:
        url = f"{portal}{path.format(**named)}"
        response = page.goto(url)
        assert response.status == 200, f"{url} answered {response.status}"
        results = axe.run(page).response
        blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
        if blocking:
            found.append(describe(url.removeprefix(portal), blocking))

    assert not found, "axe found serious or critical violations:\n" + "\n".join(found)
