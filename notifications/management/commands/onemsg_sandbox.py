import contextlib
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.sandbox import SCRIPT, Sandbox, SandboxConfig


class Command(BaseCommand):
    help = "Run the local 1MSG sandbox on 127.0.0.1 (the port of ONEMSG_BASE_URL by default)."

    def add_arguments(self, parser):
        default_port = urlsplit(settings.ONEMSG_BASE_URL).port or 8765
        parser.add_argument("--port", type=int, default=default_port)
        parser.add_argument("--latency", type=float, default=0.0, help="Seconds per sendTemplate.")
        parser.add_argument("--ack-delay", type=float, default=0.3, help="Seconds between acks.")
        parser.add_argument("--hang", type=float, default=30.0, help="Read-timeout phones wait.")
        parser.add_argument(
            "--host", default="127.0.0.1", help="Address to listen on (a host's own address)."
        )
        parser.add_argument(
            "--push-retries", type=int, default=0, help="Tries again of a failed ack push."
        )
        parser.add_argument("--seconds", type=float, default=0, help="Stop after (0: never).")
        parser.add_argument(
            "--reply",
            metavar="MESSAGE_ID",
            help="Instead of serving: have the running sandbox push a customer's reply to the "
            "message with this provider id (with --button or --text).",
        )
        parser.add_argument("--button", help='A quick-reply tap, e.g. "Paid already".')
        parser.add_argument("--text", help="A typed reply.")

    def handle(self, *args, **options):
        if options["reply"]:
            self._reply(options)
            return
        config = SandboxConfig(
            channel_id=settings.ONEMSG_CHANNEL_ID,
            token=settings.ONEMSG_TOKEN,
            latency=options["latency"],
            ack_delay=options["ack_delay"],
            hang=options["hang"],
            push_retries=options["push_retries"],
        )
        for template in config.templates:
            template["namespace"] = settings.ONEMSG_TEMPLATE_NAMESPACE
        sandbox = Sandbox(config).start(host=options["host"], port=options["port"])
        self.stdout.write(f"1MSG sandbox on {sandbox.url}/{config.channel_id}/ (Bearer token set)")
        for digits, behaviour in SCRIPT.items():
            self.stdout.write(f"  phone ending {digits}: {behaviour}")
        self.stdout.flush()
        deadline = time.monotonic() + options["seconds"] if options["seconds"] else None
        try:
            with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the normal way to stop
                while deadline is None or time.monotonic() < deadline:
                    time.sleep(0.2)
        finally:
            sandbox.stop()

    def _reply(self, options) -> None:
        spec = {"messageId": options["reply"]}
        if options["button"]:
            spec["button"] = options["button"]
        if options["text"]:
            spec["text"] = options["text"]
        url = f"http://127.0.0.1:{options['port']}/_sandbox/reply"
        try:
            response = requests.post(url, json=spec, timeout=5)
        except requests.RequestException as exc:
            raise CommandError(f"No sandbox answers at {url}: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise CommandError(response.json().get("message", response.text))
        self.stdout.write(f"Reply {response.json()['id']} pushed to the registered webhooks")
