"""Invariants that span rows or tables, so no CHECK constraint can state them.

- A rule list's parent is in the same currency (composite foreign key onto the
  unique (id, currency) of pricing_pricelist).
- A list assigned to a company, and a contract, are in the company's currency.
- Parent lists never form a cycle.
- The audit log is append-only.

Each trigger raises SQLSTATE 23514 (check_violation) so Django reports IntegrityError.
"""

from django.db import migrations

FORWARD = r"""
ALTER TABLE pricing_pricelist
    ADD CONSTRAINT pricelist_parent_same_currency
    FOREIGN KEY (parent_id, currency) REFERENCES pricing_pricelist (id, currency)
    NOT DEFERRABLE;

CREATE FUNCTION pricing_pricelist_no_cycle() RETURNS trigger AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND EXISTS (
        WITH RECURSIVE up(id) AS (
            SELECT NEW.parent_id
            UNION
            SELECT p.parent_id FROM pricing_pricelist p JOIN up ON p.id = up.id
            WHERE p.parent_id IS NOT NULL
        )
        SELECT 1 FROM up WHERE up.id = NEW.id
    ) THEN
        RAISE EXCEPTION 'price list % would derive from itself', NEW.name
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER pricing_pricelist_no_cycle
    BEFORE INSERT OR UPDATE OF parent_id ON pricing_pricelist
    FOR EACH ROW EXECUTE FUNCTION pricing_pricelist_no_cycle();

CREATE FUNCTION pricing_company_currency_check() RETURNS trigger AS $$
DECLARE
    wanted varchar(3);
    given varchar(3);
BEGIN
    SELECT currency INTO wanted FROM accounts_company WHERE id = NEW.company_id;
    IF TG_TABLE_NAME = 'pricing_contract' THEN
        given := NEW.currency;
    ELSE
        SELECT currency INTO given FROM pricing_pricelist WHERE id = NEW.price_list_id;
    END IF;
    IF given IS DISTINCT FROM wanted THEN
        RAISE EXCEPTION 'currency % differs from the company''s currency %', given, wanted
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER pricing_companypricelist_currency
    BEFORE INSERT OR UPDATE ON pricing_companypricelist
    FOR EACH ROW EXECUTE FUNCTION pricing_company_currency_check();

CREATE TRIGGER pricing_contract_currency
    BEFORE INSERT OR UPDATE ON pricing_contract
    FOR EACH ROW EXECUTE FUNCTION pricing_company_currency_check();

CREATE FUNCTION pricing_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the price audit log is append-only' USING ERRCODE = 'check_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER pricing_priceaudit_append_only
    BEFORE UPDATE OR DELETE ON pricing_priceaudit
    FOR EACH ROW EXECUTE FUNCTION pricing_audit_append_only();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS pricing_priceaudit_append_only ON pricing_priceaudit;
DROP FUNCTION IF EXISTS pricing_audit_append_only();
DROP TRIGGER IF EXISTS pricing_contract_currency ON pricing_contract;
DROP TRIGGER IF EXISTS pricing_companypricelist_currency ON pricing_companypricelist;
DROP FUNCTION IF EXISTS pricing_company_currency_check();
DROP TRIGGER IF EXISTS pricing_pricelist_no_cycle ON pricing_pricelist;
DROP FUNCTION IF EXISTS pricing_pricelist_no_cycle();
ALTER TABLE pricing_pricelist DROP CONSTRAINT IF EXISTS pricelist_parent_same_currency;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("pricing", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
