"""Who operates which warehouse is cached with the signed-in user (``PortalBackend``):
a grant or withdrawal of a warehouse permission moves the users' data version, as a
change of their groups does (``portal.0003_user_versions``)."""

from django.db import migrations

SEQUENCE = "portal_version_users"
TABLES = ("inventory_warehouseuserobjectpermission", "inventory_warehousegroupobjectpermission")


def forwards_sql() -> str:
    sql = []
    for table in TABLES:
        sql.append(f"""
CREATE TRIGGER portal_users_version_now AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION portal_version_bump('{SEQUENCE}');
CREATE CONSTRAINT TRIGGER portal_users_version_at_commit AFTER INSERT OR UPDATE OR DELETE
    ON {table} DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION portal_version_bump('{SEQUENCE}');
""")
    return "\n".join(sql)


def backwards_sql() -> str:
    sql = []
    for table in TABLES:
        sql.append(f"DROP TRIGGER portal_users_version_now ON {table};")
        sql.append(f"DROP TRIGGER portal_users_version_at_commit ON {table};")
    return "\n".join(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0006_order_reservation_index"),
        ("portal", "0003_user_versions"),
    ]

    operations = [migrations.RunSQL(forwards_sql(), backwards_sql())]
