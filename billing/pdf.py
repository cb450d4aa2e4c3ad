"""The invoice PDF (WeasyPrint), rendered from the same document as the e-mail and the page."""

import re
import threading

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from billing import documents
from billing.models import Invoice

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
_local = threading.local()


def _fonts() -> FontConfiguration:
    """One font configuration per thread: building it is a fifth of a PDF's time, and Pango's
    font map is not meant to be shared between threads."""
    if not hasattr(_local, "fonts"):
        _local.fonts = FontConfiguration()
    return _local.fonts


def _no_fetch(url: str, *args, **kwargs):
    """The PDF never loads anything from the network (no SSRF through a logo URL)."""
    raise ValueError(f"external resources are not loaded: {url[:40]}")


def render_pdf(template: str, context: dict) -> bytes:
    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf(font_config=_fonts())


def render_invoice_pdf(invoice: Invoice) -> bytes:
    return render_pdf("billing/pdf/invoice.html", {"doc": documents.build(invoice)})


def safe_filename(stem: str) -> str:
    return _UNSAFE_FILENAME.sub("-", stem) + ".pdf"


def pdf_filename(invoice: Invoice) -> str:
    return safe_filename(invoice.number or f"draft-{str(invoice.pk)[:8]}")


def invoice_attachment(ref: str) -> tuple[bytes, str]:
    """Attachment resolver for e-mails (``settings.NOTIFICATIONS_EMAIL_ATTACHMENTS``)."""
    invoice = Invoice.objects.select_related("organization", "customer", "wallet").get(pk=ref)
    return render_invoice_pdf(invoice), "application/pdf"
