import json

from django.core.management.base import BaseCommand, CommandError

from billing.models import Organization
from billing.models.memberships import Role
from billing.services.roles import staff_user_set


class Command(BaseCommand):
    help = "Create or update a staff login with its role in one organization; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        membership = staff_user_set(
            username=options["username"],
            password=options["password"],
            organization=organization,
            role=options["role"],
        )
        self.stdout.write(
            json.dumps(
                {
                    "username": membership.user.get_username(),
                    "organization": organization.slug,
                    "role": membership.role,
                }
            )
        )
