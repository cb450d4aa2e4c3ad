import json

from django.core.management.base import BaseCommand

from billing.models import Organization
from billing.reports.volume import volume_load
from billing.services.organizations import organization_create


class Command(BaseCommand):
    help = (
        "Load a synthetic data set (invoices, payments, messages) into one organization, for "
        "benchmarks and for trying the admin at scale. Prints JSON with what was written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--invoices", type=int, default=100_000)
        parser.add_argument("--messages", type=int, default=500_000)
        parser.add_argument("--org", default="volume", help="slug; created when missing")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        org = Organization.objects.filter(slug=options["org"]).first() or organization_create(
            name=f"Volume {options['org']}",
            slug=options["org"],
            currency="USD",
            time_zone="UTC",
            locale="en",
        )
        loaded = volume_load(
            organization=org,
            invoices=max(options["invoices"], 0),
            messages=max(options["messages"], 0),
            seed=options["seed"],
        )
        self.stdout.write(
            json.dumps(
                {"organization": org.slug, "invoices": loaded.invoices, "messages": loaded.messages}
            )
        )
