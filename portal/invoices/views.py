"""Invoice pages: the list with filters, totals and exports, one document with its PDF,
e-invoice, payments and credit notes, the ZIP of many PDFs, and the aging report."""

from html import escape
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_tables2.export import TableExport

from approvals.services import order_cancel_shipped
from approvals.workflow import TransitionNotAllowed
from portal import fragments, versions
from portal.accounts.models import Company
from portal.accounts.permissions import CUSTOMER_ROLES, roles_of
from portal.invoices.card_payments import (
    card_payment_start,
    next_attempt,
    pays_by_card,
)
from portal.invoices.charts import aging_chart
from portal.invoices.einvoice import has_einvoice, invoice_xml
from portal.invoices.filters import InvoiceFilter
from portal.invoices.forms import CreditForm, PaymentForm
from portal.invoices.models import (
    ArchiveStatus,
    CardAttemptStatus,
    DocumentKind,
    Invoice,
    InvoiceStatus,
    PaymentIssue,
)
from portal.invoices.permissions import (
    archive_for,
    invoice_for,
    invoices_visible_to,
    is_finance,
    require_finance,
    require_invoice_reader,
)
from portal.invoices.selectors import ZERO, aging, invoice_totals, open_amount, with_amounts
from portal.invoices.services import (
    InvoiceError,
    invoice_archive_request,
    invoice_credit,
    payment_record,
)
from portal.invoices.stripe_events import BadWebhook, stripe_event_process, stripe_event_verify
from portal.invoices.tables import InvoiceTable
from portal.orders.models import OrderStatus
from portal.orders.permissions import orders_visible_to
from portal.paging import page_error, paginate
from pricing.currencies import format_money

INVOICES_PER_PAGE = 50
EXPORT_FORMATS = ("csv", "xlsx")
# What the list and the aging report print changes with the documents, their payments and
# refunds, and with the names of the companies billed (which move the catalog's version).
INVOICE_DATA = (versions.INVOICES, versions.CATALOG)


def _filtered(request):
    """The invoices the user may see, filtered as the URL asks (finance filters by company)."""
    companies = Company.objects.all() if is_finance(request.user) else None
    return InvoiceFilter(
        request.GET, queryset=invoices_visible_to(request.user), companies=companies
    )


def _rows_of(invoices):
    """``invoices`` as the list and its exports print them: with their company and what
    each has received."""
    return with_amounts(invoices.select_related("company"))


# The choices of the filter bar's selects (printed by the template).
FILTER_CHOICES = {"statuses": InvoiceStatus.choices, "kinds": DocumentKind.choices}


def _company_options(invoice_filter) -> str:
    """The ``<option>``s of the companies finance may filter by (none for anyone else).

    Hundreds of them: printed through the template, or through ``format_html`` one by
    one, they cost a fifth of the page; escaped and joined here, a millisecond.
    """
    if "company" not in invoice_filter.filters:
        return ""
    chosen = invoice_filter.form["company"].value()
    companies = invoice_filter.filters["company"].queryset.values_list("code", "legal_name")
    options = "".join(
        f'<option value="{escape(code)}"{" selected" if code == chosen else ""}>'
        f"{escape(name)}</option>"
        for code, name in companies
    )
    # Every value is escaped above.
    return mark_safe(options)  # noqa: S308  # nosec B308 B703


def _bad_request(request, invoice_filter, message: str | None = None):
    """The list's page again, with the filters as typed and what is wrong with them."""
    if message:
        invoice_filter.form.add_error(None, message)
    return _page(request, *_parts(request, invoice_filter, table=None), status=400)


def _is_valid(request, invoice_filter) -> bool:
    """Whether the URL's filters and page number are valid; if not, the form says why."""
    if invoice_filter.is_bound and not invoice_filter.is_valid():
        return False
    wrong_page = page_error(request)
    if wrong_page:
        invoice_filter.form.add_error(None, wrong_page)
        return False
    return True


@login_required
@vary_on_headers("HX-Request")
@require_GET
def invoice_list(request):
    require_invoice_reader(request.user)
    if request.GET.get("_export"):
        return _export(request)
    # The same address shows the same page, or the same refusal, to everyone who sees the
    # same invoices, as finance or not, until an invoice, payment, refund or company
    # changes: its filters are read only when it is not cached.
    parts = (
        "invoice-list",
        is_finance(request.user),
        versions.query_of(invoices_visible_to(request.user)),
        request.get_full_path(),
    )
    status, results, filters = versions.cached(INVOICE_DATA, parts, lambda: _list(request))
    return _page(request, results, filters, status=status)


def _list(request) -> tuple[int, str, SafeString]:
    """The list's status, its results (totals, exports, a page of rows) and its filter
    bar, as HTML."""
    invoice_filter = _filtered(request)
    if not _is_valid(request, invoice_filter):
        return 400, *_parts(request, invoice_filter, table=None)
    invoices = invoice_filter.qs
    listed = _rows_of(invoices).only(*InvoiceTable.LISTED)
    table = paginate(InvoiceTable(listed), request, per_page=INVOICES_PER_PAGE, lazy=True)
    return 200, *_parts(
        request,
        invoice_filter,
        table=table,
        rows=table.prepared_rows(),
        # Totals over the whole set, shared by its pages and sorts.
        totals=versions.cached(
            versions.INVOICES,
            ("invoice-totals", versions.query_of(invoices)),
            lambda: invoice_totals(invoices),
        ),
        query=request.GET.urlencode(),
    )


def _export(request):
    """The filtered invoices as a CSV or XLSX download, for finance."""
    require_finance(request.user)
    invoice_filter = _filtered(request)
    if not _is_valid(request, invoice_filter):
        return _bad_request(request, invoice_filter)
    export = request.GET["_export"]
    if export not in EXPORT_FORMATS:
        return _bad_request(request, invoice_filter, "Export as CSV or XLSX.")
    invoices = _rows_of(invoice_filter.qs).order_by("issued_on", "number")
    table = InvoiceTable(invoices.prefetch_related("payments", "refunds"))
    stamp = timezone.localdate().isoformat()
    return TableExport(export, table).response(f"invoices-{stamp}.{export}")


def _parts(request, invoice_filter, **results) -> tuple[str, SafeString]:
    """The results and the filter bar, as HTML that holds no user's CSRF token: the bar's
    companies change with the data, as the results do, and are cached with them."""
    context = {
        "filter": invoice_filter,
        "is_finance": is_finance(request.user),
        "company_options": _company_options(invoice_filter),
        "csrf_token": fragments.CSRF_HOLE,
        **FILTER_CHOICES,
        **results,
    }
    html = render_to_string("invoices/list.html#results", context, request)
    filters = render_to_string("invoices/list.html#filters", context, request)
    return str(html), filters  # a SafeString, which the cache keeps as one


def _page(request, results: str, filters: SafeString, status: int = 200) -> HttpResponse:
    """The whole page, or the results alone for an HTMX request that swaps them."""
    results = fragments.with_csrf_token(results, request)
    if request.htmx and request.htmx.target == "invoice-results":
        return HttpResponse(results, status=status)
    finance = is_finance(request.user)
    context = {
        "filters": filters,
        "results": results,
        "is_finance": finance,
        "attention_count": PaymentIssue.objects.count() if finance else 0,
    }
    return render(request, "invoices/list.html", context, status=status)


def _detail_context(request, invoice: Invoice, **forms) -> dict:
    finance = is_finance(request.user)
    invoice = (
        with_amounts(Invoice.objects.filter(pk=invoice.pk))
        .select_related("company", "order", "corrects")
        .get()
    )
    owed = open_amount(invoice)
    order_visible = orders_visible_to(request.user).filter(pk=invoice.order_id).exists()
    can_credit = (
        finance
        and invoice.kind == DocumentKind.INVOICE
        and invoice.status == InvoiceStatus.OPEN
        and not invoice.paid
    )
    return {
        **_card_context(request, invoice),
        "invoice": invoice,
        "lines": invoice.lines.all(),
        "taxes": invoice.taxes.all(),
        "payments": invoice.payments.select_related("recorded_by"),
        "refunds": invoice.refunds.all(),
        "credit_notes": invoice.credit_notes.all(),
        "open_amount": owed,
        "overpaid": -owed if owed < 0 else ZERO,
        "overdue": invoice.status == InvoiceStatus.OPEN and invoice.due_on < timezone.localdate(),
        "order_visible": order_visible,
        "has_einvoice": has_einvoice(invoice),
        "can_pay": finance and invoice.status == InvoiceStatus.OPEN,
        "can_credit": can_credit,
        "may_cancel_order": can_credit and invoice.order.status == OrderStatus.SHIPPED,
        "payment_form": forms.get("payment_form")
        or PaymentForm(initial={"amount": owed, "received_on": timezone.localdate()}),
        "credit_form": forms.get("credit_form") or CreditForm(),
    }


def _may_pay_by_card(user, invoice) -> bool:
    """Customers who see the invoice pay it by card; finance records, it does not pay."""
    return bool(roles_of(user) & CUSTOMER_ROLES) and pays_by_card(invoice)


def _card_context(request, invoice) -> dict:
    attempt = invoice.card_attempts.order_by("-attempt").first()
    return {
        "card_attempt": attempt,
        # Polling stops once the webhook has told how the attempt ended.
        "card_waiting": attempt is not None and attempt.is_waiting,
        "can_pay_by_card": _may_pay_by_card(request.user, invoice)
        and not (attempt is not None and attempt.is_waiting),
    }


@login_required
@vary_on_headers("HX-Request")
@require_GET
def invoice_detail(request, number: str):
    require_invoice_reader(request.user)
    invoice = invoice_for(request.user, number)
    if request.htmx and request.htmx.target == "invoice-pdf":
        return render(request, "invoices/detail.html#pdf", {"invoice": invoice})
    if request.htmx and request.htmx.target == "card-state":
        context = {"invoice": invoice, **_card_context(request, invoice)}
        response = render(request, "invoices/detail.html#card", context)
        if not context["card_waiting"]:
            response["HX-Refresh"] = "true"  # the webhook came: show the whole invoice anew
        return response
    return render(request, "invoices/detail.html", _detail_context(request, invoice))


def _attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    """A download of ``data`` named ``filename`` (document numbers: no quoting needed)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def invoice_pdf(request, number: str):
    """The stored PDF, byte for byte; a page that waits for it while it is being rendered."""
    require_invoice_reader(request.user)
    invoice = invoice_for(request.user, number)
    if not invoice.pdf_sha256:
        return render(request, "invoices/pdf_pending.html", {"invoice": invoice}, status=202)
    with default_storage.open(invoice.pdf.name, "rb") as stored:
        response = _attachment(stored.read(), "application/pdf", invoice.pdf_filename)
    response["X-Content-SHA256"] = invoice.pdf_sha256
    return response


@login_required
@require_GET
def invoice_xml_download(request, number: str):
    """The e-invoice (EN 16931 CII XML) alone; only EUR documents have one."""
    require_invoice_reader(request.user)
    invoice = invoice_for(request.user, number)
    if not has_einvoice(invoice):
        raise Http404("This document has no e-invoice.")
    return _attachment(invoice_xml(invoice), "application/xml", f"{invoice.number}.xml")


@login_required
@require_POST
def invoice_pay(request, number: str):
    """Finance records a bank transfer against the invoice."""
    require_finance(request.user)
    invoice = invoice_for(request.user, number)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            payment_record(invoice=invoice, by=request.user, **form.cleaned_data)
        except InvoiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Payment of {format_money(form.cleaned_data['amount'], invoice.currency)} "
                f"recorded on {invoice.number}.",
            )
            return redirect("invoice", invoice.number)
    return _refused(request, invoice, "payment_form", form, shown_if="can_pay")


@login_required
@require_POST
def invoice_credit_note(request, number: str):
    """Finance voids the invoice with a credit note (and may cancel its shipped order)."""
    require_finance(request.user)
    invoice = invoice_for(request.user, number)
    form = CreditForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if form.cleaned_data["cancel_order"]:
                order_cancel_shipped(order=invoice.order, by=request.user, reason=reason)
                note = invoice.credit_notes.get()
            else:
                note = invoice_credit(invoice=invoice, by=request.user, reason=reason)
        except (InvoiceError, TransitionNotAllowed) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{invoice.number} is void: credit note {note.number}.")
            return redirect("invoice", note.number)
    return _refused(request, invoice, "credit_form", form, shown_if="can_credit")


def _refused(request, invoice, name: str, form, *, shown_if: str):
    """The invoice page again, with the refused ``form`` as typed and why it was refused.

    If the invoice changed under the form (paid or credited meanwhile, or by the first of
    two clicks), the page no longer shows that form, so its errors are said as messages.
    """
    context = _detail_context(request, invoice, **{name: form})
    if not context[shown_if]:
        for field, errors in form.errors.items():
            label = form[field].label if field in form.fields else None
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    return render(request, "invoices/detail.html", context, status=400)


@login_required
@require_POST
def archive_create(request):
    """Queue a ZIP of the PDFs of the invoices the filter (in the query string) selects."""
    require_finance(request.user)
    invoice_filter = _filtered(request)
    if invoice_filter.is_bound and not invoice_filter.is_valid():
        return _bad_request(request, invoice_filter)
    try:
        archive = invoice_archive_request(invoices=invoice_filter.qs, by=request.user)
    except InvoiceError as error:
        return _bad_request(request, invoice_filter, str(error))
    if request.htmx:
        return render(request, "invoices/archive.html#progress", {"archive": archive})
    return redirect("invoice-archive", archive.pk)


@login_required
@vary_on_headers("HX-Request")
@require_GET
def archive_detail(request, pk: int):
    require_finance(request.user)
    archive = archive_for(request.user, pk)
    template = "invoices/archive.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, {"archive": archive})


@login_required
@require_GET
def archive_download(request, pk: int):
    require_finance(request.user)
    archive = archive_for(request.user, pk)
    if archive.status != ArchiveStatus.DONE:
        raise Http404("This ZIP is not ready.")
    return FileResponse(
        default_storage.open(archive.file.name, "rb"),
        as_attachment=True,
        filename=archive.file.name.rsplit("/", 1)[-1],
        content_type="application/zip",
    )


@login_required
@require_GET
def aging_report(request):
    require_finance(request.user)
    # Hundreds of companies' rows, the same until an invoice, payment, refund or company
    # changes: cached as HTML (it holds no form).
    report = versions.cached(INVOICE_DATA, ("aging-report",), lambda: _aging_html(request))
    return render(request, "invoices/aging.html", {"report": report})


def _aging_html(request) -> str:
    report = aging(Invoice.objects.all(), timezone.localdate())
    charts = aging_chart(report.totals)
    context = {"aging": report, "tables": _aging_tables(report), "charts": charts}
    return str(render_to_string("invoices/aging.html#report", context, request))


def _aging_tables(report) -> list[dict]:
    """The report's table per currency, every amount formatted: hundreds of companies owe
    something at a wholesaler's size, and the template only prints."""
    link = reverse("invoices") + "?company={}&status=open"
    return [
        {
            "currency": currency,
            "rows": [
                {
                    "code": row.company.code,
                    "name": row.company.legal_name,
                    "url": link.format(row.company.code),
                    "amounts": [format_money(a, currency) for a in row.amounts],
                    "total": format_money(row.total, currency),
                }
                for row in report.rows
                if row.currency == currency
            ],
            "totals": [format_money(a, currency) for a in totals],
        }
        for currency, totals in report.totals.items()
    ]


def _stripe_origins() -> tuple[str, str]:
    """The origins of Stripe.js and of the API it calls from the browser."""
    js = urlsplit(settings.STRIPE_JS_URL)
    api = urlsplit(settings.STRIPE_API_BASE or "https://api.stripe.com")
    return f"{js.scheme}://{js.netloc}", f"{api.scheme}://{api.netloc}"


def _with_stripe_csp(response):
    """Allow Stripe.js on this response only. (``csp_override`` would fix the policy when
    the module is imported; the Stripe addresses are settings, so it is made here.)"""
    js, api = _stripe_origins()
    policy = {key: list(value) for key, value in settings.SECURE_CSP.items()}
    policy["script-src"] = [*policy["script-src"], js]
    policy["frame-src"] = [js]
    policy["connect-src"] = [CSP.SELF, js, api]
    response._csp_config = policy
    return response


@login_required
@require_http_methods(["GET", "POST"])
def invoice_card(request, number: str):
    """The card form of an invoice the signed-in customer may pay by card."""
    require_invoice_reader(request.user)
    invoice = invoice_for(request.user, number)
    if not _may_pay_by_card(request.user, invoice):
        raise Http404("This invoice is not paid by card here.")
    invoice = with_amounts(Invoice.objects.filter(pk=invoice.pk)).get()
    context = {
        "invoice": invoice,
        "open_amount": open_amount(invoice),
        "attempt": next_attempt(invoice),
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "stripe_js_url": settings.STRIPE_JS_URL,
    }
    status = 200
    if request.method == "POST":
        try:
            attempt = int(request.POST.get("attempt", ""))
        except ValueError:
            attempt = 0
        try:
            started = card_payment_start(
                invoice=invoice,
                by=request.user,
                attempt=attempt,
                card_token=request.POST.get("token", ""),
            )
        except InvoiceError as error:
            context["error"] = str(error)
            status = 400
        else:
            if started.status == CardAttemptStatus.FAILED:
                context.update(error=started.error, attempt=next_attempt(invoice))
                status = 402
            elif started.status == CardAttemptStatus.REQUIRES_ACTION:
                context["client_secret"] = started.client_secret
            else:
                return redirect("invoice", invoice.number)
    response = render(request, "invoices/card.html", context, status=status)
    return _with_stripe_csp(response)


@csrf_exempt  # Stripe signs its requests; there is no session and no CSRF token
@require_POST
def stripe_webhook(request):
    """Stripe's events: verified, booked once each, acknowledged with 200."""
    try:
        event = stripe_event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except BadWebhook as refused:
        return JsonResponse({"error": str(refused)}, status=400)
    outcome = stripe_event_process(event)
    return JsonResponse({"event": outcome.event_id, "result": outcome.result})


@login_required
@require_GET
def payment_attention(request):
    """Card payments the portal would not book (amount, currency, unknown intent)."""
    require_finance(request.user)
    issues = PaymentIssue.objects.select_related("invoice")[:200]
    return render(request, "invoices/attention.html", {"issues": issues})
