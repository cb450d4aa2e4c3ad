from django.core.management.base import BaseCommand

from billing.demo import demo_logins, load_demo


class Command(BaseCommand):
    help = "Load the demo organization, customers, products, taxes and invoices (safe to re-run)."

    def handle(self, *args, **options):
        org, created = load_demo()
        state = "loaded" if created else "already present"
        self.stdout.write(f"Demo data {state}: organization '{org.slug}'.")
        self.stdout.write(f"Demo logins: {demo_logins()}")
