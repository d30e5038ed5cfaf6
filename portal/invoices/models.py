"""Invoices and credit notes: issued once, never changed; payments are rows against them.

An issued document is a snapshot (seller, buyer, lines, taxes, totals). The model refuses
to save changes to it, the admin shows it read-only, and a database trigger (migration
0002) refuses any other write: only the status, and the PDF once it is rendered, may move.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from portal.accounts.models import Company
from portal.orders.models import Order


class InvoiceImmutable(Exception):
    """An issued invoice or credit note cannot be changed; correct it with a credit note."""


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


# Each kind numbers its documents in its own gapless series per year: INV-2026-00001.
SERIES = {DocumentKind.INVOICE: "INV", DocumentKind.CREDIT_NOTE: "CN"}


class InvoiceStatus(models.TextChoices):
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    VOID = "void", "Void"
    # A credit note is issued and that is all it ever is.
    ISSUED = "issued", "Issued"


# What may change on an issued document (the trigger enforces the same list).
MUTABLE_FIELDS = frozenset({"status", "pdf", "pdf_sha256", "pdf_rendered_at"})


class DocumentCounter(models.Model):
    """The last number given in one series and year; its row lock makes numbering gapless."""

    series = models.CharField(max_length=3)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["series", "year"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="one_counter_per_series_year")
        ]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"


class Invoice(models.Model):
    """An invoice, or a credit note (``kind``) that corrects one."""

    number = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=20, choices=DocumentKind, default=DocumentKind.INVOICE)
    status = models.CharField(max_length=10, choices=InvoiceStatus, default=InvoiceStatus.OPEN)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="invoices")
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        help_text="The invoice a credit note corrects.",
    )
    reason = models.TextField(blank=True, help_text="Why a credit note was issued.")

    currency = models.CharField(max_length=3)
    issued_on = models.DateField()
    due_on = models.DateField()
    order_number = models.CharField(max_length=20)
    po_number = models.CharField("PO number", max_length=50, blank=True)
    # Snapshots: name, line1, line2, postal_code, city, country, vat_id (and the seller's
    # register, bank, iban, bic, email), as they were on the day of issue.
    seller = models.JSONField()
    buyer = models.JSONField()
    payment_method = models.CharField(max_length=20)
    payment_terms_days = models.PositiveSmallIntegerField()

    subtotal = models.DecimalField(max_digits=14, decimal_places=2)
    tax_total = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)

    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)

    # The rendered PDF, stored once (``STORAGES["default"]``) with its SHA-256.
    pdf = models.FileField(max_length=200, blank=True)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_on", "-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("tax_total")), name="invoice_total_adds_up"
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, tax_total__gte=0), name="invoice_amounts_positive"
            ),
            models.CheckConstraint(condition=Q(due_on__gte=F("issued_on")), name="due_after_issue"),
            models.CheckConstraint(
                condition=(
                    Q(kind="invoice", status__in=["open", "paid", "void"], corrects__isnull=True)
                    | Q(kind="credit_note", status="issued", corrects__isnull=False)
                ),
                name="invoice_kind_status",
            ),
            # One invoice per order; its corrections are credit notes.
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="invoice"), name="one_invoice_per_order"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-issued_on"], name="invoice_company_issued"),
            models.Index(fields=["status", "due_on"], name="invoice_status_due"),
            # Finance's list of every document, newest first (its default order).
            models.Index(fields=["-issued_on", "-number"], name="invoice_newest"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= MUTABLE_FIELDS:
                raise InvoiceImmutable(
                    f"{self.number} is issued and cannot be changed; issue a credit note."
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise InvoiceImmutable(f"{self.number} is issued and cannot be deleted.")

    @property
    def is_credit_note(self) -> bool:
        return self.kind == DocumentKind.CREDIT_NOTE

    @property
    def pdf_filename(self) -> str:
        return f"{self.number}.pdf"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    sku = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    line_total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="invoice_line_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class InvoiceTax(models.Model):
    """Tax of one rate on a document: the net basis and the tax on it."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="taxes")
    rate = models.DecimalField(max_digits=5, decimal_places=2)
    basis = models.DecimalField(max_digits=14, decimal_places=2)
    tax = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["invoice", "-rate"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "rate"], name="one_tax_row_per_rate")
        ]

    def __str__(self) -> str:
        return f"{self.rate} % of {self.basis}"


class PaymentKind(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CARD = "card", "Card"


class Payment(models.Model):
    """Money received against an invoice. Never edited: a mistake is a new row."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=20, choices=PaymentKind)
    # The card payment's PaymentIntent: one payment per intent, however often Stripe tells us.
    stripe_payment_intent = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    reference = models.CharField(max_length=100)
    received_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice", "received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=~Q(reference=""), name="payment_has_reference"),
            models.UniqueConstraint(
                fields=["stripe_payment_intent"],
                condition=~Q(stripe_payment_intent=""),
                name="one_payment_per_intent",
            ),
        ]
        # Cash collected per week (the finance dashboard) reads the last weeks' payments.
        indexes = [models.Index(fields=["received_on"], name="payment_received")]

    def __str__(self) -> str:
        return f"{self.amount} on {self.invoice} ({self.reference})"


class Refund(models.Model):
    """Money given back against an invoice (a card refund); the invoice is open again by
    that much. Never edited."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # Stripe's refund id: a refund is recorded once, however often it is reported.
    reference = models.CharField(max_length=100, unique=True)
    stripe_payment_intent = models.CharField(max_length=100, blank=True)
    refunded_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice", "refunded_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} on {self.invoice} ({self.reference})"


class CardAttemptStatus(models.TextChoices):
    PROCESSING = "processing", "Waiting for confirmation from Stripe"
    REQUIRES_ACTION = "requires_action", "Waiting for the card holder's bank"
    SUCCEEDED = "succeeded", "Paid"
    FAILED = "failed", "Failed"


class CardAttempt(models.Model):
    """One try at paying an invoice by card: its Stripe PaymentIntent and how it stands.

    ``attempt`` numbers the tries of one invoice; with the invoice it makes the Stripe
    idempotency key, so a double click creates one PaymentIntent.
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="card_attempts")
    attempt = models.PositiveIntegerField()
    payment_intent = models.CharField(max_length=100, unique=True)
    client_secret = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=CardAttemptStatus, default=CardAttemptStatus.PROCESSING
    )
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["invoice", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "attempt"], name="one_card_attempt_each")
        ]

    def __str__(self) -> str:
        return f"{self.invoice} card attempt {self.attempt} ({self.status})"

    @property
    def is_waiting(self) -> bool:
        return self.status in (CardAttemptStatus.PROCESSING, CardAttemptStatus.REQUIRES_ACTION)


class StripeEvent(models.Model):
    """A webhook event taken in: its id is unique, so each event is processed once."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class PaymentIssue(models.Model):
    """Something Stripe reported that the portal would not book: finance looks at it."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="payment_issues"
    )
    event_id = models.CharField(max_length=100)
    payment_intent = models.CharField(max_length=100, blank=True)
    problem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.problem


class ArchiveStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Building"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class InvoiceArchive(models.Model):
    """A ZIP of many invoices' PDFs, built by a background task for the person who asked."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    invoices = models.ManyToManyField(Invoice, related_name="+")
    total = models.PositiveIntegerField()
    done = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=ArchiveStatus, default=ArchiveStatus.QUEUED)
    file = models.FileField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="archive_progress")
        ]

    def __str__(self) -> str:
        return f"archive {self.pk} ({self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total
