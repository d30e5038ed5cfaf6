"""The whole loop across personas: a buyer orders, the manager approves, the warehouse
ships, finance invoices."""

import re

from playwright.sync_api import expect

from e2e.conftest import nav_link, sign_in, sign_out
from e2e.test_manager import place_order, queue_row
from e2e.test_warehouse import TABLET, main_nav


def test_a_shipped_order_reaches_finance_as_an_invoice_with_its_pdf(page, portal, run_worker):
    desk = page.viewport_size
    # Given acme.buyer orders ten drills (€1,190.00), which needs one approval.
    sign_in(page, portal, "acme.buyer")
    number = place_order(page, portal, "DRILL-18V, 10", "PO-E2E-LOOP")
    expect(page.get_by_test_id("order-status")).to_have_text("Pending approval")
    sign_out(page)

    # And acme.manager approves it from the queue.
    sign_in(page, portal, "acme.manager")
    page.goto(f"{portal}/approvals/")
    queue_row(page, number).get_by_role("button", name=f"Approve {number}").click()
    expect(queue_row(page, number).get_by_test_id("queue-outcome")).to_have_text(
        f"{number}: approved."
    )
    sign_out(page)

    # When warehouse.north ships it from its pick list, on the tablet.
    page.set_viewport_size(TABLET)
    sign_in(page, portal, "warehouse.north")
    nav_link(page, "Pick lists").click()
    page.locator(f'section.picklist[data-order="{number}"]').get_by_role(
        "button", name=f"Ship {number}"
    ).click()
    expect(page.get_by_role("status")).to_contain_text(f"{number} shipped")
    sign_out(page)

    # Then finance finds its invoice at the top of the invoices, with the order's PO number.
    page.set_viewport_size(desk)
    sign_in(page, portal, "finance")
    main_nav(page).get_by_role("link", name="Invoices", exact=True).click()
    top = page.locator("#invoice-table tbody tr").first
    expect(top).to_contain_text("PO-E2E-LOOP")
    expect(top).to_contain_text(number)
    expect(top).to_contain_text("Acme Hardware GmbH")
    invoice = top.get_attribute("data-number")
    assert re.fullmatch(r"INV-\d{4}-\d+", invoice), invoice

    # When they open it, its PDF is still being prepared: no worker has run yet.
    top.get_by_role("link", name=invoice).click()
    expect(page).to_have_url(f"{portal}/invoices/{invoice}/")
    expect(page.get_by_test_id("invoice-status")).to_have_text("Open")
    expect(page.get_by_test_id("po-number")).to_have_text("PO-E2E-LOOP")
    expect(page.get_by_test_id("invoice-pdf")).to_contain_text("The PDF is being prepared")
    expect(page.get_by_test_id("pdf-download")).to_have_count(0)
    heading = page.get_by_role("heading", name=f"Invoice {invoice}").element_handle()

    # Then once the worker has rendered it, the download appears by itself, without a reload.
    run_worker()
    expect(page.get_by_test_id("pdf-download")).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("invoice-pdf")).not_to_contain_text("being prepared")
    assert heading.evaluate("h => h.isConnected"), "the page was reloaded"
    with page.expect_download() as download:
        page.get_by_test_id("pdf-download").click()
    assert download.value.suggested_filename == f"{invoice}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
