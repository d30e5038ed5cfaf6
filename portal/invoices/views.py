"""Invoice pages: the list with filters, totals and exports, one document with its PDF,
e-invoice, payments and credit notes, the ZIP of many PDFs, and the aging report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_tables2.export import TableExport

from approvals.services import order_cancel_shipped
from approvals.workflow import TransitionNotAllowed
from portal.accounts.models import Company
from portal.invoices.charts import aging_chart
from portal.invoices.einvoice import has_einvoice, invoice_xml
from portal.invoices.filters import InvoiceFilter
from portal.invoices.forms import CreditForm, PaymentForm
from portal.invoices.models import ArchiveStatus, DocumentKind, Invoice, InvoiceStatus
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
from portal.invoices.tables import InvoiceTable
from portal.orders.models import OrderStatus
from portal.orders.permissions import orders_visible_to
from portal.paging import page_error, paginate

INVOICES_PER_PAGE = 50
EXPORT_FORMATS = ("csv", "xlsx")


def _filtered(request):
    """The invoices the user may see, filtered as the URL asks (finance filters by company)."""
    visible = invoices_visible_to(request.user)
    companies = Company.objects.all() if is_finance(request.user) else None
    invoice_filter = InvoiceFilter(
        request.GET,
        queryset=with_amounts(visible.select_related("company")),
        companies=companies,
    )
    return invoice_filter


def _bad_request(request, invoice_filter, message: str | None = None):
    if message:
        invoice_filter.form.add_error(None, message)
    template = "invoices/list.html"
    if request.htmx and request.htmx.target == "invoice-results":
        template += "#results"
    return render(
        request,
        template,
        {
            "filter": invoice_filter,
            "table": None,
            "totals": [],
            "is_finance": is_finance(request.user),
        },
        status=400,
    )


@login_required
@vary_on_headers("HX-Request")
@require_GET
def invoice_list(request):
    require_invoice_reader(request.user)
    invoice_filter = _filtered(request)
    if invoice_filter.is_bound and not invoice_filter.is_valid():
        return _bad_request(request, invoice_filter)
    wrong_page = page_error(request)
    if wrong_page:
        return _bad_request(request, invoice_filter, wrong_page)
    invoices = invoice_filter.qs
    export = request.GET.get("_export")
    if export:
        require_finance(request.user)
        if export not in EXPORT_FORMATS:
            return _bad_request(request, invoice_filter, "Export as CSV or XLSX.")
        table = InvoiceTable(invoices.order_by("issued_on", "number"))
        stamp = timezone.localdate().isoformat()
        return TableExport(export, table).response(f"invoices-{stamp}.{export}")
    table = paginate(InvoiceTable(invoices), request, per_page=INVOICES_PER_PAGE, lazy=True)
    template = "invoices/list.html"
    if request.htmx and request.htmx.target == "invoice-results":
        template += "#results"
    return render(
        request,
        template,
        {
            "filter": invoice_filter,
            "table": table,
            "totals": invoice_totals(invoices),
            "is_finance": is_finance(request.user),
            "query": request.GET.urlencode(),
        },
    )


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
        "invoice": invoice,
        "lines": invoice.lines.all(),
        "taxes": invoice.taxes.all(),
        "payments": invoice.payments.select_related("recorded_by"),
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


@login_required
@vary_on_headers("HX-Request")
@require_GET
def invoice_detail(request, number: str):
    require_invoice_reader(request.user)
    invoice = invoice_for(request.user, number)
    if request.htmx and request.htmx.target == "invoice-pdf":
        return render(request, "invoices/detail.html#pdf", {"invoice": invoice})
    return render(request, "invoices/detail.html", _detail_context(request, invoice))


@login_required
@require_GET
def invoice_pdf(request, number: str):
    """The stored PDF, byte for byte; a page that waits for it while it is being rendered."""
    require_invoice_reader(request.user)
    invoice = invoice_for(request.user, number)
    if not invoice.pdf_sha256:
        return render(request, "invoices/pdf_pending.html", {"invoice": invoice}, status=202)
    with default_storage.open(invoice.pdf.name, "rb") as stored:
        data = stored.read()
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.pdf_filename}"'
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
    response = HttpResponse(invoice_xml(invoice), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.xml"'
    return response


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
                f"Payment of {form.cleaned_data['amount']} {invoice.currency} recorded "
                f"on {invoice.number}.",
            )
            return redirect("invoice", invoice.number)
    context = _detail_context(request, invoice, payment_form=form)
    return render(request, "invoices/detail.html", context, status=400)


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
    context = _detail_context(request, invoice, credit_form=form)
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
    report = aging(Invoice.objects.all(), timezone.localdate())
    return render(
        request,
        "invoices/aging.html",
        {"aging": report, "chart": aging_chart(report)},
    )
