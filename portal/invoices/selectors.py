"""Reads of invoicing: amounts paid and open, the aging of what is owed, dashboard figures."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncWeek

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


def invoice_totals(invoices: QuerySet[Invoice]) -> list[dict]:
    """Per currency, over a whole (filtered) set: how many documents, invoiced, credited,
    paid against its invoices (payments less refunds), and still open. Three queries,
    whatever the set's size."""
    ids = invoices.order_by().values("pk")
    documents = (
        Invoice.objects.filter(pk__in=ids)
        .values("currency")
        .annotate(
            count=Count("pk"),
            invoiced=Sum("total", filter=Q(kind=DocumentKind.INVOICE)),
            credited=Sum("total", filter=Q(kind=DocumentKind.CREDIT_NOTE)),
            open_total=Sum("total", filter=Q(status=InvoiceStatus.OPEN)),
        )
        .order_by("currency")
    )
    received = _by_currency(Payment, ids)
    refunded = _by_currency(Refund, ids)
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


def _by_currency(model, ids) -> dict[str, tuple[Decimal, Decimal]]:
    """currency -> (sum of ``model``'s amounts, the part on open invoices)."""
    rows = (
        model.objects.filter(invoice__in=ids)
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


def bucket_of(days_past_due: int) -> int:
    for index, (_, low, high) in enumerate(BUCKETS):
        if (low is None or days_past_due >= low) and (high is None or days_past_due <= high):
            return index
    raise AssertionError(days_past_due)


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
    def labels(self) -> list[str]:
        return [label for label, _, _ in BUCKETS]


def aging(invoices: QuerySet[Invoice], today: date) -> Aging:
    """Open amounts of open invoices, by company and bucket (days past the due date)."""
    rows: dict[int, AgingRow] = {}
    totals: dict[str, list[Decimal]] = {}
    open_invoices = with_amounts(
        invoices.filter(kind=DocumentKind.INVOICE, status=InvoiceStatus.OPEN)
    ).select_related("company")
    for invoice in open_invoices.only(
        "total", "due_on", "currency", "company__legal_name", "company__code"
    ).order_by():
        owed = invoice.total - invoice.paid
        if owed <= 0:
            continue
        index = bucket_of((today - invoice.due_on).days)
        row = rows.setdefault(invoice.company_id, AgingRow(invoice.company, invoice.currency))
        row.amounts[index] += owed
        totals.setdefault(invoice.currency, [ZERO] * len(BUCKETS))[index] += owed
    ordered = sorted(rows.values(), key=lambda r: (r.currency, r.company.legal_name))
    return Aging(today=today, rows=ordered, totals=dict(sorted(totals.items())))


@dataclass
class FinanceToday:
    attention: int
    overdue: dict[str, Decimal]
    overdue_count: int
    issued_this_week: int
    issued_this_week_totals: dict[str, Decimal]
    aging: Aging


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
        aging=report,
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
            invoice__in=invoices.order_by().values("pk"),
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
