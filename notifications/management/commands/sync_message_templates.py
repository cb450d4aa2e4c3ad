from django.core.management.base import BaseCommand

from notifications.templating.registry import sync_shipped_templates


class Command(BaseCommand):
    help = "Create or update the shipped message templates (migrate also does this)."

    def handle(self, *args, **options):
        count = sync_shipped_templates()
        self.stdout.write(f"{count} shipped template version(s) in step.")
