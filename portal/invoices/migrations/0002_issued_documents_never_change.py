"""An issued invoice or credit note never changes: the database refuses what the model and
the admin already refuse, so that no script, shell or bulk update can slip past them."""

from django.db import migrations

IMMUTABLE = """
CREATE FUNCTION invoices_invoice_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    mutable text[] := ARRAY['status', 'pdf', 'pdf_sha256', 'pdf_rendered_at'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'invoice % is issued and cannot be deleted', OLD.number
            USING ERRCODE = 'check_violation';
    END IF;
    IF (to_jsonb(NEW) - mutable) IS DISTINCT FROM (to_jsonb(OLD) - mutable) THEN
        RAISE EXCEPTION 'invoice % is issued and cannot be changed; issue a credit note',
            OLD.number USING ERRCODE = 'check_violation';
    END IF;
    -- The PDF is stored once: after that its file and checksum stay as they are.
    IF OLD.pdf_sha256 <> '' AND (NEW.pdf IS DISTINCT FROM OLD.pdf
            OR NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256
            OR NEW.pdf_rendered_at IS DISTINCT FROM OLD.pdf_rendered_at) THEN
        RAISE EXCEPTION 'the PDF of invoice % is stored and cannot be replaced', OLD.number
            USING ERRCODE = 'check_violation';
    END IF;
    -- Void is final: a credited invoice does not come back.
    IF OLD.status = 'void' AND NEW.status <> 'void' THEN
        RAISE EXCEPTION 'invoice % is void', OLD.number USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER invoices_invoice_immutable
    BEFORE UPDATE OR DELETE ON invoices_invoice
    FOR EACH ROW EXECUTE FUNCTION invoices_invoice_immutable();

CREATE FUNCTION invoices_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'check_violation';
END
$$;
CREATE TRIGGER invoices_invoiceline_append_only
    BEFORE UPDATE OR DELETE ON invoices_invoiceline
    FOR EACH ROW EXECUTE FUNCTION invoices_append_only();
CREATE TRIGGER invoices_invoicetax_append_only
    BEFORE UPDATE OR DELETE ON invoices_invoicetax
    FOR EACH ROW EXECUTE FUNCTION invoices_append_only();
CREATE TRIGGER invoices_payment_append_only
    BEFORE UPDATE OR DELETE ON invoices_payment
    FOR EACH ROW EXECUTE FUNCTION invoices_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS invoices_payment_append_only ON invoices_payment;
DROP TRIGGER IF EXISTS invoices_invoicetax_append_only ON invoices_invoicetax;
DROP TRIGGER IF EXISTS invoices_invoiceline_append_only ON invoices_invoiceline;
DROP FUNCTION IF EXISTS invoices_append_only();
DROP TRIGGER IF EXISTS invoices_invoice_immutable ON invoices_invoice;
DROP FUNCTION IF EXISTS invoices_invoice_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("invoices", "0001_initial")]

    operations = [migrations.RunSQL(IMMUTABLE, DROP)]
