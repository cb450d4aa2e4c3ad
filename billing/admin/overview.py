"""The admin home: the current organization's overview above the list of models.

Mounted at /admin/ ahead of the site's own index (``config.urls``) and wrapped by the site's
``admin_view``, so login, the workspace choice and the organization scoping apply as on every
admin page. A superuser looking at all organizations is asked to pick one: figures are never
summed across tenants.
"""

from django.contrib import admin
from django.template.response import TemplateResponse

from billing.admin.scoping import current_organization
from billing.reports import overview


def overview_view(request):
    organization = current_organization(request)
    context = {
        **admin.site.each_context(request),
        "title": f"Overview · {organization.name}" if organization else "Overview",
        "app_list": admin.site.get_app_list(request),
        "overview": overview.build(organization=organization) if organization else None,
    }
    return TemplateResponse(request, "admin/overview.html", context)


overview_page = admin.site.admin_view(overview_view)
