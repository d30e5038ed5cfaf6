"""Paying an invoice by card against a real localstripe server: the round trip from the card
page to Stripe's signed webhook, double clicks, declined cards, who is offered card payment
and the Content-Security-Policy of the card page."""

import time

import pytest
from django.db import transaction

from portal.invoices.card_payments import card_payment_start, stripe_client
from portal.invoices.models import (
    CardAttempt,
    CardAttemptStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentIssue,
    PaymentKind,
    StripeEvent,
)
from pricing.currencies import format_money
from tests.approvals.test_concurrency import at_once
from tests.invoices.conftest import shipped
from tests.ordering import user

BUYER = "borealis.buyer"  # Borealis pays by card, in USD, on receipt
VISA = "4242424242424242"
# localstripe declines charging this card (its 4000000000000002 is declined only when it is
# attached to a customer, which the portal never does).
DECLINED = "4000000000000341"


def card_token(number: str = VISA) -> str:
    """The card as a token, the way Stripe.js hands it over in the buyer's browser."""
    card = {"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"}
    return stripe_client().v1.tokens.create(params={"card": card}).id


def card_paid(invoice: Invoice, *, number: str = VISA, attempt: int = 1) -> CardAttempt:
    """borealis.buyer pays ``invoice`` by card: Stripe has the money, the portal has not been
    told yet."""
    return card_payment_start(
        invoice=invoice, by=user(BUYER), attempt=attempt, card_token=card_token(number)
    )


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Still not so after {timeout} s.")
        time.sleep(0.05)


def signed_in(client, username: str = BUYER):
    client.force_login(user(username))
    return client


def card_url(invoice: Invoice) -> str:
    return f"/invoices/{invoice.number}/card/"


def invoice_url(invoice: Invoice) -> str:
    return f"/invoices/{invoice.number}/"


def payment_intents() -> list:
    return stripe_client().v1.payment_intents.list(params={"limit": 100}).data


# -- the round trip ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_buyer_pays_by_card_and_stripes_webhook_marks_the_invoice_paid(
    demo, localstripe, live_server, client
):
    # given borealis.buyer's open invoice, and Stripe sending its events to the portal
    invoice = shipped(BUYER)
    localstripe.deliver_webhooks_to(f"{live_server.url}/stripe/webhook/")
    signed_in(client)

    # when the buyer opens the card page and pays with the token Stripe.js made of the card
    page = client.get(card_url(invoice))
    assert page.status_code == 200
    assert page.context["open_amount"] == invoice.total
    response = client.post(
        card_url(invoice), {"attempt": page.context["attempt"], "token": card_token()}
    )

    # then the buyer is back on the invoice, which waits for Stripe's word
    assert response.status_code == 302
    assert response.url == invoice_url(invoice)
    attempt = CardAttempt.objects.get(invoice=invoice)
    assert attempt.amount == invoice.total
    # and once localstripe's signed webhook reaches the portal, the invoice is paid
    wait_for(lambda: Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID)
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.kind, payment.amount) == (PaymentKind.CARD, invoice.total)
    assert payment.stripe_payment_intent == attempt.payment_intent
    attempt.refresh_from_db()
    assert attempt.status == CardAttemptStatus.SUCCEEDED
    # (events of earlier tests' intents may arrive too: localstripe sends them a second late)
    booked = StripeEvent.objects.filter(type="payment_intent.succeeded", outcome__startswith="paid")
    assert list(booked.values_list("outcome", flat=True)) == [
        f"paid {format_money(invoice.total, 'USD')} on {invoice.number}"
    ]
    # and the invoice page says so, with no button to pay again
    shown = client.get(invoice_url(invoice))
    assert shown.context["open_amount"] == 0
    assert shown.context["card_attempt"].status == CardAttemptStatus.SUCCEEDED
    assert 'data-testid="pay-by-card"' not in shown.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_event_that_overtakes_the_commit_of_its_attempt_still_books_the_payment(
    demo, localstripe, live_server
):
    # given borealis.buyer's open invoice, and Stripe sending its events to the portal
    invoice = shipped(BUYER)
    localstripe.deliver_webhooks_to(f"{live_server.url}/stripe/webhook/")

    # when the buyer pays by card, and Stripe's event (sent a second later) arrives before
    # the portal has committed the attempt it made
    with transaction.atomic():
        attempt = card_paid(invoice)
        time.sleep(1.5)

    # then the event waits for the attempt, and the payment is booked all the same
    wait_for(lambda: Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID)
    assert Payment.objects.get(invoice=invoice).stripe_payment_intent == attempt.payment_intent
    assert not PaymentIssue.objects.filter(payment_intent=attempt.payment_intent).exists()


# -- once per attempt ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_double_click_on_pay_creates_one_payment_intent(localstripe, client):
    # given borealis.buyer on the card page of an open invoice
    invoice = shipped(BUYER)
    signed_in(client)
    token = card_token()

    # when the pay button is clicked twice: the same form, the same attempt, posted twice
    first = client.post(card_url(invoice), {"attempt": 1, "token": token})
    second = client.post(card_url(invoice), {"attempt": 1, "token": token})

    # then both land on the invoice, and Stripe was asked for one PaymentIntent only
    assert (first.status_code, second.status_code) == (302, 302)
    (intent,) = payment_intents()
    (attempt,) = CardAttempt.objects.filter(invoice=invoice)
    assert attempt.payment_intent == intent.id
    assert intent.metadata.to_dict() == {"invoice": invoice.number, "attempt": "1"}


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_instant_create_one_payment_intent(demo, localstripe):
    # given borealis.buyer's open invoice and a card token
    invoice = shipped(BUYER)
    token = card_token()
    buyer = user(BUYER)

    # when the same attempt is started twice at the same instant, each in its own connection
    results = at_once(
        *(
            lambda: card_payment_start(invoice=invoice, by=buyer, attempt=1, card_token=token)
            for _ in range(2)
        )
    )

    # then both get the same attempt, the second waiting for the first's lock
    assert all(isinstance(r, CardAttempt) for r in results), results
    assert results[0].pk == results[1].pk
    assert len(payment_intents()) == 1


# -- a declined card ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_declined_card_fails_the_attempt_and_the_next_try_gets_a_new_number(localstripe, client):
    # given borealis.buyer on the card page of an open invoice
    invoice = shipped(BUYER)
    signed_in(client)

    # when the buyer pays with a card the bank declines
    response = client.post(card_url(invoice), {"attempt": 1, "token": card_token(DECLINED)})

    # then the card page says so with 402, and offers a new attempt
    assert response.status_code == 402
    page = response.content.decode()
    assert "The card was declined: Your card was declined." in page
    assert response.context["attempt"] == 2
    assert '<input type="hidden" name="attempt" value="2">' in page
    (declined,) = CardAttempt.objects.filter(invoice=invoice)
    assert declined.status == CardAttemptStatus.FAILED
    # and the invoice is still open, its page showing the failure and the pay button
    shown = client.get(invoice_url(invoice))
    assert "Your card was declined." in shown.content.decode()
    assert shown.context["can_pay_by_card"]

    # when the buyer tries again with another card, as attempt 2
    again = client.post(card_url(invoice), {"attempt": 2, "token": card_token()})

    # then that is a new PaymentIntent, asked for with a new idempotency key
    assert again.status_code == 302
    retry = CardAttempt.objects.get(invoice=invoice, attempt=2)
    assert retry.status == CardAttemptStatus.PROCESSING
    assert retry.payment_intent != declined.payment_intent
    assert retry.payment_intent in {intent.id for intent in payment_intents()}
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.OPEN


@pytest.mark.django_db
def test_an_out_of_date_card_form_is_refused_without_charging(localstripe, client):
    # given borealis.buyer's attempt 1 declined
    invoice = shipped(BUYER)
    signed_in(client)
    client.post(card_url(invoice), {"attempt": 1, "token": card_token(DECLINED)})

    # when a form for attempt 3, which was never offered, is posted
    response = client.post(card_url(invoice), {"attempt": 3, "token": card_token()})

    # then it is refused with 400 and Stripe was not asked again
    assert response.status_code == 400
    assert "out of date" in response.content.decode()
    assert CardAttempt.objects.filter(invoice=invoice).count() == 1


# -- who is offered card payment -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("viewer", "buyer"),
    [
        ("acme.buyer", "acme.buyer"),  # Acme pays by bank transfer
        ("finance", "borealis.buyer"),  # finance records payments, it does not pay
    ],
)
def test_no_card_payment_where_the_viewer_does_not_pay_by_card(localstripe, client, viewer, buyer):
    # given an invoice of buyer's, seen by viewer
    invoice = shipped(buyer)
    signed_in(client, viewer)

    # when viewer opens the invoice and its card page
    shown = client.get(invoice_url(invoice))
    card_page = client.get(card_url(invoice))
    card_post = client.post(card_url(invoice), {"attempt": 1, "token": card_token()})

    # then there is no pay button, and the card page does not exist for them
    assert shown.status_code == 200
    assert 'data-testid="pay-by-card"' not in shown.content.decode()
    assert (card_page.status_code, card_post.status_code) == (404, 404)
    assert payment_intents() == []


@pytest.mark.django_db
def test_no_card_payment_when_stripe_is_not_configured(settings, client):
    # given no Stripe keys in the settings
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    invoice = shipped(BUYER)
    signed_in(client)

    # when borealis.buyer opens the invoice and its card page
    shown = client.get(invoice_url(invoice))
    card_page = client.get(card_url(invoice))

    # then there is no pay button and no card page
    assert shown.status_code == 200
    assert 'data-testid="pay-by-card"' not in shown.content.decode()
    assert card_page.status_code == 404


# -- Content-Security-Policy ----------------------------------------------------------------


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parsed}


@pytest.mark.django_db
def test_only_the_card_page_lets_the_browser_load_stripe_js(localstripe, client):
    # given borealis.buyer's open invoice; Stripe.js is served from localstripe's origin
    invoice = shipped(BUYER)
    signed_in(client)
    stripe_origin = localstripe.url

    # when the buyer opens the card page and the invoice page
    card_page = directives(client.get(card_url(invoice)))
    invoice_page = directives(client.get(invoice_url(invoice)))

    # then the card page may load Stripe.js, frame its card field and call its API
    assert stripe_origin in card_page["script-src"]
    assert card_page["frame-src"] == [stripe_origin]
    assert stripe_origin in card_page["connect-src"]
    # and the invoice page allows nothing of Stripe's
    assert not any(stripe_origin in sources for sources in invoice_page.values())
    assert "frame-src" not in invoice_page
