"""Orders that were waiting before approval policies existed get a requirement: one approval.

Without it the queue and the approve action would have nothing to go by for them.
"""

from django.db import migrations


def require_one_approval(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    ApprovalRequirement = apps.get_model("approvals", "ApprovalRequirement")
    waiting = Order.objects.filter(status="pending_approval", approval_requirement__isnull=True)
    ApprovalRequirement.objects.bulk_create(
        ApprovalRequirement(
            order=order,
            approvals_required=1,
            net_total=order.subtotal,
            reasons=["Submitted before approval policies existed: one approval."],
            order_version=order.version,
        )
        for order in waiting
    )


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial"), ("orders", "0003_order_status_written_by_workflow_only")]

    operations = [migrations.RunPython(require_one_approval, migrations.RunPython.noop)]
