"""``manage.py reconcile_stripe``: card payments Stripe took whose webhook never reached the
portal are reported, then booked with ``--apply``, once."""

import io

import pytest
from django.core.management import CommandError, call_command

from portal.invoices.card_payments import stripe_client
from portal.invoices.management.commands import reconcile_stripe
from portal.invoices.models import (
    CardAttemptStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentKind,
)
from pricing.currencies import format_money
from tests.invoices.conftest import shipped
from tests.invoices.test_card_payments import BUYER, DECLINED, card_paid, card_token
from tests.invoices.test_webhooks import WEBHOOK, result, succeeded

pytestmark = pytest.mark.django_db


def reconcile(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("reconcile_stripe", *args, stdout=out)
    return out.getvalue().splitlines()


def stripe_payment(amount: int, metadata: dict) -> None:
    """A payment taken in Stripe by something other than the portal's card page."""
    client = stripe_client()
    card = client.v1.tokens.retrieve(card_token()).card
    client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "usd",
            "payment_method": card.id,
            "confirm": True,
            "metadata": metadata,
        }
    )


def test_a_card_payment_whose_webhook_never_came_is_reported_then_booked_once(localstripe, client):
    # given borealis.buyer paid an invoice by card, and Stripe's webhook never came
    invoice = shipped(BUYER)
    attempt = card_paid(invoice)

    # when finance looks for what is missing over the last day
    lines = reconcile("--days", "1")

    # then the payment is reported, with its invoice, intent, amount and currency
    assert lines == [
        f"{invoice.number}\t{attempt.payment_intent}\t{invoice.total}\tUSD",
        "1 missing: run again with --apply to book it.",
    ]
    # and nothing is booked yet
    assert not Payment.objects.exists()

    # when finance applies it
    lines = reconcile("--days", "1", "--apply")

    # then it is booked as the webhook would have booked it, and the invoice is paid
    assert lines[1] == f"  paid {format_money(invoice.total, 'USD')} on {invoice.number}"
    assert lines[-1] == "Booked 1 of 1."
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.kind, payment.amount) == (PaymentKind.CARD, invoice.total)
    assert payment.stripe_payment_intent == attempt.payment_intent
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID
    attempt.refresh_from_db()
    assert attempt.status == CardAttemptStatus.SUCCEEDED

    # when it is applied again, and the late webhook turns up after all
    again = reconcile("--days", "1", "--apply")
    late = result(client.post(WEBHOOK, **succeeded(attempt)))

    # then nothing is booked a second time
    assert again == ["Nothing missing."]
    assert late == f"paid {format_money(invoice.total, 'USD')} on {invoice.number}"
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_only_the_portals_succeeded_unrecorded_payments_are_reported(
    localstripe, client, monkeypatch
):
    # given, read from Stripe two at a time:
    monkeypatch.setattr(reconcile_stripe, "PAGE_SIZE", 2)
    # payments Stripe took for something else, or for an invoice the portal does not have
    stripe_payment(1000, {})
    stripe_payment(2000, {"invoice": "INV-1999-00001"})
    # and a declined card on one invoice, and a payment the webhook booked on another
    declined = card_paid(shipped(BUYER), number=DECLINED)
    assert declined.status == CardAttemptStatus.FAILED
    booked = card_paid(shipped(BUYER))
    result(client.post(WEBHOOK, **succeeded(booked)))
    # and, last in Stripe's list, a payment whose webhook never came
    invoice = shipped(BUYER)
    missing = card_paid(invoice)

    # when finance looks for what is missing
    lines = reconcile("--days", "7")

    # then that one payment is reported
    assert lines[:-1] == [f"{invoice.number}\t{missing.payment_intent}\t{invoice.total}\tUSD"]
    assert Payment.objects.count() == 1


def test_nothing_missing_when_every_payment_is_recorded(localstripe, client):
    # given borealis.buyer's card payment, booked by its webhook
    attempt = card_paid(shipped(BUYER))
    result(client.post(WEBHOOK, **succeeded(attempt)))

    # when finance looks for what is missing, then nothing is
    assert reconcile("--days", "30") == ["Nothing missing."]
    assert reconcile("--days", "30", "--apply") == ["Nothing missing."]
    assert Payment.objects.get().amount == attempt.amount


def test_the_days_to_look_back_are_one_or_more(localstripe):
    with pytest.raises(CommandError, match="--days must be 1 or more"):
        reconcile("--days", "0")
