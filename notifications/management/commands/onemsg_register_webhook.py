import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from notifications.channels.whatsapp import WhatsAppBackend
from notifications.models import WhatsAppChannel

MAX_URLS = 5  # 1MSG keeps at most five


class Command(BaseCommand):
    help = (
        "Add our status webhook URL to a 1MSG channel's list (read, merge, write back: "
        "other URLs are kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="Tenant id of an organization's own channel.")
        parser.add_argument("--site-url", default=settings.SITE_URL, help="Public base URL.")

    def handle(self, *args, **options):
        tenant = options["organization"]
        token = settings.ONEMSG_WEBHOOK_TOKEN
        if tenant:
            row = WhatsAppChannel.objects.filter(tenant_id=tenant).first()
            if row is None or not row.webhook_token:
                raise CommandError("That organization has no channel with a webhook token.")
            token = row.webhook_token
        path = reverse("notifications:onemsg_webhook", args=[token])
        ours = options["site_url"].rstrip("/") + path
        backend = WhatsAppBackend(tenant_id=tenant)
        try:
            current = backend.webhook_urls()
            if ours in current:
                self.stdout.write(f"Already registered ({len(current)} URL(s) in the list).")
                return
            merged = [
                u for u in current if u.split("/hooks/1msg/")[0] != ours.split("/hooks/1msg/")[0]
            ]
            if len(merged) >= MAX_URLS:
                raise CommandError("The channel already has 5 webhook URLs; remove one first.")
            backend.set_webhook_urls([*merged, ours])
        except requests.RequestException as exc:
            raise CommandError(f"1MSG answered with an error: {type(exc).__name__}") from exc
        replaced = len(current) - len(merged)
        self.stdout.write(
            f"Registered our webhook; kept {len(merged)} other URL(s)"
            + (f", replaced {replaced} old URL(s) of ours (token rotated)." if replaced else ".")
        )
