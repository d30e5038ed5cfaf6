"""Load the demo data (see the README's demo logins). Safe to run again: it converges."""

from portal.audit.context import AuditedCommand
from portal.demo import DEMO_PASSWORD, DEMO_USERS, GENERATED_PER_CATEGORY, seed_demo


class Command(AuditedCommand):
    help = "Create or refresh the demo companies, users, catalog, prices, stock and orders."

    def add_arguments(self, parser):
        parser.add_argument(
            "--products-per-category",
            type=int,
            default=GENERATED_PER_CATEGORY,
            help="Size of the generated catalog (tests use a small one).",
        )
        parser.add_argument(
            "--no-orders",
            action="store_false",
            dest="orders",
            help="Leave out the order history (tests place their own orders).",
        )

    def handle(self, *args, **options):
        made = seed_demo(
            products_per_category=options["products_per_category"], orders=options["orders"]
        )
        if made:
            self.stdout.write(f"Placed {made} demo orders.")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with any of:"))
        for username, _company, what in DEMO_USERS:
            self.stdout.write(f"  {username:<18} {DEMO_PASSWORD}   ({what})")
