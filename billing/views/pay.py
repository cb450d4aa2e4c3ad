"""The hosted invoice page behind a payment link: thin views over ``services.pay_links``.

Every answer under /pay/, 404s included, carries ``Referrer-Policy: no-referrer``,
``X-Robots-Tag: noindex`` and a Content-Security-Policy (``config.middleware``); an unknown token
and a missing invoice are the same 404.
"""

from functools import wraps

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from billing import documents
from billing.errors import DeliveryInProgress, InvalidEmailRequest
from billing.pdf import pdf_filename, render_invoice_pdf
from billing.services import pay_links
from notifications.logs import mask_email


def _private(view):
    @wraps(view)
    def wrapper(request, token: str, *args, **kwargs):
        invoice = pay_links.invoice_for_token(token)
        if invoice is None:
            raise Http404("No such invoice")
        return view(request, invoice, *args, **kwargs)

    return never_cache(wrapper)


LINK_ON_ITS_WAY = "The last link we e-mailed you is still on its way: try again in a few minutes."


def mask_name(name: str) -> str:
    """``Jane Doe`` → ``J*** D***``: enough to recognise, too little to harvest."""
    return " ".join(f"{part[:1]}***" for part in name.split())


@require_http_methods(["GET", "HEAD"])
@_private
def pay_page(request, invoice):
    if pay_links.is_expired(invoice):
        return _recovery(request, invoice)
    if not request.user.is_staff:  # the finance team checking the page is not the customer
        pay_links.record_opened(invoice)
    context = {
        "doc": documents.build(invoice),
        "customer": mask_name(invoice.customer.name),
        "email": mask_email(invoice.email or invoice.customer.email),
        "token": invoice.payment_token,
        "payable": invoice.status in (invoice.Status.OPEN, invoice.Status.UNCOLLECTIBLE),
        "void": invoice.status == invoice.Status.VOID,
    }
    return render(request, "billing/pay/invoice.html", context)


def _recovery(request, invoice, *, renewed=None, error: str = "", status: int = 200):
    context = {
        "organization": invoice.organization.name,
        "number": invoice.number,
        "token": invoice.payment_token,
        "renewed": renewed,
        "error": error,
        "void": invoice.status == invoice.Status.VOID,
    }
    return render(request, "billing/pay/expired.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
@_private
def pay_pdf(request, invoice):
    if pay_links.is_expired(invoice):
        return redirect("pay:page", token=invoice.payment_token)
    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(invoice)}"'
    return response


# No CSRF check: with ``Referrer-Policy: no-referrer`` browsers post with ``Origin: null``, and
# the form acts on no session: the token in the path is the only credential, and the worst a
# forged post can do is e-mail the customer a fresh link at the address on file (once per gap).
@csrf_exempt
@require_POST
@_private
def pay_renew(request, invoice):
    # A void invoice needs no fresh link: nothing can be paid on it.
    if not pay_links.is_expired(invoice) or invoice.status == invoice.Status.VOID:
        return redirect("pay:page", token=invoice.payment_token)
    try:
        renewed = pay_links.payment_link_renew(invoice=invoice)
    except InvalidEmailRequest as exc:
        return _recovery(request, invoice, error=exc.messages[0], status=409)
    except DeliveryInProgress:
        return _recovery(request, invoice, error=LINK_ON_ITS_WAY, status=409)
    return _recovery(request, invoice, renewed=renewed)
