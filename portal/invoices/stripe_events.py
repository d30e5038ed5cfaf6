"""Stripe's webhook events, taken in once each and booked against invoices.

Every event is verified (signature and age), then recorded by its id in the same
transaction that books it: a second delivery of the same event, sequential or concurrent,
finds the id taken and changes nothing. A payment is booked only when the intent is one
the portal created and its amount and currency are what the portal asked for; anything
else lands on finance's "needs attention" list instead.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import stripe
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal.invoices.card_payments import from_minor, stripe_client
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
from portal.invoices.services import invoice_settle
from pricing.currencies import format_money

# Stripe's own default: a signature older than five minutes is refused (replays).
SIGNATURE_TOLERANCE_SECONDS = 300


class BadWebhook(Exception):
    """The request is not a genuine, fresh Stripe event."""


@dataclass(frozen=True)
class Outcome:
    event_id: str
    result: str


def stripe_event_verify(*, payload: bytes, signature: str):
    """The event in ``payload`` if Stripe signed it with our secret in the last 300 s."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise BadWebhook("No webhook secret is configured.")
    try:
        return stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, SIGNATURE_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as error:
        raise BadWebhook(f"Signature refused: {error.user_message or error}") from None
    except ValueError as error:
        raise BadWebhook(f"Not an event: {error}") from None


@transaction.atomic
def stripe_event_process(event) -> Outcome:
    """Book a verified event once; returns what was done ("duplicate" the second time)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {StripeEvent._meta.db_table} (event_id, type, outcome, received_at)"  # noqa: S608  # nosec B608
            " VALUES (%s, %s, '', %s) ON CONFLICT (event_id) DO NOTHING RETURNING id",
            [event.id, event.type, timezone.now()],
        )
        row = cursor.fetchone()
    if row is None:
        return Outcome(event.id, "duplicate")
    handler = HANDLERS.get(event.type)
    result = handler(event) if handler else "ignored"
    StripeEvent.objects.filter(pk=row[0]).update(outcome=result[:200])
    return Outcome(event.id, result)


def stripe_date(timestamp: int) -> date:
    """The local date of a Stripe timestamp (seconds since the epoch)."""
    return (
        datetime.fromtimestamp(timestamp, tz=UTC).astimezone(timezone.get_current_timezone()).date()
    )


def _attempt_for(intent_id: str, intent=None) -> CardAttempt | None:
    """The attempt that created the intent. The invoice the intent names is locked first:
    a webhook that outruns the request creating the attempt waits for it to commit."""
    number = getattr(getattr(intent, "metadata", None), "invoice", None)
    if number:
        Invoice.objects.select_for_update().filter(number=number).first()
    return (
        CardAttempt.objects.select_for_update()
        .select_related("invoice")
        .filter(payment_intent=intent_id)
        .first()
    )


def _attention(source: str, intent_id: str, problem: str, invoice: Invoice | None = None) -> str:
    PaymentIssue.objects.create(
        invoice=invoice, event_id=source, payment_intent=intent_id, problem=problem
    )
    return f"needs attention: {problem}"


def _mismatch(attempt: CardAttempt, amount: int, currency: str) -> str:
    """Why the reported money is not what the attempt asked for, or "" when it is."""
    if currency.upper() != attempt.currency:
        return (
            f"{attempt.invoice.number}: Stripe reports {currency.upper()}, "
            f"the invoice is in {attempt.currency}."
        )
    reported = from_minor(amount, currency)
    if reported != attempt.amount:
        return (
            f"{attempt.invoice.number}: Stripe reports {format_money(reported, attempt.currency)}, "
            f"the portal asked for {format_money(attempt.amount, attempt.currency)}."
        )
    return ""


def _lock_invoice(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def payment_succeeded(event) -> str:
    return card_payment_book(
        intent=event.data.object, source=event.id, received_on=stripe_date(event.created)
    )


def card_payment_book(*, intent, source: str, received_on: date) -> str:
    """Book a succeeded PaymentIntent against its invoice, once however often it is told
    (``source``: the event or job that tells it). Runs inside the caller's transaction."""
    attempt = _attempt_for(intent.id, intent)
    if attempt is None:
        return _attention(source, intent.id, f"A payment of an unknown intent {intent.id}.")
    received = getattr(intent, "amount_received", None) or intent.amount
    problem = _mismatch(attempt, received, intent.currency)
    if problem:
        return _attention(source, intent.id, problem, attempt.invoice)
    invoice = _lock_invoice(attempt.invoice)
    if invoice.status == InvoiceStatus.VOID:
        return _attention(
            source, intent.id, f"{invoice.number} is void but was paid by card.", invoice
        )
    if not Payment.objects.filter(stripe_payment_intent=intent.id).exists():
        Payment.objects.create(
            invoice=invoice,
            kind=PaymentKind.CARD,
            amount=attempt.amount,
            reference=intent.id,
            stripe_payment_intent=intent.id,
            received_on=received_on,
        )
    CardAttempt.objects.filter(pk=attempt.pk).update(status=CardAttemptStatus.SUCCEEDED, error="")
    invoice_settle(invoice=invoice)
    return f"paid {format_money(attempt.amount, attempt.currency)} on {invoice.number}"


def payment_failed(event) -> str:
    intent = event.data.object
    attempt = _attempt_for(intent.id, intent)
    if attempt is None:
        return _attention(
            event.id, intent.id, f"A failed payment of an unknown intent {intent.id}."
        )
    if attempt.status == CardAttemptStatus.SUCCEEDED:
        return "ignored: the attempt succeeded already"
    error = getattr(intent, "last_payment_error", None)
    message = getattr(error, "message", None) or "The card payment failed."
    CardAttempt.objects.filter(pk=attempt.pk).update(status=CardAttemptStatus.FAILED, error=message)
    return f"failed on {attempt.invoice.number}: {message}"


def _refunds_of(charge) -> list:
    """Every refund of the charge. Since Stripe's API version 2022-11-15 the charge in an
    event no longer lists them (older versions do, in part when there are many): ask."""
    listed = getattr(charge, "refunds", None)
    if listed is not None and not listed.has_more:
        return list(listed.data)
    page = stripe_client().v1.refunds.list(params={"charge": charge.id, "limit": 100})
    return list(page.auto_paging_iter())


def charge_refunded(event) -> str:
    """Book each refund of the charge not booked yet; a refund may arrive before the
    payment it refunds (events are not ordered), and is booked all the same."""
    charge = event.data.object
    intent_id = getattr(charge, "payment_intent", None) or ""
    # Read, not locked: the invoice's lock below serializes the booking, and locks are taken
    # invoice first, then attempt (as a payment's event does).
    attempt = (
        CardAttempt.objects.select_related("invoice").filter(payment_intent=intent_id).first()
        if intent_id
        else None
    )
    if attempt is None:
        return _attention(event.id, intent_id, f"A refund of an unknown charge {charge.id}.")
    if charge.currency.upper() != attempt.currency:
        return _attention(
            event.id, intent_id, _mismatch(attempt, 0, charge.currency), attempt.invoice
        )
    invoice = _lock_invoice(attempt.invoice)
    refunds = _refunds_of(charge)
    known = set(
        Refund.objects.filter(reference__in=[r.id for r in refunds]).values_list(
            "reference", flat=True
        )
    )
    booked = []
    for refund in refunds:
        if refund.id in known:
            continue
        amount = from_minor(refund.amount, charge.currency)
        Refund.objects.create(
            invoice=invoice,
            amount=amount,
            reference=refund.id,
            stripe_payment_intent=intent_id,
            refunded_on=stripe_date(event.created),
        )
        booked.append(amount)
    total = sum(
        Refund.objects.filter(stripe_payment_intent=intent_id).values_list("amount", flat=True), 0
    )
    if total > attempt.amount:
        _attention(
            event.id,
            intent_id,
            f"{invoice.number}: {format_money(total, attempt.currency)} refunded of a payment "
            f"of {format_money(attempt.amount, attempt.currency)}.",
            invoice,
        )
    invoice_settle(invoice=invoice)
    return f"refunded {sum(booked, 0)} {attempt.currency} on {invoice.number}"


HANDLERS = {
    "payment_intent.succeeded": payment_succeeded,
    "payment_intent.payment_failed": payment_failed,
    "charge.refunded": charge_refunded,
}
