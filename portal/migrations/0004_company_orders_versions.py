"""A data version per company for its orders as lists and dashboards show them.

Each company has its own sequence, created with the company: two companies' order writes
never move each other's version, and moving it takes no lock (a counter row per company
would make two buyers of one company wait for each other until commit). A cart, an order
with no number yet, moves nothing: only its buyer sees it, and its lines change with every
click.
"""

from django.db import migrations

# Tables whose rows belong to an order (order_id), read by the order list and dashboards.
OF_ORDERS = (
    "orders_orderevent",
    "approvals_approval",
    "approvals_approvalrequirement",
)

FUNCTIONS = r"""
CREATE FUNCTION portal_orders_sequence(company bigint) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT 'portal_version_orders_' || company $$;

-- The company's version now; 0 before its first order (or if its sequence is missing).
CREATE FUNCTION portal_orders_version(company bigint) RETURNS bigint
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(pg_sequence_last_value(to_regclass(portal_orders_sequence(company))), 0)
$$;

CREATE FUNCTION portal_orders_version_move(company bigint) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    IF company IS NOT NULL AND to_regclass(portal_orders_sequence(company)) IS NOT NULL THEN
        PERFORM nextval(portal_orders_sequence(company)::regclass);
    END IF;
END
$$;

CREATE FUNCTION portal_company_orders_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', portal_orders_sequence(NEW.id));
    ELSE
        EXECUTE format('DROP SEQUENCE IF EXISTS %I', portal_orders_sequence(OLD.id));
    END IF;
    RETURN NULL;
END
$$;

-- On orders_order: the company of a numbered order, before and after the change.
CREATE FUNCTION portal_orders_version_of_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' AND NEW.number IS NOT NULL THEN
        PERFORM portal_orders_version_move(NEW.company_id);
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.number IS NOT NULL AND (
        TG_OP = 'DELETE' OR NEW.number IS NULL OR NEW.company_id <> OLD.company_id
    ) THEN
        PERFORM portal_orders_version_move(OLD.company_id);
    END IF;
    RETURN NULL;
END
$$;

-- On a table whose rows belong to an order: that order's company, if it has a number.
CREATE FUNCTION portal_orders_version_of_child() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    company bigint;
BEGIN
    SELECT o.company_id INTO company FROM orders_order o
        WHERE o.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.order_id ELSE NEW.order_id END
          AND o.number IS NOT NULL;
    PERFORM portal_orders_version_move(company);
    IF TG_OP = 'UPDATE' AND NEW.order_id <> OLD.order_id THEN
        SELECT o.company_id INTO company FROM orders_order o
            WHERE o.id = OLD.order_id AND o.number IS NOT NULL;
        PERFORM portal_orders_version_move(company);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER portal_company_orders_sequence AFTER INSERT OR DELETE ON accounts_company
    FOR EACH ROW EXECUTE FUNCTION portal_company_orders_sequence();

DO $$
DECLARE
    company bigint;
BEGIN
    FOR company IN SELECT id FROM accounts_company LOOP
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', portal_orders_sequence(company));
    END LOOP;
END
$$;
"""


def triggers(table: str, function: str) -> str:
    # When each row changes, and again for each changed row at commit (as portal.0002).
    return f"""
CREATE TRIGGER portal_orders_version_now AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
CREATE CONSTRAINT TRIGGER portal_orders_version_at_commit AFTER INSERT OR UPDATE OR DELETE
    ON {table} DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""


def forwards_sql() -> str:
    sql = [FUNCTIONS, triggers("orders_order", "portal_orders_version_of_order")]
    sql.extend(triggers(table, "portal_orders_version_of_child") for table in OF_ORDERS)
    return "\n".join(sql)


def backwards_sql() -> str:
    sql = []
    for table in ("orders_order", *OF_ORDERS):
        sql.append(f"DROP TRIGGER portal_orders_version_now ON {table};")
        sql.append(f"DROP TRIGGER portal_orders_version_at_commit ON {table};")
    sql.append("DROP TRIGGER portal_company_orders_sequence ON accounts_company;")
    sql.append("""
DO $$
DECLARE
    company bigint;
BEGIN
    FOR company IN SELECT id FROM accounts_company LOOP
        EXECUTE format('DROP SEQUENCE IF EXISTS %I', portal_orders_sequence(company));
    END LOOP;
END
$$;
""")
    for function in (
        "portal_orders_version_of_child()",
        "portal_orders_version_of_order()",
        "portal_company_orders_sequence()",
        "portal_orders_version_move(bigint)",
        "portal_orders_version(bigint)",
        "portal_orders_sequence(bigint)",
    ):
        sql.append(f"DROP FUNCTION {function};")
    return "\n".join(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_user_versions"),
        ("accounts", "0002_audit_trail"),
        ("orders", "0009_event_actor_at"),
        ("approvals", "0003_audit_trail"),
    ]

    operations = [migrations.RunSQL(forwards_sql(), backwards_sql())]
