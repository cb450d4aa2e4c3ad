"""The base every API view shares: credentials, rate limit, body cap, idempotency, envelope."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from billing.api import idempotency, ratelimit
from billing.api.auth import ClientKeyAuthentication
from billing.api.errors import PayloadTooLarge, RateLimited, exception_handler
from billing.api.serializers.base import ErrorSerializer, RateLimitErrorSerializer
from billing.models import Organization
from billing.services.actors import Actor

MAX_BODY_BYTES = 64 * 1024
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


COMMON_ERRORS = {
    401: error("Missing or invalid x-client-key / x-client-secret"),
    413: error("Body larger than allowed"),
    429: OpenApiResponse(RateLimitErrorSerializer, description="Rate limit exceeded"),
}
WRITE_ERRORS = {
    **COMMON_ERRORS,
    400: error("Validation failed: one sentence per problem"),
    409: error("Conflicting state, or the same idempotency key is still in progress"),
    422: error("Idempotency key reused with different parameters"),
}
IDEMPOTENCY_HEADER = OpenApiParameter(
    "x-idempotency-key",
    str,
    OpenApiParameter.HEADER,
    description="Up to 255 printable ASCII characters; `Idempotency-Key` is accepted too.",
)


def nul_path(value) -> str | None:
    """The path (``items[0].name``) of the first key or string holding a NUL character.

    Iterative: a body nested as deep as the JSON parser allows must not exhaust the stack here.
    """
    stack = [(value, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path or "body"
            continue
        if isinstance(value, dict):
            children = value.items()
        elif isinstance(value, list):
            children = enumerate(value)
        else:
            continue
        for key, item in reversed(list(children)):
            if isinstance(key, str) and "\x00" in key:
                return "body"  # a key cannot name itself without the character
            inner = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key
            stack.append((item, inner))
    return None


class ApiView(APIView):
    authentication_classes = [ClientKeyAuthentication]
    permission_classes = [IsAuthenticated]
    max_body_bytes = MAX_BODY_BYTES
    refuses_nul = True  # see _check_no_nul

    def get_exception_handler(self):
        return exception_handler

    @property
    def organization(self) -> Organization:
        return self.request.user.organization

    @property
    def actor(self) -> Actor:
        return Actor.for_credential(self.request.user.client_key)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticates first: 401 is never counted
        limit = ratelimit.current_limit()
        self.rate_usage = ratelimit.hit(request.user.client_key, limit)
        if self.rate_usage.exceeded:
            raise RateLimited(limit.count, limit.period_name, self.rate_usage.reset)
        self._check_body_size(request)
        if self.refuses_nul:
            self._check_no_nul(request)

    def _check_body_size(self, request) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError as exc:
            raise ValidationError({"Content-Length": ["must be a number"]}) from exc
        if length > self.max_body_bytes:
            raise PayloadTooLarge(f"Request body must not exceed {self.max_body_bytes} bytes")

    def _check_no_nul(self, request) -> None:
        """No NUL character anywhere in the query or the body: PostgreSQL cannot store one, and
        free-form fields (template data, e-mail options) would otherwise carry it to the
        database. DRF's string fields refuse it already; this covers keys and free-form JSON."""
        for key, values in request.query_params.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise ValidationError({"query": ["Null characters are not allowed."]})
        where = nul_path(request.data) if request.method in UNSAFE_METHODS else None
        if where is not None:
            raise ValidationError({where: ["Null characters are not allowed."]})

    def dispatch(self, request, *args, **kwargs):
        # DRF's dispatch with one change: the handler runs through ``_run`` (idempotency).
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            name = request.method.lower()
            if name in self.http_method_names:
                handler = getattr(self, name, self.http_method_not_allowed)
            else:
                handler = self.http_method_not_allowed
            response = self._run(handler, request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response

    def _run(self, handler, request, *args, **kwargs):
        """Run the handler; with an idempotency key, claim first and store its answer.

        A view may define ``prepare_<method>(request, …)``: its reads and checks, run before
        the write transaction, whose result the handler receives as ``prepared``.
        """
        if handler == self.http_method_not_allowed:
            return handler(request, *args, **kwargs)
        prepare = getattr(self, f"prepare_{request.method.lower()}", None)
        key = idempotency.key_from(request) if request.method in UNSAFE_METHODS else None
        if key is None:
            if prepare is not None:
                kwargs["prepared"] = prepare(request, *args, **kwargs)
            return handler(request, *args, **kwargs)
        claimed = idempotency.claim(
            organization=self.organization,
            key=key,
            method=request.method,
            path=request.path,
            body=request.data,
        )
        if not isinstance(claimed, idempotency.IdempotencyKey):
            return claimed  # the stored response of the first request
        try:
            if prepare is not None:
                kwargs["prepared"] = prepare(request, *args, **kwargs)
            with transaction.atomic():
                response = idempotency.render(handler(request, *args, **kwargs))
                idempotency.complete(claimed, response)
        except BaseException:
            idempotency.release(claimed)
            raise
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        usage = getattr(self, "rate_usage", None)
        if usage is not None:
            for name, value in usage.headers().items():
                response[name] = value
        return response

    def validated(self, serializer_class, data, **kwargs) -> dict:
        serializer = serializer_class(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


CREATED = status.HTTP_201_CREATED
