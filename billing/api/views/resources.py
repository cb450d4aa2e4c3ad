"""List/create and retrieve/update/delete views for the simple resources.

Each resource names its model, serializer and services; the views only validate, call the one
service and serialize. Every query is filtered by the caller's organization, so another tenant's
id is simply "not found".
"""

from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from billing.api.serializers.base import PageQuerySerializer, paged
from billing.api.views.base import (
    COMMON_ERRORS,
    IDEMPOTENCY_HEADER,
    WRITE_ERRORS,
    ApiView,
    error,
)


class ResourceMixin:
    model = None
    serializer_class = None
    label = ""
    prefetch: tuple[str, ...] = ()

    def get_queryset(self):
        return self.model.objects.filter(organization=self.organization).prefetch_related(
            *self.prefetch
        )

    def represent(self, obj) -> dict:
        return self.serializer_class(self.get_queryset().get(pk=obj.pk)).data


class ResourceListView(ResourceMixin, ApiView):
    create_service = None
    query_serializer = PageQuerySerializer

    def filtered(self, queryset, query: dict):
        """The list filters beyond paging (none unless a resource names them)."""
        return queryset

    def get(self, request):
        query = self.validated(self.query_serializer, request.query_params)
        queryset = self.filtered(self.get_queryset(), query)
        return Response(paged(queryset, query, self.serializer_class))

    def post(self, request):
        data = self.validated(self.serializer_class, request.data)
        obj = type(self).create_service(organization=self.organization, **data)
        return Response(self.represent(obj), status=status.HTTP_201_CREATED)


class ResourceDetailView(ResourceMixin, ApiView):
    update_service = None
    delete_service = None
    object_kwarg = ""

    def get_object(self, pk):
        obj = self.get_queryset().filter(pk=pk).first()
        if obj is None:
            raise NotFound(f"{self.label} not found")
        return obj

    def get(self, request, pk):
        return Response(self.serializer_class(self.get_object(pk)).data)

    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    def patch(self, request, pk):
        return self._update(request, pk, partial=True)

    def _update(self, request, pk, *, partial: bool):
        obj = self.get_object(pk)
        data = self.validated(self.serializer_class, request.data, partial=partial)
        obj = type(self).update_service(**{self.object_kwarg: obj}, **data)
        return Response(self.represent(obj))

    def delete(self, request, pk):
        type(self).delete_service(**{self.object_kwarg: self.get_object(pk)})
        return Response(status=status.HTTP_204_NO_CONTENT)


def document(serializer_class, *, tag: str, name: str, query=PageQuerySerializer):
    """OpenAPI for a resource's two views (list/create and detail)."""
    listing = inline_serializer(
        name=f"{serializer_class.__name__.removesuffix('Serializer')}List",
        fields={"data": serializer_class(many=True), "total": serializers.IntegerField()},
    )
    not_found = {404: error(f"No such {name} in your organization")}
    list_view = extend_schema_view(
        get=extend_schema(
            operation_id=f"{name}s_list",
            tags=[tag],
            parameters=[query],
            responses={200: listing, **COMMON_ERRORS},
        ),
        post=extend_schema(
            operation_id=f"{name}s_create",
            tags=[tag],
            request=serializer_class,
            parameters=[IDEMPOTENCY_HEADER],
            responses={201: serializer_class, **WRITE_ERRORS, **not_found},
        ),
    )
    detail_view = extend_schema_view(
        get=extend_schema(
            operation_id=f"{name}s_retrieve",
            tags=[tag],
            responses={200: serializer_class, **COMMON_ERRORS, **not_found},
        ),
        put=extend_schema(
            operation_id=f"{name}s_update",
            tags=[tag],
            request=serializer_class,
            parameters=[IDEMPOTENCY_HEADER],
            responses={200: serializer_class, **WRITE_ERRORS, **not_found},
        ),
        patch=extend_schema(
            operation_id=f"{name}s_partial_update",
            tags=[tag],
            request=serializer_class,
            parameters=[IDEMPOTENCY_HEADER],
            responses={200: serializer_class, **WRITE_ERRORS, **not_found},
        ),
        delete=extend_schema(
            operation_id=f"{name}s_destroy",
            tags=[tag],
            parameters=[IDEMPOTENCY_HEADER],
            responses={
                204: None,
                **WRITE_ERRORS,
                **not_found,
                409: error(f"The {name} is referenced: deactivate it instead"),
            },
        ),
    )
    return list_view, detail_view
