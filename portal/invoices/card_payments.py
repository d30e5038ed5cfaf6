"""Paying an invoice by card with Stripe: one PaymentIntent per attempt, created once.

The browser turns the card into a token with Stripe.js; ``card_payment_start`` creates the
PaymentIntent for the open amount and confirms it with that card. What Stripe then says
happened arrives by webhook (``stripe_events``): only a webhook books a payment.
"""

from decimal import Decimal

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Max

from portal.accounts.models import PaymentMethod
from portal.invoices.models import CardAttempt, CardAttemptStatus, Invoice, InvoiceStatus
from portal.invoices.selectors import open_amount, with_amounts
from portal.invoices.services import InvoiceError
from pricing.currencies import minor_unit

# PaymentIntent states that mean "not done yet, but nothing failed".
WAITING = {
    "processing": CardAttemptStatus.PROCESSING,
    "requires_confirmation": CardAttemptStatus.PROCESSING,
    "requires_capture": CardAttemptStatus.PROCESSING,
    "succeeded": CardAttemptStatus.PROCESSING,  # booked when the webhook says so
    "requires_action": CardAttemptStatus.REQUIRES_ACTION,
}


def card_payments_enabled() -> bool:
    """Card payment is offered only when Stripe keys are configured."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)


def stripe_client() -> stripe.StripeClient:
    """A client for the configured account (and API address, for a local Stripe in tests)."""
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses=base or {})


def to_minor(amount: Decimal, currency: str) -> int:
    """Stripe's integer amount: cents for EUR and USD, yen for JPY."""
    return int(amount / minor_unit(currency))


def from_minor(amount: int, currency: str) -> Decimal:
    return Decimal(amount) * minor_unit(currency.upper())


def pays_by_card(invoice: Invoice) -> bool:
    """Whether the buyer may pay this invoice by card now."""
    return (
        card_payments_enabled()
        and invoice.payment_method == PaymentMethod.CARD
        and not invoice.is_credit_note
        and invoice.status == InvoiceStatus.OPEN
    )


def next_attempt(invoice: Invoice) -> int:
    """The number the next try at paying ``invoice`` by card gets (the form carries it)."""
    last = invoice.card_attempts.aggregate(n=Max("attempt"))["n"] or 0
    # Only a try still under way is taken up again; after a failure, or a success that a
    # refund has since undone, paying again is a new try.
    waiting = invoice.card_attempts.filter(
        attempt=last,
        status__in=(CardAttemptStatus.PROCESSING, CardAttemptStatus.REQUIRES_ACTION),
    )
    return last if waiting.exists() else last + 1


def idempotency_key(invoice: Invoice, attempt: int) -> str:
    return f"invoice-{invoice.number}-attempt-{attempt}"


@transaction.atomic
def card_payment_start(*, invoice: Invoice, by, attempt: int, card_token: str) -> CardAttempt:
    """Charge the invoice's open amount to the tokenized card, as try number ``attempt``.

    The same attempt asked again (a double click, a replayed form) gives the same
    PaymentIntent: the attempt row is looked up under the invoice's lock, and Stripe is
    called with an idempotency key made of the invoice and the attempt.
    """
    locked = with_amounts(Invoice.objects.select_for_update(of=("self",))).get(pk=invoice.pk)
    existing = CardAttempt.objects.filter(invoice=locked, attempt=attempt).first()
    if existing is not None:
        return existing
    if not pays_by_card(locked):
        raise InvoiceError(f"{locked.number} cannot be paid by card.")
    if attempt != next_attempt(locked):
        raise InvoiceError("This payment form is out of date: open the invoice again.")
    owed = open_amount(locked)
    if owed <= 0:
        raise InvoiceError(f"{locked.number} has nothing left to pay.")
    if not card_token.startswith("tok_"):
        raise InvoiceError("The card could not be read: enter it again.")
    client = stripe_client()
    try:
        token = client.v1.tokens.retrieve(card_token)
        intent = client.v1.payment_intents.create(
            params={
                "amount": to_minor(owed, locked.currency),
                "currency": locked.currency.lower(),
                "payment_method": token.card.id,
                "payment_method_types": ["card"],
                "confirm": True,
                "metadata": {"invoice": locked.number, "attempt": str(attempt)},
            },
            options={"idempotency_key": idempotency_key(locked, attempt)},
        )
    except stripe.CardError as declined:
        # Recorded, so that the next try is a new attempt with a new idempotency key.
        intent_id = _declined_intent(client, declined)
        return CardAttempt.objects.create(
            invoice=locked,
            attempt=attempt,
            payment_intent=intent_id or idempotency_key(locked, attempt),
            amount=owed,
            currency=locked.currency,
            status=CardAttemptStatus.FAILED,
            error=f"The card was declined: {declined.user_message}",
            started_by=by,
        )
    except stripe.StripeError as error:
        raise InvoiceError(
            f"Stripe could not take the payment now ({error.user_message or 'no answer'}). "
            "Nothing was charged; try again in a moment."
        ) from None
    return CardAttempt.objects.create(
        invoice=locked,
        attempt=attempt,
        payment_intent=intent.id,
        client_secret=intent.client_secret or "",
        amount=owed,
        currency=locked.currency,
        status=WAITING.get(intent.status, CardAttemptStatus.FAILED),
        error="" if intent.status in WAITING else f"Stripe says {intent.status}.",
        started_by=by,
    )


def _declined_intent(client: stripe.StripeClient, declined: stripe.CardError) -> str | None:
    """The PaymentIntent of a declined card: Stripe names it in the error, or its charge."""
    error = declined.error
    intent = getattr(error, "payment_intent", None)
    if intent is not None:
        return getattr(intent, "id", None) or str(intent)
    charge = getattr(error, "charge", None)
    if not charge:
        return None
    try:
        return client.v1.charges.retrieve(charge).payment_intent or None
    except stripe.StripeError:
        return None
