"""Find card payments Stripe took that the portal never booked (a webhook that did not
arrive), and with ``--apply`` book them as the webhook would have."""

import time

from django.core.management.base import CommandError
from django.db import transaction

from portal.audit.context import AuditedCommand
from portal.invoices.card_payments import from_minor, stripe_client
from portal.invoices.models import Invoice, Payment
from portal.invoices.stripe_events import card_payment_book, stripe_date

PAGE_SIZE = 100
DAY = 24 * 60 * 60
# What a payment issue names as its source when this command, not an event, found it.
SOURCE = "reconcile_stripe"


def recent_intents(days: int) -> list:
    """The PaymentIntents created in the last ``days`` days, oldest first.

    Stripe lists newest first, so the first page reaching past the window is the last one
    read. The window is applied here, not as a ``created`` filter on the request, which
    localstripe (Stripe in the tests) refuses.
    """
    since = int(time.time()) - days * DAY
    client = stripe_client()
    found = []
    params = {"limit": PAGE_SIZE}
    while True:
        page = client.v1.payment_intents.list(params=params)
        found += [intent for intent in page.data if intent.created >= since]
        if not page.has_more or not page.data or page.data[-1].created < since:
            break
        params = {"limit": PAGE_SIZE, "starting_after": page.data[-1].id}
    return sorted(found, key=lambda intent: (intent.created, intent.id))


def unbooked(intents: list) -> list[tuple]:
    """(invoice number, intent) of each succeeded intent made for one of the portal's
    invoices that has no payment recorded."""
    succeeded = [
        (intent.metadata.to_dict().get("invoice", ""), intent)
        for intent in intents
        if intent.status == "succeeded"
    ]
    known = set(
        Invoice.objects.filter(number__in=[number for number, _ in succeeded]).values_list(
            "number", flat=True
        )
    )
    booked = set(
        Payment.objects.filter(
            stripe_payment_intent__in=[intent.id for _, intent in succeeded]
        ).values_list("stripe_payment_intent", flat=True)
    )
    return [
        (number, intent)
        for number, intent in succeeded
        if number in known and intent.id not in booked
    ]


class Command(AuditedCommand):
    help = (
        "List the card payments of the last N days that Stripe took and the portal has not "
        "recorded; --apply books them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True, help="How far back to look.")
        parser.add_argument(
            "--apply", action="store_true", help="Book the missing payments, as the webhook would."
        )

    def handle(self, *args, days: int, apply: bool, **options):
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        missing = unbooked(recent_intents(days))
        if not missing:
            self.stdout.write("Nothing missing.")
            return
        booked = 0
        for number, intent in missing:
            received = getattr(intent, "amount_received", None) or intent.amount
            amount = from_minor(received, intent.currency)
            self.stdout.write(f"{number}\t{intent.id}\t{amount}\t{intent.currency.upper()}")
            if apply:
                with transaction.atomic():
                    outcome = card_payment_book(
                        intent=intent, source=SOURCE, received_on=stripe_date(intent.created)
                    )
                booked += outcome.startswith("paid")
                self.stdout.write(f"  {outcome}")
        count = len(missing)
        if not apply:
            self.stdout.write(
                f"{count} missing: run again with --apply to book {'it' if count == 1 else 'them'}."
            )
        elif booked == count:
            self.stdout.write(self.style.SUCCESS(f"Booked {booked} of {count}."))
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Booked {booked} of {count}; the rest are on finance's attention list."
                )
            )
