"""Reads of invoicing: amounts paid and open, the aging of what is owed, dashboard figures."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncWeek

from portal.accounts.models import Company
from portal.invoices.models import (
    DocumentKind,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentIssue,
    Refund,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def paid_amount(invoice: Invoice) -> Decimal:
    """What the invoice has received, net: its payments less its refunds."""
    received = invoice.payments.aggregate(s=Sum("amount"))["s"] or ZERO
    return received - refunded_amount(invoice)


def refunded_amount(invoice: Invoice) -> Decimal:
    return invoice.refunds.aggregate(s=Sum("amount"))["s"] or ZERO


def _sum_of(model, field: str = "amount") -> Subquery:
    rows = (
        model.objects.filter(invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(s=Sum(field))
        .values("s")
    )
    return Coalesce(Subquery(rows, output_field=MONEY), Value(ZERO), output_field=MONEY)


def with_amounts(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate ``paid``: what each invoice received, net (payments less refunds).

    Subqueries, not joins, so that counting and summing the list stay one row per invoice.
    """
    return invoices.annotate(paid=_sum_of(Payment) - _sum_of(Refund))


def _restricted_to(invoices: QuerySet[Invoice], relation: str = "pk") -> Q:
    """A filter keeping rows of ``invoices`` only: nothing to add when that is every
    invoice (finance's unfiltered list), where the subquery would make PostgreSQL match
    each row against every invoice there is."""
    if not invoices.query.has_filters():
        return Q()
    return Q(**{f"{relation}__in": invoices.order_by().values("pk")})


def invoice_totals(invoices: QuerySet[Invoice]) -> list[dict]:
    """Per currency, over a whole (filtered) set: how many documents, invoiced, credited,
    paid against its invoices (payments less refunds), and still open. Three queries,
    whatever the set's size."""
    documents = (
        Invoice.objects.filter(_restricted_to(invoices))
        .values("currency")
        .annotate(
            count=Count("pk"),
            invoiced=Sum("total", filter=Q(kind=DocumentKind.INVOICE)),
            credited=Sum("total", filter=Q(kind=DocumentKind.CREDIT_NOTE)),
            open_total=Sum("total", filter=Q(status=InvoiceStatus.OPEN)),
        )
        .order_by("currency")
    )
    received = _by_currency(Payment, invoices)
    refunded = _by_currency(Refund, invoices)
    totals = []
    for row in documents:
        currency = row["currency"]
        paid, open_paid = (
            received.get(currency, (ZERO, ZERO))[i] - refunded.get(currency, (ZERO, ZERO))[i]
            for i in (0, 1)
        )
        totals.append(
            {
                "currency": currency,
                "count": row["count"],
                "invoiced": row["invoiced"] or ZERO,
                "credited": row["credited"] or ZERO,
                "paid": paid,
                "open": (row["open_total"] or ZERO) - open_paid,
            }
        )
    return totals


def _by_currency(model, invoices) -> dict[str, tuple[Decimal, Decimal]]:
    """currency -> (sum of ``model``'s amounts, the part on open invoices)."""
    rows = (
        model.objects.filter(_restricted_to(invoices, "invoice"))
        .values("invoice__currency")
        .annotate(
            total=Sum("amount"),
            on_open=Sum("amount", filter=Q(invoice__status=InvoiceStatus.OPEN)),
        )
        .order_by()
    )
    return {r["invoice__currency"]: (r["total"] or ZERO, r["on_open"] or ZERO) for r in rows}


def open_amount(invoice: Invoice) -> Decimal:
    """What is still owed on the invoice (negative when overpaid)."""
    if invoice.kind != DocumentKind.INVOICE or invoice.status == InvoiceStatus.VOID:
        return ZERO
    paid = getattr(invoice, "paid", None)
    if paid is None:
        paid = paid_amount(invoice)
    return invoice.total - paid


def overdue(invoices: QuerySet[Invoice], today: date) -> QuerySet[Invoice]:
    return invoices.filter(kind=DocumentKind.INVOICE, status=InvoiceStatus.OPEN, due_on__lt=today)


# Aging buckets: (label, fewest days past due, most days past due or None).
BUCKETS = (
    ("Current", None, 0),
    ("1–30", 1, 30),
    ("31–60", 31, 60),
    ("61–90", 61, 90),
    ("90+", 91, None),
)
BUCKET_LABELS = tuple(label for label, _, _ in BUCKETS)


@dataclass
class AgingRow:
    company: object
    currency: str
    amounts: list[Decimal] = field(default_factory=lambda: [ZERO] * len(BUCKETS))

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, ZERO)


@dataclass
class Aging:
    """What is owed, by company and by how long past due, with totals per currency."""

    today: date
    rows: list[AgingRow]
    totals: dict[str, list[Decimal]]

    @property
    def labels(self) -> tuple[str, ...]:
        return BUCKET_LABELS


def _bucket(today: date) -> Case:
    """The index in BUCKETS of an invoice's days past due, worked out by PostgreSQL."""
    whens = []
    for index, (_, low, high) in enumerate(BUCKETS):
        # days past due = today - due_on: at least ``low`` days is due on or before today - low
        condition = Q()
        if low is not None:
            condition &= Q(due_on__lte=today - timedelta(days=low))
        if high is not None:
            condition &= Q(due_on__gte=today - timedelta(days=high))
        whens.append(When(condition, then=Value(index)))
    return Case(*whens, output_field=IntegerField())


def aging(invoices: QuerySet[Invoice], today: date) -> Aging:
    """Open amounts of open invoices, by company and bucket (days past the due date).

    Summed by PostgreSQL, one row per company, currency and bucket: there are thousands of
    open invoices at a wholesaler's size, and loading each cost most of the page's time.
    """
    # An overpaid invoice owes nothing (not a negative amount); its paid amount is worked
    # out once, in the sum, not again in a filter.
    owed = Greatest(F("total") - F("paid"), Value(ZERO), output_field=MONEY)
    sums = (
        with_amounts(invoices.filter(kind=DocumentKind.INVOICE, status=InvoiceStatus.OPEN))
        .annotate(bucket=_bucket(today))
        .values("company_id", "company__code", "company__legal_name", "currency", "bucket")
        .annotate(amount=Sum(owed))
        .order_by()
    )
    rows: dict[tuple[int, str], AgingRow] = {}
    totals: dict[str, list[Decimal]] = {}
    for entry in sums:
        if entry["amount"] <= 0:
            continue
        currency, index = entry["currency"], entry["bucket"]
        company = Company(
            pk=entry["company_id"],
            code=entry["company__code"],
            legal_name=entry["company__legal_name"],
        )
        row = rows.setdefault((company.pk, currency), AgingRow(company, currency))
        row.amounts[index] += entry["amount"]
        totals.setdefault(currency, [ZERO] * len(BUCKETS))[index] += entry["amount"]
    ordered = sorted(rows.values(), key=lambda r: (r.currency, r.company.legal_name))
    return Aging(today=today, rows=ordered, totals=dict(sorted(totals.items())))


@dataclass
class FinanceToday:
    attention: int
    overdue: dict[str, Decimal]
    overdue_count: int
    issued_this_week: int
    issued_this_week_totals: dict[str, Decimal]
    # The aging's totals per currency, by bucket; not its rows (a company each), which the
    # dashboard does not show and which cost more to read back from the cache than the rest.
    aging_totals: dict[str, list[Decimal]]


def finance_today(invoices: QuerySet[Invoice], today: date) -> FinanceToday:
    """The finance dashboard: overdue totals, the aging, invoices issued since Monday."""
    report = aging(invoices, today)
    overdue_totals = {
        currency: sum(amounts[1:], ZERO) for currency, amounts in report.totals.items()
    }
    monday = today - timedelta(days=today.weekday())
    week = (
        invoices.filter(kind=DocumentKind.INVOICE, issued_on__gte=monday)
        .order_by()
        .values("currency")
        .annotate(n=Sum(Value(1)), s=Sum("total"))
    )
    week_totals = {row["currency"]: row["s"] for row in week}
    return FinanceToday(
        attention=PaymentIssue.objects.count(),
        overdue={c: t for c, t in overdue_totals.items() if t},
        overdue_count=overdue(invoices, today).count(),
        issued_this_week=sum(row["n"] for row in week),
        issued_this_week_totals=week_totals,
        aging_totals=report.totals,
    )


def cash_by_week(
    invoices: QuerySet[Invoice], today: date, *, weeks: int = 8
) -> dict[str, list[tuple[date, Decimal]]]:
    """Payments received against ``invoices`` in each of the last ``weeks`` weeks (Monday
    to Sunday, this one last), per currency; currencies that received nothing are left
    out. Refunds are not deducted. One query."""
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    rows = (
        Payment.objects.filter(
            _restricted_to(invoices, "invoice"),
            received_on__gte=first,
            received_on__lt=monday + timedelta(weeks=1),
        )
        .annotate(week=TruncWeek("received_on"))
        .values("invoice__currency", "week")
        .annotate(received=Sum("amount"))
        .order_by()
    )
    received: dict[str, dict[date, Decimal]] = {}
    for row in rows:
        received.setdefault(row["invoice__currency"], {})[row["week"]] = row["received"]
    mondays = [first + timedelta(weeks=n) for n in range(weeks)]
    return {
        currency: [(week, by_week.get(week, ZERO)) for week in mondays]
        for currency, by_week in sorted(received.items())
    }
