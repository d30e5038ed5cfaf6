"""Journeys of paying an invoice by card (borealis.buyer), and what finance sees of it.

Stripe is the localstripe server: its Stripe.js stand-in draws the card as plain inputs,
and it signs and sends its webhooks to the live portal about a second after a payment.
"""

import csv
import re

from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import sign_in, sign_out
from e2e.test_finance import column, invoice_rows
from e2e.test_warehouse import main_nav

# Borealis's shipped order: its invoice is due on receipt, by card, in USD.
BOREALIS_PO = "BF-7785"
GOOD_CARD = "4242424242424242"
# Stripe's test card whose charges are declined. (localstripe declines 4000000000000002
# only when it is attached to a customer, which paying an invoice does not do.)
DECLINED_CARD = "4000000000000341"


def open_borealis_invoice(page, portal) -> str:
    """borealis.buyer opens the invoice of BF-7785 from the invoices; returns its number."""
    sign_in(page, portal, "borealis.buyer")
    main_nav(page).get_by_role("link", name="Invoices", exact=True).click()
    expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible()
    row = invoice_rows(page).filter(has_text=BOREALIS_PO)
    number = row.get_attribute("data-number")
    row.get_by_role("link", name=number).click()
    expect(page).to_have_url(f"{portal}/invoices/{number}/")
    expect(page.get_by_test_id("invoice-status")).to_have_text("Open")
    return number


def enter_card(page, number: str) -> None:
    """Type a card into the stand-in's fields: number, expiry 12/30, CVC and ZIP code."""
    card = page.get_by_test_id("card-element")
    for field, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "12345"),
    ):
        card.get_by_placeholder(field, exact=True).fill(value)


def test_buyer_pays_an_open_invoice_by_card_and_finance_sees_it_paid(page, portal, localstripe):
    # Given Stripe sends its events to the portal, and borealis.buyer opens their open invoice.
    localstripe.deliver_webhooks_to(f"{portal}/stripe/webhook/")
    number = open_borealis_invoice(page, portal)
    owed = page.get_by_test_id("open-amount").inner_text()
    assert re.fullmatch(r"\$[\d,]+\.\d\d", owed), owed
    payments = page.get_by_test_id("payments")
    expect(payments).to_contain_text("No payments yet.")

    # When they choose to pay it by card.
    page.get_by_test_id("pay-by-card").click()

    # Then a card form asks for the open amount.
    expect(page).to_have_url(f"{portal}/invoices/{number}/card/")
    expect(page.get_by_role("heading", name=f"Pay {number} by card", level=1)).to_be_visible()
    expect(page.get_by_test_id("card-amount")).to_have_text(owed)

    # When they enter a card and pay.
    enter_card(page, GOOD_CARD)
    page.get_by_role("button", name=f"Pay {owed}").click()

    # Then they are back on the invoice, which waits for Stripe to confirm the payment.
    expect(page).to_have_url(f"{portal}/invoices/{number}/")
    state = page.get_by_test_id("card-state")
    expect(state).to_contain_text(f"Card payment of {owed}: Waiting for confirmation from Stripe")
    expect(page.get_by_test_id("pay-by-card")).to_have_count(0)

    # And once Stripe's webhook has come, the page reloads itself to show the invoice paid.
    today = timezone.localdate().isoformat()
    status = page.get_by_test_id("invoice-status")
    expect(status).to_have_text("Paid")
    expect(state).to_contain_text(f"Card payment of {owed}: Paid.")
    expect(page.get_by_test_id("open-amount")).to_have_text("$0.00")
    card_payment = payments.locator("li")
    expect(card_payment).to_have_count(1)
    expect(card_payment).to_have_text(
        re.compile(rf"^{today} · Card · {re.escape(owed)} · pi_\w+ recorded by the system$")
    )
    reference = re.search(r"pi_\w+", card_payment.inner_text()).group()
    sign_out(page)

    # When finance lists Borealis's invoices.
    sign_in(page, portal, "finance")
    main_nav(page).get_by_role("link", name="Invoices", exact=True).click()
    page.get_by_label("Company").select_option(label="Borealis Foods Inc.")
    expect(page).to_have_url(re.compile(r"/invoices/\?.*company=borealis"))

    # Then the invoice is paid, and the USD totals count the card payment as paid.
    numbers = column(page, "Number")
    assert dict(zip(numbers, column(page, "Status"), strict=True))[number] == "Paid"
    assert dict(zip(numbers, column(page, "Open"), strict=True))[number] == "$0.00"
    totals = page.get_by_test_id("invoice-totals")
    headers = [h.strip() for h in totals.locator("thead th").all_inner_texts()]
    usd = totals.locator('tbody tr[data-currency="USD"] td')
    expect(usd.nth(headers.index("Paid"))).to_have_text(owed)
    expect(usd.nth(headers.index("Open"))).to_have_text("$0.00")

    # When they export the list as CSV.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()

    # Then the invoice's row says paid, by card, with Stripe's reference.
    with open(download.value.path(), newline="", encoding="utf-8") as exported:
        rows = {row["Number"]: row for row in csv.DictReader(exported)}
    exported_row = rows[number]
    amount = owed.removeprefix("$").replace(",", "")
    assert exported_row["Status"] == "Paid"
    assert exported_row["Paid (net)"] == amount
    assert re.fullmatch(
        rf"{today} card {re.escape(amount)} {reference}",
        exported_row["Payments and refunds"],
    ), exported_row["Payments and refunds"]


def test_a_declined_card_says_why_and_leaves_the_invoice_open(page, portal, localstripe):
    # Given borealis.buyer on the card form of their open invoice.
    number = open_borealis_invoice(page, portal)
    owed = page.get_by_test_id("open-amount").inner_text()
    page.get_by_test_id("pay-by-card").click()

    # When they pay with a card its bank declines.
    enter_card(page, DECLINED_CARD)
    page.get_by_role("button", name=f"Pay {owed}").click()

    # Then the form says it was declined, and offers to try another card.
    expect(page.get_by_test_id("card-error")).to_contain_text("The card was declined")
    expect(page.get_by_role("button", name=f"Pay {owed}")).to_be_enabled()
    expect(page.get_by_test_id("card-element").get_by_placeholder("number")).to_have_value("")

    # And the invoice stays open, with nothing paid.
    page.get_by_role("link", name=f"← {number}").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Open")
    expect(page.get_by_test_id("open-amount")).to_have_text(owed)
    expect(page.get_by_test_id("payments")).to_contain_text("No payments yet.")
    expect(page.get_by_test_id("card-state")).to_contain_text(f"Card payment of {owed}: Failed")
    expect(page.get_by_test_id("pay-by-card")).to_be_visible()


def test_without_stripe_keys_no_invoice_offers_card_payment(page, portal, settings):
    # Given a portal with no Stripe account configured.
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""

    # When borealis.buyer opens their open invoice.
    open_borealis_invoice(page, portal)

    # Then it offers no card payment.
    expect(page.get_by_test_id("payments")).to_be_visible()
    expect(page.get_by_test_id("pay-by-card")).to_have_count(0)
