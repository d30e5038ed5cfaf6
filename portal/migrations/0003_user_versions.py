"""A data version for who a signed-in user is, so that the user can be cached with it."""

from django.db import migrations

SEQUENCE = "portal_version_users"
# As they stood when this was written; a later table gets its triggers in its own migration.
TABLES = (
    "auth_user",
    "auth_group",
    "auth_user_groups",
    "accounts_membership",
    "accounts_company",
    "accounts_companyuserobjectpermission",
    "accounts_companygroupobjectpermission",
)


def forwards_sql() -> str:
    # accounts_company moves the catalog's version too: its triggers take other names.
    sql = [f"CREATE SEQUENCE {SEQUENCE};"]
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
    sql.append(f"DROP SEQUENCE {SEQUENCE};")
    return "\n".join(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_data_versions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("accounts", "0002_audit_trail"),
    ]

    operations = [migrations.RunSQL(forwards_sql(), backwards_sql())]
