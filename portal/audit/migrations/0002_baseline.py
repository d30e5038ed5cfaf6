"""The rows that exist when the trail begins, copied into it once as ``baseline`` events.

The page shows a change as the difference between an event and the object's previous one;
without a baseline, the first change to an object older than the trail would show its new
values only. Baseline events are not changes and the page does not list them. A fresh
database has no rows yet, and copies nothing.
"""

from django.db import migrations

BASELINE = "baseline"
EVENT_MODELS = [
    ("accounts", "CompanyAuditEvent"),
    ("accounts", "AddressAuditEvent"),
    ("accounts", "MembershipAuditEvent"),
    ("audit", "UserAuditEvent"),
    ("orders", "OrderAuditEvent"),
    ("orders", "OrderLineAuditEvent"),
    ("approvals", "ApprovalPolicyAuditEvent"),
    ("approvals", "ApprovalThresholdAuditEvent"),
    ("approvals", "ApprovalAuditEvent"),
    ("inventory", "StockLevelAuditEvent"),
    ("pricing", "PriceListAuditEvent"),
    ("pricing", "PriceListEntryAuditEvent"),
    ("pricing", "ContractAuditEvent"),
    ("pricing", "ContractPriceAuditEvent"),
    ("pricing", "CompanyPriceListAuditEvent"),
    ("pricing", "GroupPriceListAuditEvent"),
    ("pricing", "CompanyPricingAuditEvent"),
]


def copy_current_rows(apps, schema_editor):
    quote = schema_editor.quote_name
    for app_label, name in EVENT_MODELS:
        event = apps.get_model(app_label, name)
        tracked = event._meta.get_field("pgh_obj").related_model
        # The event table mirrors the tracked columns under the same names.
        columns = ", ".join(
            quote(field.column)
            for field in event._meta.local_concrete_fields
            if not field.name.startswith("pgh_")
        )
        # Names come from the models; the label is a parameter.
        schema_editor.execute(
            f"INSERT INTO {quote(event._meta.db_table)} "
            f"(pgh_created_at, pgh_label, pgh_obj_id, {columns}) "
            f"SELECT NOW(), %s, {quote(tracked._meta.pk.column)}, {columns} "
            f"FROM {quote(tracked._meta.db_table)}",
            params=[BASELINE],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_user_history"),
        ("accounts", "0002_audit_trail"),
        ("approvals", "0003_audit_trail"),
        ("inventory", "0004_audit_trail"),
        ("orders", "0006_audit_trail"),
        ("pricing", "0003_audit_trail"),
    ]

    operations = [migrations.RunPython(copy_current_rows, migrations.RunPython.noop)]
