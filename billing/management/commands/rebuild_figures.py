import json

from django.core.management.base import BaseCommand, CommandError

from billing.models import Organization
from billing.reports import figures


class Command(BaseCommand):
    help = (
        "Recompute the overview's stored figures (open balances per due date, totals per day, "
        "the delivery funnel per issue day and channel) "
        "from the invoices, payments and credit notes, for one organization or all. Run it "
        "after importing rows past the services or restoring a backup, while nobody writes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", help="slug; every organization when left out")

    def handle(self, *args, **options):
        organizations = Organization.objects.order_by("slug")
        if options["org"]:
            organizations = organizations.filter(slug=options["org"])
            if not organizations:
                raise CommandError(f"No organization with the slug {options['org']!r}")
        for organization in organizations:
            balances, days, funnel = figures.rebuild(organization=organization)
            counts = {"balances": balances, "days": days, "funnel_days": funnel}
            self.stdout.write(json.dumps({"organization": organization.slug, **counts}))
