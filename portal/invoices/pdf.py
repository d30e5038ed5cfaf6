"""The PDF of an invoice or credit note: WeasyPrint renders an HTML template, the bytes are
stored once through Django's storage API with their SHA-256, and served from there.

A euro document is written as PDF/A-3b with its EN 16931 XML embedded as ``factur-x.xml``
(Factur-X / ZUGFeRD, profile EN 16931), so the buyer's software can book it unread.
"""

import functools
import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone
from drafthorse.pdf import attach_xml
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from portal.invoices.einvoice import has_einvoice, invoice_xml
from portal.invoices.models import Invoice, PaymentKind
from portal.invoices.selectors import paid_amount

PDF_A = "pdf/a-3b"
FACTUR_X_PROFILE = "EN 16931"


@functools.cache
def _no_fetching() -> URLFetcher:
    """A fetcher that fetches nothing: the template needs no file or URL, and one fetcher
    for every render spares each the ~25 ms WeasyPrint takes to set up a new one."""
    return URLFetcher(allowed_protocols=())


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """Render the document's PDF (PDF/A-3b carrying its e-invoice when it has one)."""
    lines = list(invoice.lines.all())
    taxes = list(invoice.taxes.all())
    credit = invoice.is_credit_note
    card = invoice.payment_method == PaymentKind.CARD
    context = {
        "invoice": invoice,
        "lines": lines,
        "taxes": taxes,
        "credit": credit,
        "corrects": invoice.corrects if credit else None,
        "bank_transfer": invoice.payment_method == PaymentKind.BANK_TRANSFER,
        "card": card,
        "paid_by_card": card and not credit and paid_amount(invoice) >= invoice.total,
    }
    html = HTML(string=render_to_string("invoices/pdf.html", context), url_fetcher=_no_fetching())
    if not has_einvoice(invoice):
        return html.write_pdf()
    xml = invoice_xml(invoice, lines=lines, taxes=taxes)
    pdf = html.write_pdf(pdf_variant=PDF_A)
    title = f"{invoice.get_kind_display()} {invoice.number}"
    metadata = {"title": title, "subject": f"{title} to {invoice.buyer['name']}"}
    return attach_xml(pdf, xml, level=FACTUR_X_PROFILE, metadata=metadata, lang="en")


def invoice_pdf_store(invoice: Invoice) -> str:
    """Render, store and record the PDF unless another worker stored it first; returns
    the SHA-256 of the stored bytes."""
    data = invoice_pdf_bytes(invoice)
    digest = hashlib.sha256(data).hexdigest()
    name = default_storage.save(
        f"invoices/{invoice.issued_on.year}/{invoice.pdf_filename}", ContentFile(data)
    )
    stored = Invoice.objects.filter(pk=invoice.pk, pdf_sha256="").update(
        pdf=name, pdf_sha256=digest, pdf_rendered_at=timezone.now()
    )
    if not stored:  # someone else's rendering won: keep theirs, the one on record
        default_storage.delete(name)
        return Invoice.objects.values_list("pdf_sha256", flat=True).get(pk=invoice.pk)
    return digest
