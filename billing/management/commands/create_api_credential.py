import json

from django.core.management.base import BaseCommand, CommandError

from billing.models import Organization
from billing.services.organizations import api_credential_create


class Command(BaseCommand):
    help = "Create an API key pair for an organization; the secret is printed only this once."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--name", default="")

    def handle(self, *args, **options):
        try:
            org = Organization.objects.get(slug=options["org"])
        except Organization.DoesNotExist as exc:
            raise CommandError(f"No organization with slug '{options['org']}'") from exc
        credential, secret = api_credential_create(organization=org, name=options["name"])
        self.stdout.write(
            json.dumps(
                {
                    "organization": org.slug,
                    "client_key": credential.client_key,
                    "client_secret": secret,
                }
            )
        )
