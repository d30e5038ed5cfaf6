"""Journeys of a manager who approves orders (acme.manager, borealis.manager)."""

import re

from playwright.sync_api import expect

from e2e.conftest import nav_link, sign_in, sign_out

ORDER_URL = re.compile(r"/orders/ORD-\d{6}/$")


def test_manager_signs_in_to_the_approval_dashboard(page, portal):
    sign_in(page, portal, "acme.manager")

    expect(page.get_by_test_id("panel-approver")).to_contain_text("Your approval limit: €5,000.00")
    expect(page.get_by_test_id("panel-buyer")).to_be_visible()
    expect(page.get_by_role("link", name="Company users")).to_have_count(0)


def test_borealis_manager_lands_on_borealis(page, portal):
    sign_in(page, portal, "borealis.manager")

    expect(page.get_by_test_id("dashboard-title")).to_have_text("Borealis Foods Inc.")
    expect(page.get_by_test_id("panel-approver")).to_contain_text("Your approval limit: $50,000.00")


def place_order(page, portal, lines: str, po_number: str) -> str:
    """Quick-order ``lines`` into the signed-in buyer's cart and submit; returns the number."""
    page.goto(f"{portal}/cart/quick-order/")
    page.get_by_label("Paste lines of SKU, quantity").fill(lines)
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{portal}/cart/")
    page.get_by_label("PO number").fill(po_number)
    page.get_by_role("button", name="Submit order").click()
    expect(page).to_have_url(ORDER_URL)
    expect(page.get_by_test_id("po-number")).to_have_text(po_number)
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def queue_row(page, number: str):
    return page.locator(f"#approval-{number}")


def test_manager_approves_a_buyers_order_in_the_queue(page, portal):
    # Given acme.buyer submits a €2,984.80 order, which needs one approval.
    sign_in(page, portal, "acme.buyer")
    number = place_order(page, portal, "DRILL-18V, 20\nBOLT-M8-50, 60", "PO-E2E-3000")
    expect(page.get_by_test_id("order-status")).to_have_text("Pending approval")
    sign_out(page)

    # When acme.manager follows the dashboard to the queue and approves that row.
    sign_in(page, portal, "acme.manager")
    expect(page.get_by_test_id("queue-waiting")).to_contain_text(
        "2 orders waiting for your decision"
    )
    page.get_by_test_id("queue-waiting").get_by_role("link").click()
    expect(page).to_have_url(f"{portal}/approvals/")
    count = page.get_by_test_id("queue-count")
    expect(count).to_have_text("2")
    row = queue_row(page, number)
    expect(row.get_by_test_id("queue-net-total")).to_have_text("€2,984.80")
    expect(row.get_by_test_id("queue-needs")).to_contain_text("Your approval completes it.")
    row.get_by_role("button", name=f"Approve {number}").click()

    # Then the row says so in place and one order fewer waits.
    expect(row.get_by_test_id("queue-outcome")).to_have_text(f"{number}: approved.")
    expect(count).to_have_text("1")
    expect(page).to_have_url(f"{portal}/approvals/")
    sign_out(page)

    # And the buyer finds the order approved, with both steps in its timeline.
    sign_in(page, portal, "acme.buyer")
    page.goto(f"{portal}/orders/{number}/")
    expect(page.get_by_test_id("order-status")).to_have_text("Approved")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li")).to_have_count(3)
    expect(timeline.locator("li").nth(0)).to_contain_text(
        "acme.buyer: Submitted → Pending approval"
    )
    expect(timeline.locator("li").nth(1)).to_contain_text("acme.buyer: Reserved stock")
    expect(timeline.locator("li").nth(2)).to_contain_text("acme.manager: Approved")
    expect(page.get_by_test_id("approvals-given")).to_contain_text(
        "Approved by acme.manager, completing it"
    )


def test_an_order_over_5000_needs_the_company_admin_last(page, portal):
    # Given acme.buyer submits a €6,916.00 order: two approvals, one by a company admin.
    sign_in(page, portal, "acme.buyer")
    number = place_order(page, portal, "DRILL-18V, 20\nBOLT-M8-50, 450", "PO-E2E-7000")
    expect(page.get_by_test_id("approval-outstanding")).to_have_text(
        "Still needs 2 more approvals, one of them by a company admin."
    )
    sign_out(page)

    # When acme.manager approves it from the queue.
    sign_in(page, portal, "acme.manager")
    nav_link(page, "Approvals").click()
    row = queue_row(page, number)
    expect(row.get_by_test_id("queue-net-total")).to_have_text("€6,916.00")
    expect(row.get_by_test_id("queue-needs")).to_contain_text(
        "Still needs 2 more approvals, one of them by a company admin."
    )
    row.get_by_role("button", name=f"Approve {number}").click()

    # Then his approval is recorded, the order still waits, and no longer for him.
    expect(row.get_by_test_id("queue-outcome")).to_have_text(
        f"{number}: your approval is recorded; it still needs 1 more approval, by a company admin."
    )
    expect(page.get_by_test_id("queue-count")).to_have_text("1")
    page.reload()
    expect(page.get_by_test_id("queue-count")).to_have_text("1")
    expect(queue_row(page, number)).to_have_count(0)
    page.goto(f"{portal}/orders/{number}/")
    expect(page.get_by_test_id("order-status")).to_have_text("Pending approval")
    expect(page.get_by_test_id("approval-outstanding")).to_have_text(
        "Still needs 1 more approval, by a company admin."
    )
    expect(page.get_by_role("button", name=f"Approve {number}")).to_have_count(0)
    sign_out(page)

    # When acme.admin approves it on the order page (a plain form post).
    sign_in(page, portal, "acme.admin")
    nav_link(page, "Approvals").click()
    expect(queue_row(page, number).get_by_test_id("queue-needs")).to_contain_text(
        "Approved by acme.manager"
    )
    expect(queue_row(page, number).get_by_test_id("queue-needs")).to_contain_text(
        "Your approval completes it."
    )
    queue_row(page, number).get_by_role("link", name=number).click()
    page.get_by_role("button", name=f"Approve {number}").click()

    # Then the order is approved and lists both approvals, the admin's completing it.
    expect(page).to_have_url(f"{portal}/orders/{number}/")
    expect(page.get_by_role("status")).to_contain_text(f"Order {number}: approved.")
    expect(page.get_by_test_id("order-status")).to_have_text("Approved")
    given = page.get_by_test_id("approvals-given").locator("li")
    expect(given).to_have_count(2)
    expect(given.nth(0)).to_contain_text("Approved by acme.manager")
    expect(given.nth(0)).not_to_contain_text("completing it")
    expect(given.nth(1)).to_contain_text("Approved by acme.admin, completing it")
    expect(page.get_by_test_id("approval-outstanding")).to_have_count(0)
    expect(page.get_by_test_id("timeline")).to_contain_text("acme.admin: Approved")


def test_borealis_manager_sees_only_borealis_orders(page, portal):
    from portal.orders.models import Order

    acme_numbers = list(
        Order.objects.filter(company__code="acme", number__isnull=False).values_list(
            "number", flat=True
        )
    )
    assert acme_numbers
    sign_in(page, portal, "borealis.manager")

    nav_link(page, "Approvals").click()

    expect(page.get_by_test_id("queue-count")).to_have_text("1")
    rows = page.locator("#approval-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("PO BF-7790")
    expect(rows.first.get_by_test_id("queue-net-total")).to_have_text("$2,640.00")
    queue = page.locator("main").inner_text()
    assert not [n for n in acme_numbers if n in queue], queue

    response = page.goto(f"{portal}/orders/{acme_numbers[0]}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Acme")


def test_a_rejection_needs_a_reason_the_buyer_then_reads(page, portal):
    # Given acme.buyer's €1,190.00 order (PO-2026-0106) waits for acme.manager.
    sign_in(page, portal, "acme.manager")
    nav_link(page, "Approvals").click()
    row = page.locator("#approval-table tbody tr", has_text="PO PO-2026-0106")
    number = row.get_attribute("data-order")
    row = queue_row(page, number)
    count = page.get_by_test_id("queue-count")
    expect(count).to_have_text("1")

    # When he rejects it without saying why, the row asks for a reason and nothing is decided.
    row.get_by_role("button", name=f"Reject {number}").click()
    expect(row.get_by_role("alert")).to_have_text(
        "Say why you reject the order: the buyer will read it."
    )
    expect(row.get_by_test_id("queue-outcome")).to_have_count(0)
    expect(count).to_have_text("1")

    # When he gives a reason, the rejection goes through.
    reason = "Ten drills are already on the way; order them next month."
    row.get_by_label(f"Reason or comment for {number}").fill(reason)
    row.get_by_role("button", name=f"Reject {number}").click()
    expect(row.get_by_test_id("queue-outcome")).to_have_text(f"{number}: rejected.")
    expect(count).to_have_text("0")
    sign_out(page)

    # Then the buyer sees the order rejected and why.
    sign_in(page, portal, "acme.buyer")
    page.goto(f"{portal}/orders/{number}/")
    expect(page.get_by_test_id("order-status")).to_have_text("Rejected")
    timeline = page.get_by_test_id("timeline").locator("li")
    expect(timeline.nth(-2)).to_contain_text(f"acme.manager: Rejected · “{reason}”")
    expect(timeline.last).to_contain_text("acme.manager: Released stock")
