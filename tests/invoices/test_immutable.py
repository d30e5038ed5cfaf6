"""An issued document never changes: not through the model, not in the admin, not in SQL.
Only its status moves (never back from void), and its PDF is stored once."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.demo import DEMO_PASSWORD
from portal.invoices.models import Invoice, InvoiceImmutable, InvoiceStatus
from portal.invoices.pdf import invoice_pdf_store
from portal.invoices.services import invoice_credit, payment_record
from tests.invoices.conftest import shipped
from tests.ordering import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(demo) -> Invoice:
    """Acme's open invoice of 127.45, with a payment of 27.45 recorded against it."""
    issued = shipped("acme.buyer")
    payment_record(
        invoice=issued,
        by=user("finance"),
        amount=Decimal("27.45"),
        reference="BANK-1",
        received_on=timezone.localdate(),
    )
    return Invoice.objects.get(pk=issued.pk)


def stored(invoice: Invoice) -> tuple:
    """What the database holds of the invoice, its lines, taxes and payments."""
    row = Invoice.objects.values().get(pk=invoice.pk)
    return (
        row,
        list(invoice.lines.values()),
        list(invoice.taxes.values()),
        list(invoice.payments.values()),
    )


def execute(sql: str, params=()) -> None:
    """Run ``sql`` in a savepoint, so that the test's transaction survives its refusal."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# -- the model ------------------------------------------------------------------------------


def test_saving_a_changed_invoice_is_refused(invoice):
    before = stored(invoice)

    invoice.total = Decimal("1.00")
    with pytest.raises(InvoiceImmutable, match="cannot be changed; issue a credit note"):
        invoice.save()
    with pytest.raises(InvoiceImmutable):
        invoice.save(update_fields=["total", "status"])

    assert stored(invoice) == before


def test_deleting_an_invoice_is_refused(invoice):
    before = stored(invoice)

    with pytest.raises(InvoiceImmutable, match="cannot be deleted"):
        invoice.delete()

    assert stored(invoice) == before


def test_a_bulk_update_that_skips_the_model_is_refused_by_the_database(invoice):
    before = stored(invoice)

    with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(total=Decimal("1.00"))

    assert stored(invoice) == before


# -- the admin ------------------------------------------------------------------------------


def test_the_admin_shows_an_invoice_read_only_and_a_post_changes_nothing(client, invoice):
    # given the operator signed in to the admin
    # (django-axes counts sign-ins per client address, so it needs a request to look at)
    assert client.login(request=HttpRequest(), username="admin", password=DEMO_PASSWORD)
    url = f"/admin/invoices/invoice/{invoice.pk}/change/"
    before = stored(invoice)

    # when they open the invoice
    page = client.get(url)

    # then they see it, its lines and payment, with nothing to edit or save
    assert page.status_code == 200
    html = page.content.decode()
    assert "View invoice" in html
    assert invoice.number in html and "BOLT-M8-50" in html and "BANK-1" in html
    assert page.context["adminform"].form.fields == {}
    assert 'name="_save"' not in html and 'name="total"' not in html
    assert "/delete/" not in html

    # when they post a change, or try to add or delete one
    changed = client.post(url, {"number": invoice.number, "total": "1.00", "status": "void"})
    added = client.get("/admin/invoices/invoice/add/")
    deleted = client.post(f"/admin/invoices/invoice/{invoice.pk}/delete/", {"post": "yes"})

    # then each is refused, and the invoice is as it was
    assert [changed.status_code, added.status_code, deleted.status_code] == [403, 403, 403]
    assert stored(invoice) == before


# -- the database ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("total", "1.00"),
        ("number", "INV-1999-00001"),
        ("due_on", "2099-12-31"),
        ("buyer", '{"name": "Someone else"}'),
        ("issued_by_id", None),
    ],
)
def test_sql_that_changes_an_issued_invoice_is_refused(invoice, column, value):
    before = stored(invoice)

    with pytest.raises(IntegrityError, match="cannot be changed; issue a credit note"):
        execute(
            f"UPDATE invoices_invoice SET {column} = %s, status = 'paid' WHERE id = %s",  # noqa: S608
            [value, invoice.pk],
        )

    assert stored(invoice) == before


def test_sql_that_deletes_an_issued_invoice_is_refused(invoice):
    before = stored(invoice)

    with pytest.raises(IntegrityError, match="is issued and cannot be deleted"):
        execute("DELETE FROM invoices_invoice WHERE id = %s", [invoice.pk])

    assert stored(invoice) == before


@pytest.mark.parametrize(
    "table", ["invoices_invoiceline", "invoices_invoicetax", "invoices_payment"]
)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET id = id WHERE invoice_id = %s",
        "DELETE FROM {table} WHERE invoice_id = %s",
    ],
    ids=["update", "delete"],
)
def test_lines_taxes_and_payments_are_append_only(invoice, table, statement):
    before = stored(invoice)

    with pytest.raises(IntegrityError, match=f"{table} rows are append-only"):
        execute(statement.format(table=table), [invoice.pk])

    assert stored(invoice) == before


def test_the_status_may_move_in_sql_and_through_the_model(invoice):
    # when the status alone changes, open to paid
    execute("UPDATE invoices_invoice SET status = 'paid' WHERE id = %s", [invoice.pk])

    # then the database takes it
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID

    # and so does the model, when it saves the status alone
    invoice.status = InvoiceStatus.OPEN
    invoice.save(update_fields=["status"])
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.OPEN


def test_a_void_invoice_cannot_be_opened_again(demo):
    # given an invoice credited by finance: void
    invoice = shipped("acme.buyer")
    invoice_credit(invoice=invoice, by=user("finance"), reason="Wrong branch.")

    # when its status is set back to open
    with pytest.raises(IntegrityError, match="is void"):
        execute("UPDATE invoices_invoice SET status = 'open' WHERE id = %s", [invoice.pk])

    # then it stays void
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.VOID


def test_the_pdf_is_stored_once_and_cannot_be_replaced(invoice):
    # given the invoice's PDF, stored: the one change an issued invoice takes after issue
    digest = invoice_pdf_store(invoice)
    invoice.refresh_from_db()
    assert invoice.pdf_sha256 == digest
    before = stored(invoice)

    # when its file, checksum or time is replaced, or cleared
    for column, value in [
        ("pdf", "invoices/forged.pdf"),
        ("pdf_sha256", "0" * 64),
        ("pdf_sha256", ""),
        ("pdf_rendered_at", None),
    ]:
        with pytest.raises(IntegrityError, match=r"PDF of invoice .* cannot be replaced"):
            execute(
                f"UPDATE invoices_invoice SET {column} = %s WHERE id = %s",  # noqa: S608
                [value, invoice.pk],
            )

    # then the stored one stays
    assert stored(invoice) == before
