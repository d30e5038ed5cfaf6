"""Remind approvers of orders pending for more than two working days (run it daily)."""

from django.utils import timezone

from approvals.reminders import orders_to_remind
from approvals.services import order_remind_approvers
from portal.audit.context import AuditedCommand


class Command(AuditedCommand):
    help = "Email approvers about orders that have waited more than two working days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the orders; remind nobody."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        orders = orders_to_remind()
        for order in orders:
            if not dry_run:
                order_remind_approvers(order=order)
            submitted = timezone.localtime(order.submitted_at)
            self.stdout.write(f"{order.number}  submitted {submitted:%Y-%m-%d %H:%M}")
        verb = "Would remind" if dry_run else "Reminded"
        self.stdout.write(
            f"{verb} the approvers of {len(orders)} order{'s' if len(orders) != 1 else ''}."
        )
