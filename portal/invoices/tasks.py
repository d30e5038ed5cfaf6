"""Background work of invoicing, run by the database worker (``manage.py db_worker``)."""

import tempfile
import zipfile

from django.core.files import File
from django.core.files.storage import default_storage
from django.tasks import task
from django.utils import timezone

from portal.invoices.models import ArchiveStatus, Invoice, InvoiceArchive
from portal.invoices.pdf import invoice_pdf_store

# The archive's progress is written after this many invoices (and after the last).
PROGRESS_EVERY = 5


@task
def invoice_pdf_render(invoice_id: int) -> str:
    """Render and store the document's PDF unless it is stored; returns its SHA-256."""
    invoice = Invoice.objects.get(pk=invoice_id)
    return invoice.pdf_sha256 or invoice_pdf_store(invoice)


@task
def invoice_archive_build(archive_id: int) -> int:
    """Put the archive's invoices' PDFs into one ZIP, reporting progress; returns the count."""
    archive = InvoiceArchive.objects.get(pk=archive_id)
    InvoiceArchive.objects.filter(pk=archive.pk).update(status=ArchiveStatus.RUNNING)
    invoices = archive.invoices.order_by("number")
    try:
        with tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
                for done, invoice in enumerate(invoices.iterator(chunk_size=100), start=1):
                    if not invoice.pdf_sha256:
                        invoice_pdf_store(invoice)
                        invoice.refresh_from_db()
                    with default_storage.open(invoice.pdf.name, "rb") as pdf:
                        bundle.writestr(invoice.pdf_filename, pdf.read())
                    if done % PROGRESS_EVERY == 0 or done == archive.total:
                        InvoiceArchive.objects.filter(pk=archive.pk).update(done=done)
            spool.seek(0)
            stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
            name = default_storage.save(f"archives/{archive.pk}/invoices-{stamp}.zip", File(spool))
    except Exception as error:
        InvoiceArchive.objects.filter(pk=archive.pk).update(
            status=ArchiveStatus.FAILED, error=str(error)[:500], finished_at=timezone.now()
        )
        raise
    InvoiceArchive.objects.filter(pk=archive.pk).update(
        status=ArchiveStatus.DONE, file=name, done=archive.total, finished_at=timezone.now()
    )
    return archive.total
