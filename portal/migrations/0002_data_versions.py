"""Sequences that move on every write to the tables behind a kind of cached data."""

from django.db import migrations

# As they stood when this was written; a later table gets its triggers in its own migration.
TABLES = {
    "portal_version_catalog": (
        "catalog_category",
        "catalog_product",
        "accounts_company",
        "accounts_customergroup",
        "pricing_pricelist",
        "pricing_pricelistentry",
        "pricing_contract",
        "pricing_contractprice",
        "pricing_companypricelist",
        "pricing_grouppricelist",
        "pricing_companypricing",
        "inventory_warehouse",
        "inventory_companywarehouse",
        "inventory_stocklevel",
    ),
    "portal_version_invoices": ("invoices_invoice", "invoices_payment", "invoices_refund"),
}

FUNCTION = """
CREATE FUNCTION portal_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval(TG_ARGV[0]::regclass);
    RETURN NULL;
END
$$;
"""


def triggers(table: str, sequence: str) -> str:
    # When the statement runs, and again for each changed row at commit.
    return f"""
CREATE TRIGGER portal_version_now AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION portal_version_bump('{sequence}');
CREATE CONSTRAINT TRIGGER portal_version_at_commit AFTER INSERT OR UPDATE OR DELETE ON {table}
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION portal_version_bump('{sequence}');
"""


def forwards_sql() -> str:
    sql = [FUNCTION]
    for sequence, tables in TABLES.items():
        sql.append(f"CREATE SEQUENCE {sequence};")
        sql.extend(triggers(table, sequence) for table in tables)
    return "\n".join(sql)


def backwards_sql() -> str:
    sql = []
    for sequence, tables in TABLES.items():
        for table in tables:
            sql.append(f"DROP TRIGGER portal_version_now ON {table};")
            sql.append(f"DROP TRIGGER portal_version_at_commit ON {table};")
        sql.append(f"DROP SEQUENCE {sequence};")
    sql.append("DROP FUNCTION portal_version_bump();")
    return "\n".join(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("accounts", "0002_audit_trail"),
        ("catalog", "0003_product_search_trigram_indexes"),
        ("pricing", "0004_pricing_strategy_plural"),
        ("inventory", "0005_movement_kind_at"),
        ("invoices", "0004_list_and_dashboard_indexes"),
    ]

    operations = [migrations.RunSQL(forwards_sql(), backwards_sql())]
