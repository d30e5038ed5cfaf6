"""Stripe's webhook: signed events taken in once each, whatever the order, the repetition or
the concurrency, and booked only when the money is what the portal asked for.

The payments are real (made in localstripe); the events are built from localstripe's
objects and signed with the webhook secret exactly as Stripe signs them, then posted.
"""

import csv
import hashlib
import hmac
import io
import json
import time
from decimal import Decimal

import pytest
import stripe
from django.test import Client
from django.utils import timezone

from portal.invoices.card_payments import stripe_client, to_minor
from portal.invoices.models import (
    CardAttempt,
    CardAttemptStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentIssue,
    PaymentKind,
    Refund,
    StripeEvent,
)
from portal.invoices.selectors import open_amount
from portal.invoices.services import payment_record
from pricing.currencies import format_money
from tests.approvals.test_concurrency import at_once
from tests.invoices.conftest import shipped
from tests.invoices.test_card_payments import BUYER, card_paid, card_token, signed_in
from tests.localstripe_server import WEBHOOK_SECRET
from tests.ordering import user

WEBHOOK = "/stripe/webhook/"
SUCCEEDED = "payment_intent.succeeded"


def stripe_signature(payload: str, *, timestamp: int, secret: str = WEBHOOK_SECRET) -> str:
    """The Stripe-Signature header: HMAC-SHA256 of "<timestamp>.<payload>"."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def signed_event(
    type: str,
    obj: dict,
    *,
    event_id: str,
    created: int | None = None,
    secret: str = WEBHOOK_SECRET,
) -> dict:
    """The POST Stripe makes to deliver an event about ``obj``: for ``client.post(WEBHOOK,
    **signed_event(...))``. It is signed at ``created`` (now unless given)."""
    created = int(time.time()) if created is None else created
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": created,
        "livemode": False,
        "type": type,
        "data": {"object": obj},
    }
    payload = json.dumps(event)
    signature = stripe_signature(payload, timestamp=created, secret=secret)
    return {
        "data": payload,
        "content_type": "application/json",
        "headers": {"Stripe-Signature": signature},
    }


def intent_of(attempt: CardAttempt) -> dict:
    """The attempt's PaymentIntent as Stripe holds it now."""
    return stripe_client().v1.payment_intents.retrieve(attempt.payment_intent).to_dict()


def succeeded(attempt: CardAttempt, *, event_id: str = "evt_succeeded") -> dict:
    return signed_event(SUCCEEDED, intent_of(attempt), event_id=event_id)


def refund(attempt: CardAttempt, amount: Decimal | None = None, *, listed: bool = False) -> dict:
    """Refund (part of) the attempt's payment in Stripe; its ``charge.refunded`` event.

    The charge in the event carries no list of its refunds, as since Stripe's API version
    2022-11-15; with ``listed`` it carries them, as in older versions (and localstripe).
    """
    client = stripe_client()
    params = {"payment_intent": attempt.payment_intent}
    if amount is not None:
        params["amount"] = to_minor(amount, attempt.currency)
    made = client.v1.refunds.create(params=params)
    charge = client.v1.charges.retrieve(made.charge).to_dict()
    if not listed:
        del charge["refunds"]
    return signed_event("charge.refunded", charge, event_id=f"evt_{made.id}")


def result(response) -> str:
    assert response.status_code == 200, response.content
    return response.json()["result"]


def reloaded(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def owed(invoice: Invoice) -> Decimal:
    return open_amount(reloaded(invoice))


# -- once each --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_event_delivered_ten_times_books_one_payment(localstripe, client):
    # given borealis.buyer paid an invoice by card
    invoice = shipped(BUYER)
    attempt = card_paid(invoice)
    delivery = succeeded(attempt)

    # when Stripe delivers its payment_intent.succeeded event ten times, one after another
    results = [result(client.post(WEBHOOK, **delivery)) for _ in range(10)]

    # then the first books the payment and the nine others change nothing
    assert (
        results
        == [f"paid {format_money(invoice.total, 'USD')} on {invoice.number}"] + ["duplicate"] * 9
    )
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.kind, payment.amount) == (PaymentKind.CARD, invoice.total)
    assert payment.stripe_payment_intent == attempt.payment_intent
    assert reloaded(invoice).status == InvoiceStatus.PAID
    assert StripeEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_ten_times_at_once_books_one_payment(demo, localstripe):
    # given borealis.buyer paid an invoice by card
    invoice = shipped(BUYER)
    attempt = card_paid(invoice)
    delivery = succeeded(attempt)

    # when Stripe delivers the same event ten times at the same instant, each request in its
    # own thread and database connection
    responses = at_once(*(lambda: Client().post(WEBHOOK, **delivery) for _ in range(10)))

    # then exactly one delivery booked the payment; the nine others found the event taken
    assert not any(isinstance(r, Exception) for r in responses), responses
    results = sorted(result(response) for response in responses)
    assert results == ["duplicate"] * 9 + [
        f"paid {format_money(invoice.total, 'USD')} on {invoice.number}"
    ]
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert StripeEvent.objects.count() == 1
    assert reloaded(invoice).status == InvoiceStatus.PAID


# -- refused deliveries ---------------------------------------------------------------------


def forged(delivery: dict) -> dict:
    """Signed with someone else's secret."""
    payload = delivery["data"]
    stamp = json.loads(payload)["created"]
    signature = stripe_signature(payload, timestamp=stamp, secret="whsec_someone_else")
    return {**delivery, "headers": {"Stripe-Signature": signature}}


def tampered(delivery: dict) -> dict:
    """Stripe's signature on a body changed afterwards."""
    return {**delivery, "data": delivery["data"].replace('"amount": ', '"amount": 1', 1)}


def stale(delivery: dict) -> dict:
    """Correctly signed, but 301 s ago: a replay."""
    payload = delivery["data"]
    signature = stripe_signature(payload, timestamp=int(time.time()) - 301)
    return {**delivery, "headers": {"Stripe-Signature": signature}}


def unsigned(delivery: dict) -> dict:
    return {**delivery, "headers": {}}


@pytest.mark.django_db
@pytest.mark.parametrize("spoil", [forged, tampered, stale, unsigned])
def test_a_delivery_that_stripe_did_not_sign_just_now_is_refused(localstripe, client, spoil):
    # given borealis.buyer paid an invoice by card
    invoice = shipped(BUYER)
    attempt = card_paid(invoice)

    # when its success event arrives forged, tampered with, replayed late or unsigned
    response = client.post(WEBHOOK, **spoil(succeeded(attempt)))

    # then it is refused with 400 and nothing changes
    assert response.status_code == 400
    assert "error" in response.json()
    assert reloaded(invoice).status == InvoiceStatus.OPEN
    assert not Payment.objects.exists()
    assert not StripeEvent.objects.exists()
    attempt.refresh_from_db()
    assert attempt.status == CardAttemptStatus.PROCESSING


@pytest.mark.django_db
def test_the_webhook_takes_posts_only(localstripe, client):
    assert client.get(WEBHOOK).status_code == 405


@pytest.mark.django_db
def test_an_event_signed_at_the_edge_of_the_tolerance_is_taken(localstripe, client):
    # given borealis.buyer paid by card, and the event was signed 290 s ago
    invoice = shipped(BUYER)
    attempt = card_paid(invoice)
    delivery = signed_event(
        SUCCEEDED, intent_of(attempt), event_id="evt_late", created=int(time.time()) - 290
    )

    # when it arrives, it is booked
    assert result(client.post(WEBHOOK, **delivery)).startswith("paid")
    assert reloaded(invoice).status == InvoiceStatus.PAID


# -- money that is not what the portal asked for ---------------------------------------------


def other_amount(intent: dict) -> dict:
    return {**intent, "amount": intent["amount"] - 100, "amount_received": intent["amount"] - 100}


def other_currency(intent: dict) -> dict:
    return {**intent, "currency": "eur"}


def unknown_intent(intent: dict) -> dict:
    return {**intent, "id": "pi_NotMadeByThePortal"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (other_amount, "Stripe reports {less}, the portal asked for {total}."),
        (other_currency, "Stripe reports EUR, the invoice is in USD."),
        (unknown_intent, "A payment of an unknown intent pi_NotMadeByThePortal."),
    ],
)
def test_a_payment_that_is_not_what_the_portal_asked_for_needs_attention(
    localstripe, client, change, problem
):
    # given borealis.buyer paid an invoice by card
    invoice = shipped(BUYER)
    attempt = card_paid(invoice)
    problem = problem.format(
        less=format_money(invoice.total - 1, "USD"), total=format_money(invoice.total, "USD")
    )

    # when Stripe reports a success with another amount, another currency or another intent
    intent = change(intent_of(attempt))
    outcome = result(client.post(WEBHOOK, **signed_event(SUCCEEDED, intent, event_id="evt_odd")))

    # then nothing is booked and the invoice stays open
    assert problem in outcome
    assert outcome.startswith("needs attention")
    assert not Payment.objects.exists()
    assert reloaded(invoice).status == InvoiceStatus.OPEN
    # and finance finds it on the "needs attention" list
    (issue,) = PaymentIssue.objects.all()
    assert (issue.event_id, issue.payment_intent) == ("evt_odd", intent["id"])
    page = signed_in(client, "finance").get("/finance/attention/")
    assert page.status_code == 200
    shown = page.content.decode()
    assert problem in shown
    assert intent["id"] in shown
    # which is finance's alone
    assert signed_in(client, BUYER).get("/finance/attention/").status_code == 403


# -- a failed payment --------------------------------------------------------------------------


# localstripe asks 3-D Secure for this card, and the bank then declines it.
AUTHENTICATE_THEN_DECLINE = "4000008260003178"


@pytest.mark.django_db
def test_a_failed_payment_fails_the_attempt_and_the_buyer_sees_why(localstripe, client):
    # given borealis.buyer paid by a card that needs 3-D Secure, and was asked to confirm
    invoice = shipped(BUYER)
    attempt = card_paid(invoice, number=AUTHENTICATE_THEN_DECLINE)
    assert attempt.status == CardAttemptStatus.REQUIRES_ACTION
    # and after confirming with the bank (Stripe.js does it in the browser), it declined
    with pytest.raises(stripe.CardError):
        stripe_client().raw_request(
            "post",
            f"/v1/payment_intents/{attempt.payment_intent}/_authenticate",
            client_secret=attempt.client_secret,
            success="true",
        )

    # when Stripe's payment_intent.payment_failed event arrives
    failed = signed_event(
        "payment_intent.payment_failed", intent_of(attempt), event_id="evt_failed"
    )
    outcome = result(client.post(WEBHOOK, **failed))

    # then the attempt failed with Stripe's message, and the invoice is still open
    assert outcome == f"failed on {invoice.number}: Your card was declined."
    attempt.refresh_from_db()
    assert (attempt.status, attempt.error) == (CardAttemptStatus.FAILED, "Your card was declined.")
    assert reloaded(invoice).status == InvoiceStatus.OPEN
    # and the buyer's invoice page says why, and offers to pay again
    page = signed_in(client, BUYER).get(f"/invoices/{invoice.number}/")
    shown = page.content.decode()
    assert "Failed (Your card was declined.)" in shown
    assert 'data-testid="pay-by-card"' in shown


# -- refunds ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("listed", [False, True], ids=["refunds asked of Stripe", "listed"])
def test_a_partial_refund_opens_the_invoice_again_by_the_amount_refunded(
    localstripe, client, listed
):
    # given borealis.buyer's invoice paid by card, and the payment booked
    invoice = shipped(BUYER)
    attempt = card_paid(invoice)
    result(client.post(WEBHOOK, **succeeded(attempt)))
    assert reloaded(invoice).status == InvoiceStatus.PAID

    # when finance refunds 20.00 of it in Stripe, and Stripe reports the refund
    outcome = result(client.post(WEBHOOK, **refund(attempt, Decimal("20.00"), listed=listed)))

    # then the refund is booked and the invoice is open for 20.00 again
    assert outcome == f"refunded 20.00 USD on {invoice.number}"
    (booked,) = Refund.objects.filter(invoice=invoice)
    assert (booked.amount, booked.stripe_payment_intent) == (
        Decimal("20.00"),
        attempt.payment_intent,
    )
    assert reloaded(invoice).status == InvoiceStatus.OPEN
    assert owed(invoice) == Decimal("20.00")

    # when a second refund of 5.00 follows (the charge has two refunds now)
    outcome = result(client.post(WEBHOOK, **refund(attempt, Decimal("5.00"), listed=listed)))

    # then only the new refund is booked
    assert outcome == f"refunded 5.00 USD on {invoice.number}"
    assert sorted(Refund.objects.values_list("amount", flat=True)) == [
        Decimal("5.00"),
        Decimal("20.00"),
    ]
    assert owed(invoice) == Decimal("25.00")
    # and the invoice page shows both
    page = signed_in(client, BUYER).get(f"/invoices/{invoice.number}/")
    assert page.context["open_amount"] == Decimal("25.00")
    assert len(page.context["refunds"]) == 2


@pytest.mark.django_db
def test_a_full_refund_leaves_the_whole_invoice_open(localstripe, client):
    # given borealis.buyer's invoice paid by card, and the payment booked
    invoice = shipped(BUYER)
    attempt = card_paid(invoice)
    result(client.post(WEBHOOK, **succeeded(attempt)))

    # when all of it is refunded in Stripe, and Stripe reports it
    result(client.post(WEBHOOK, **refund(attempt)))

    # then the whole invoice is open again
    assert Refund.objects.get(invoice=invoice).amount == invoice.total
    assert reloaded(invoice).status == InvoiceStatus.OPEN
    assert owed(invoice) == invoice.total
    assert not PaymentIssue.objects.exists()

    # when the buyer pays it by card again, with the form the card page gives
    signed_in(client, BUYER)
    form = client.get(f"/invoices/{invoice.number}/card/").context
    response = client.post(
        f"/invoices/{invoice.number}/card/", {"attempt": form["attempt"], "token": card_token()}
    )

    # then that is a new attempt and a new PaymentIntent, not the refunded one again
    assert response.status_code == 302
    assert form["attempt"] == 2
    again = CardAttempt.objects.get(invoice=invoice, attempt=2)
    assert again.payment_intent != attempt.payment_intent
    assert again.amount == invoice.total


@pytest.mark.django_db
@pytest.mark.parametrize("refund_first", [False, True], ids=["in order", "refund first"])
def test_a_refund_reported_before_its_payment_ends_as_in_order(localstripe, client, refund_first):
    # given borealis.buyer paid by card and 30.00 of it was refunded in Stripe
    invoice = shipped(BUYER)
    attempt = card_paid(invoice)
    payment_event = succeeded(attempt)
    refund_event = refund(attempt, Decimal("30.00"))

    # when Stripe delivers the two events, in order or the refund first
    events = [refund_event, payment_event] if refund_first else [payment_event, refund_event]
    for delivery in events:
        result(client.post(WEBHOOK, **delivery))

    # then both are booked either way: the invoice is open for the 30.00 refunded
    assert Payment.objects.get(invoice=invoice).amount == invoice.total
    assert Refund.objects.get(invoice=invoice).amount == Decimal("30.00")
    assert reloaded(invoice).status == InvoiceStatus.OPEN
    assert owed(invoice) == Decimal("30.00")
    assert not PaymentIssue.objects.exists()


# -- anything else ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_event_the_portal_does_not_handle_is_acknowledged_and_ignored(localstripe, client):
    customer = {"id": "cus_Someone", "object": "customer"}
    delivery = signed_event("customer.created", customer, event_id="evt_customer")

    response = client.post(WEBHOOK, **delivery)

    assert response.status_code == 200
    assert response.json() == {"event": "evt_customer", "result": "ignored"}
    assert StripeEvent.objects.get().outcome == "ignored"


# -- part by transfer, part by card --------------------------------------------------------------


def transfer(invoice: Invoice, amount: Decimal) -> Payment:
    """Finance records a bank transfer of ``amount`` against ``invoice``."""
    return payment_record(
        invoice=invoice,
        by=user("finance"),
        amount=amount,
        reference="Bank statement 42",
        received_on=timezone.localdate(),
    )


@pytest.mark.django_db
def test_a_transfer_and_a_card_payment_of_the_rest_pay_the_invoice(localstripe, client):
    # given borealis.buyer's invoice of which 50.00 came by bank transfer
    invoice = shipped(BUYER)
    transfer(invoice, Decimal("50.00"))

    # when the buyer pays the rest by card and Stripe reports it
    attempt = card_paid(invoice)
    result(client.post(WEBHOOK, **succeeded(attempt)))

    # then the card was charged the rest only, and the invoice is paid
    assert attempt.amount == invoice.total - Decimal("50.00")
    assert intent_of(attempt)["amount"] == to_minor(attempt.amount, "USD")
    kinds = Payment.objects.filter(invoice=invoice).values_list("kind", "amount")
    assert sorted(kinds) == [
        (PaymentKind.BANK_TRANSFER, Decimal("50.00")),
        (PaymentKind.CARD, invoice.total - Decimal("50.00")),
    ]
    assert reloaded(invoice).status == InvoiceStatus.PAID
    assert owed(invoice) == 0


@pytest.mark.django_db
def test_a_card_payment_after_a_transfer_is_booked_as_an_overpayment(localstripe, client):
    # given borealis.buyer paid the whole invoice by card, and finance recorded a transfer of
    # 50.00 for it before Stripe's event arrived
    invoice = shipped(BUYER)
    attempt = card_paid(invoice)
    transfer(invoice, Decimal("50.00"))

    # when Stripe reports the card payment
    result(client.post(WEBHOOK, **succeeded(attempt)))

    # then the money is booked: the invoice is paid, 50.00 too much
    assert Payment.objects.get(invoice=invoice, kind=PaymentKind.CARD).amount == invoice.total
    assert reloaded(invoice).status == InvoiceStatus.PAID
    assert owed(invoice) == Decimal("-50.00")
    # and finance sees the negative open amount and the overpayment on the invoice
    page = signed_in(client, "finance").get(f"/invoices/{invoice.number}/")
    shown = page.content.decode()
    assert page.context["open_amount"] == Decimal("-50.00")
    assert 'data-testid="open-amount">−$50.00<' in shown
    assert 'data-testid="overpaid">$50.00<' in shown


# -- the export ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_csv_export_lists_the_payments_and_refunds_of_each_invoice(localstripe, client):
    # given borealis.buyer's invoice paid by card, of which 20.00 was refunded
    invoice = shipped(BUYER)
    attempt = card_paid(invoice)
    result(client.post(WEBHOOK, **succeeded(attempt)))
    result(client.post(WEBHOOK, **refund(attempt, Decimal("20.00"))))
    refund_id = Refund.objects.get().reference

    # when finance exports the invoice list as CSV
    response = signed_in(client, "finance").get("/invoices/", {"_export": "csv"})

    # then the invoice's row has what it received net, and each payment and refund
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(response.content.decode()))
    row = next(r for r in rows if r["Number"] == invoice.number)
    assert row["Paid (net)"] == f"{invoice.total - Decimal('20.00'):.2f}"
    assert row["Open"] == "20.00"
    today = timezone.localdate().isoformat()
    assert row["Payments and refunds"] == (
        f"{today} card {invoice.total:.2f} {attempt.payment_intent}; "
        f"{today} refund -20.00 {refund_id}"
    )
