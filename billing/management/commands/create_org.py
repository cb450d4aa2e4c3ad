import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing.services.organizations import organization_create


class Command(BaseCommand):
    help = "Create an organization (tenant) and print it as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", default="")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument("--locale", default="en")

    def handle(self, *args, **options):
        try:
            org = organization_create(
                name=options["name"],
                slug=options["slug"],
                currency=options["currency"],
                time_zone=options["timezone"],
                locale=options["locale"],
            )
        except ValidationError as exc:
            raise CommandError(json.dumps(exc.message_dict)) from exc
        self.stdout.write(
            json.dumps(
                {
                    "id": str(org.id),
                    "slug": org.slug,
                    "name": org.name,
                    "currency": org.default_currency,
                    "timezone": org.time_zone,
                    "locale": org.locale,
                }
            )
        )
