"""The admin as a multi-tenant workspace: the one module every admin page goes through.

A member works in one organization at a time, kept in the session (chosen at login when they
belong to several, switchable from the header). Every ModelAdmin and inline of the site mixes in
``ScopedAdmin`` / ``ScopedInline``, which scope querysets, form choices, list-filter choices and
new objects to that organization; ``check_site_is_scoped`` makes a forgotten mixin an error, not
a leak. Another organization's object is a 404, exactly like a missing one. Superusers are
platform operators: without a chosen organization they see every one.
"""

from dataclasses import dataclass, field

from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.auth import get_user_model
from django.core.checks import Error, Tags, register
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme

from billing.models import Membership, Organization
from billing.services.roles import role_permissions

SESSION_KEY = "workspace_organization"
# Values of ``tenant_path`` that are not lookups:
SHARED = "shared"  # reference data every organization reads (shipped message templates)
PLATFORM = "platform"  # operator data (users, queue, raw provider webhooks): superusers only


@dataclass
class Workspace:
    """Who is asking and in which organization; computed once per request."""

    organization: Organization | None
    superuser: bool
    memberships: list[Membership] = field(default_factory=list)

    @property
    def needs_choice(self) -> bool:
        return not self.superuser and self.organization is None and len(self.memberships) > 1

    @property
    def allowed(self) -> bool:
        return self.superuser or bool(self.memberships)

    @property
    def membership(self) -> Membership | None:
        org_id = self.organization.pk if self.organization else None
        return next((m for m in self.memberships if m.organization_id == org_id), None)

    def allows(self, permission: str) -> bool:
        """The permission belongs to the user's role in the current organization."""
        if self.superuser:
            return True
        membership = self.membership
        return membership is not None and permission in role_permissions(membership.role)

    def choices(self) -> list[Organization]:
        if self.superuser:
            return list(Organization.objects.order_by("name"))
        return [m.organization for m in self.memberships]


def workspace(request) -> Workspace:
    cached = getattr(request, "_workspace", None)
    if cached is None:
        cached = request._workspace = _load_workspace(request)
    return cached


def _load_workspace(request) -> Workspace:
    user, chosen = request.user, getattr(request, "session", {}).get(SESSION_KEY)
    if not user.is_authenticated or not user.is_active:
        return Workspace(organization=None, superuser=False)
    if user.is_superuser:
        org = Organization.objects.filter(pk=chosen).first() if chosen else None
        return Workspace(organization=org, superuser=True)
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )
    pick = [m for m in memberships if str(m.organization_id) == chosen] or (
        memberships if len(memberships) == 1 else []
    )
    return Workspace(
        organization=pick[0].organization if pick else None,
        superuser=False,
        memberships=memberships,
    )


def current_organization(request) -> Organization | None:
    return workspace(request).organization


def choose_organization(request, *, organization_id: str) -> Organization | None:
    """Put one of the user's organizations (or, for a superuser, none: all) in the session."""
    space = workspace(request)
    org = next((o for o in space.choices() if str(o.pk) == organization_id), None)
    if org is None and not (space.superuser and organization_id == ""):
        raise Http404("No such organization")
    request.session[SESSION_KEY] = str(org.pk) if org else None
    request._workspace = None
    return org


# --- which rows belong to which organization ---------------------------------------------------
def tenant_path_of(model) -> str | None:
    """The lookup from ``model`` to its organization, derived from its fields."""
    if model is Organization:
        return "pk"
    if model is get_user_model():
        return "memberships__organization"
    names = {f.name for f in model._meta.get_fields()}
    if "organization" in names:
        return "organization"
    if "tenant_id" in names:
        return "tenant_id"
    return None


def scope(queryset, request, path: str | None = None):
    """``queryset`` restricted to the current organization (fail closed for a lost member)."""
    path = path or tenant_path_of(queryset.model)
    space = workspace(request)
    if path == SHARED:
        return queryset
    if space.organization is None:
        return queryset if space.superuser else queryset.none()
    if path is None or path == PLATFORM:
        return queryset.none()
    scoped = queryset.filter(**{path: space.organization.pk})
    return scoped.distinct() if "__" in path else scoped


def _scope_choices(formfield, request):
    if formfield is not None and hasattr(formfield, "queryset"):
        related = formfield.queryset.model
        if tenant_path_of(related) is not None:
            formfield.queryset = scope(formfield.queryset, request)
    return formfield


class _ChoiceScoping:
    """Choices and permissions: Django's checks, narrowed to the role in the organization."""

    def _role_allows(self, request, verb: str) -> bool:
        opts = self.opts
        return workspace(request).allows(f"{opts.app_label}.{verb}_{opts.model_name}")

    def has_view_permission(self, request, obj=None):
        allowed = self._role_allows(request, "view") or self._role_allows(request, "change")
        return allowed and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._role_allows(request, "add") and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._role_allows(request, "change") and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._role_allows(request, "delete") and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return _scope_choices(
            super().formfield_for_foreignkey(db_field, request, **kwargs), request
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _scope_choices(formfield, request)


class ScopedInline(_ChoiceScoping):
    """Mixed into every inline: its rows hang off a scoped parent; its choices are scoped."""


class ScopedAdmin(_ChoiceScoping):
    """Mixed first into every ModelAdmin of the site.

    ``tenant_path`` is the lookup to the organization (derived from an ``organization`` or
    ``tenant_id`` field when not set), ``SHARED`` for reference data or ``PLATFORM`` for
    superuser-only pages.
    """

    tenant_path: str | None = None

    def get_tenant_path(self) -> str:
        path = self.tenant_path or tenant_path_of(self.model)
        if path is None:
            raise LookupError(f"{type(self).__name__} has no tenant_path")
        return path

    def _platform_refused(self, request) -> bool:
        return self.get_tenant_path() == PLATFORM and not request.user.is_superuser

    def has_module_permission(self, request):
        return not self._platform_refused(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return not self._platform_refused(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        if self._platform_refused(request) or self._needs_organization(request):
            return False
        return super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return not self._platform_refused(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._platform_refused(request) and super().has_delete_permission(request, obj)

    def _needs_organization(self, request) -> bool:
        # A new row of an organization needs one: a superuser viewing "all" picks it in the form.
        space = workspace(request)
        return space.organization is None and not space.superuser

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request, self.get_tenant_path())

    def scoped(self, queryset, request):
        """For custom views: any queryset (choices, lookups) limited to the current organization."""
        return scope(queryset, request)

    def get_list_filter(self, request):
        org = current_organization(request)
        filters = []
        for spec in super().get_list_filter(request):
            if isinstance(spec, str) and self._is_relation(spec):
                if org is not None and spec == "organization":
                    continue
                spec = (spec, RelatedOnlyFieldListFilter)
            filters.append(spec)
        return filters

    def _is_relation(self, name: str) -> bool:
        try:
            model_field = self.model._meta.get_field(name)
        except FieldDoesNotExist:  # a lookup path ("customer__name"): left as declared
            return False
        return model_field.is_relation

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        org = current_organization(request)
        if org is None:
            return form
        return type(form.__name__, (_PinnedTenantForm, form), {"workspace_organization": org})

    def save_model(self, request, obj, form, change):
        org = current_organization(request)
        if org is not None and not change:
            path = self.get_tenant_path()
            if path == "organization":
                obj.organization = org
            elif path == "tenant_id":
                obj.tenant_id = org.pk
        super().save_model(request, obj, form, change)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects with a message; a tenant's object must look exactly like a missing one.
        raise Http404(f"No {opts.verbose_name} with this id")


class _PinnedTenantForm:
    """The organization of a row is the workspace's: shown, never chosen, never posted."""

    workspace_organization: Organization

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        org = self.workspace_organization
        for name in ("organization", "tenant_id"):
            formfield = self.fields.get(name)
            if formfield is None:
                continue
            if hasattr(formfield, "queryset"):
                formfield.queryset = formfield.queryset.filter(pk=org.pk)
            formfield.initial = org.pk
            formfield.disabled = True


def scoped_admin_class(admin_class, *, tenant_path: str | None = None):
    """A scoped subclass of an admin another app defines (the delivery engine, Django's auth,
    the queue): same pages, same inlines, through this module."""
    inlines = [
        type(f"Scoped{inline.__name__}", (ScopedInline, inline), {})
        for inline in admin_class.inlines
    ]
    attrs = {"tenant_path": tenant_path, "inlines": inlines}
    return type(f"Scoped{admin_class.__name__}", (ScopedAdmin, admin_class), attrs)


def rescope(site, model, *, tenant_path: str | None = None) -> None:
    registered = type(site._registry[model])
    site.unregister(model)
    site.register(model, scoped_admin_class(registered, tenant_path=tenant_path))


def unscoped_admins(site) -> list[str]:
    """Every registered ModelAdmin or inline that does not go through this module."""
    missing = []
    for model, model_admin in site._registry.items():
        if not isinstance(model_admin, ScopedAdmin):
            missing.append(model._meta.label)
            continue
        try:
            model_admin.get_tenant_path()
        except LookupError:
            missing.append(model._meta.label)
        missing += [
            f"{model._meta.label} inline {inline.__name__}"
            for inline in model_admin.inlines
            if not issubclass(inline, ScopedInline)
        ]
    return missing


# --- the site's side: choosing the organization ------------------------------------------------
def workspace_view(view):
    """Wraps every admin view: members of several organizations choose one first."""

    def wrapper(request, *args, **kwargs):
        if workspace(request).needs_choice:
            chooser = resolve_url("admin:workspace_choose")
            return HttpResponseRedirect(f"{chooser}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    return wrapper


def choose_view(site, request):
    space = workspace(request)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    if request.method == "POST":
        choose_organization(request, organization_id=request.POST.get("organization", ""))
        return HttpResponseRedirect(target or resolve_url("admin:index"))
    context = {
        **site.each_context(request),
        "title": "Choose an organization",
        "choices": space.choices(),
        "current": space.organization,
        "superuser": space.superuser,
        "next": target,
    }
    return TemplateResponse(request, "admin/workspace/choose.html", context)


def header_context(request) -> dict:
    space = workspace(request)
    return {"workspace_organization": space.organization, "workspace": space}


def site_allows(request) -> bool:
    return workspace(request).allowed


@register(Tags.admin)
def check_site_is_scoped(app_configs=None, **kwargs):
    return [
        Error(f"{label} is registered without billing.admin.scoping", id="billing.E101")
        for label in unscoped_admins(admin.site)
    ]
