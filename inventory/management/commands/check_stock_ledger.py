"""Prove that every stock level equals the sum of its movements; exit 1 with the rows if not."""

from django.core.management.base import BaseCommand, CommandError

from inventory.models import StockLevel, StockMovement
from inventory.selectors import ledger_differences


class Command(BaseCommand):
    help = "Check that every stock level equals the sum of its movements."

    def handle(self, *args, **options):
        differences = ledger_differences()
        if differences:
            for difference in differences:
                self.stderr.write(str(difference))
            count = len(differences)
            raise CommandError(
                f"{count} stock level{'s differ' if count != 1 else ' differs'} "
                "from the sum of their movements."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Stock ledger balances: {StockLevel.objects.count()} levels, "
                f"{StockMovement.objects.count()} movements."
            )
        )
