"""The base every API view shares: credentials, rate limit, body cap, idempotency, envelope."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from billing.api import idempotency, ratelimit
from billing.api.auth import ClientKeyAuthentication
from billing.api.errors import NestedTooDeeply, PayloadTooLarge, RateLimited, exception_handler
from billing.api.schema import ApiSchema
from billing.api.serializers.base import ErrorSerializer, RateLimitErrorSerializer
from billing.models import Organization
from billing.services.actors import Actor
from config.json_depth import MAX_DEPTH, too_deep
from config.text import UNSTORABLE

MAX_BODY_BYTES = 64 * 1024
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


COMMON_ERRORS = {
    # Any operation: an unknown or malformed query parameter, or NUL in the query.
    400: error("Validation failed: one sentence per problem"),
    401: error("Missing or invalid x-client-key / x-client-secret"),
    413: error("Body larger than allowed"),
    429: OpenApiResponse(RateLimitErrorSerializer, description="Rate limit exceeded"),
}
WRITE_ERRORS = {
    **COMMON_ERRORS,
    409: error("Conflicting state, or the same idempotency key is still in progress"),
    422: error("Idempotency key reused with different parameters"),
}
IDEMPOTENCY_HEADER = OpenApiParameter(
    "x-idempotency-key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": idempotency.KEY_PATTERN},
    OpenApiParameter.HEADER,
    description="1 to 255 printable ASCII characters; `Idempotency-Key` is accepted too.",
)


def unstorable_text(value) -> tuple[str, str] | None:
    """(path, sentence) for the first key or string a database cannot store, or None.

    Iterative: a body nested as deep as the JSON parser allows must not exhaust the stack here.
    """
    stack = [(value, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            found = UNSTORABLE.search(value)
            if found:
                return path or "body", _sentence(found.group())
            continue
        if isinstance(value, dict):
            children = value.items()
        elif isinstance(value, list):
            children = enumerate(value)
        else:
            continue
        for key, item in reversed(list(children)):
            found = UNSTORABLE.search(key) if isinstance(key, str) else None
            if found:
                return "body", _sentence(found.group())  # a key cannot name itself here
            inner = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key
            stack.append((item, inner))
    return None


def _sentence(character: str) -> str:
    if character == "\x00":
        return "Null characters are not allowed."
    return f"Surrogate characters are not allowed: U+{ord(character):X}."


class ApiView(APIView):
    authentication_classes = [ClientKeyAuthentication]
    permission_classes = [IsAuthenticated]
    schema = ApiSchema()
    max_body_bytes = MAX_BODY_BYTES
    checks_text = True  # see _check_storable_text

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
        self._check_depth(request)
        if self.checks_text:
            self._check_storable_text(request)

    def _check_body_size(self, request) -> None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError as exc:
            raise ValidationError({"Content-Length": ["must be a number"]}) from exc
        if length > self.max_body_bytes:
            raise PayloadTooLarge(f"Request body must not exceed {self.max_body_bytes} bytes")

    def _check_depth(self, request) -> None:
        """Before any parser runs (views choose their own): JSON parsers recurse per level."""
        is_json = "json" in (request.content_type or "").lower()
        if request.method in UNSAFE_METHODS and is_json and too_deep(request._request.body):
            raise NestedTooDeeply(f"Request body must not nest deeper than {MAX_DEPTH} levels")

    def _check_storable_text(self, request) -> None:
        """No NUL or lone surrogate anywhere in the query or the body. DRF's string fields refuse
        them already; this covers keys and free-form JSON (template data, e-mail options),
        which would otherwise carry them to the database and fail there."""
        for key, values in request.query_params.lists():
            for text in (key, *values):
                found = UNSTORABLE.search(text)
                if found:
                    raise ValidationError({"query": [_sentence(found.group())]})
        problem = unstorable_text(request.data) if request.method in UNSAFE_METHODS else None
        if problem is not None:
            where, sentence = problem
            raise ValidationError({where: [sentence]})

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
