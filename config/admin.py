"""Admin pieces both apps share, and the admin site."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.contrib.admin import AdminSite
from django.urls import path, reverse


class ReadOnlyAdminMixin:
    """For records only services write (audit trails, counters, the delivery log): viewable,
    never added, changed or deleted by hand. Works for model admins and inlines alike."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@dataclass(frozen=True)
class SitePage:
    """An admin page that belongs to no model (an outbox, a work list): served at
    ``/admin/<route>`` as ``admin:<name>`` behind the site's login and workspace, and listed
    under ``section`` on the home page and in the sidebar when it has a ``title`` and
    ``visible(request)`` says the user may open it."""

    route: str
    name: str
    view: Callable
    title: str = ""
    section: str = ""
    visible: Callable = bool


class WorkspaceAdminSite(AdminSite):
    """The admin site: every view runs in the user's current organization.

    A thin shell over ``billing.admin.scoping``, the module that holds the rules. It is imported
    lazily because Django builds the default site before the apps' admin modules load.
    """

    site_header = "Duebell"
    site_title = "Duebell"
    index_title = "Billing and delivery"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[SitePage] = []

    def register_page(self, page: SitePage) -> None:
        self._pages.append(page)

    def has_permission(self, request):
        from billing.admin import scoping

        return super().has_permission(request) and scoping.site_allows(request)

    def admin_view(self, view, cacheable=False):
        from billing.admin import scoping

        return super().admin_view(scoping.workspace_view(view), cacheable)

    def each_context(self, request):
        from billing.admin import scoping

        return {**super().each_context(request), **scoping.header_context(request)}

    def get_urls(self):
        from billing.admin import scoping

        choose = super().admin_view(partial(scoping.choose_view, self))
        pages = [path(p.route, self.admin_view(p.view), name=p.name) for p in self._pages]
        return [path("workspace/", choose, name="workspace_choose"), *pages, *super().get_urls()]

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        return sorted([*app_list, *self._page_sections(request)], key=lambda a: a["name"].lower())

    def _page_sections(self, request) -> list[dict]:
        sections: dict[str, dict] = {}
        for page in self._pages:
            if not page.title or not page.visible(request):
                continue
            url = reverse(f"{self.name}:{page.name}", current_app=self.name)
            section = sections.setdefault(
                page.section,
                {
                    "name": page.section,
                    "app_label": page.section.lower().replace(" ", "-"),
                    "app_url": url,
                    "has_module_perms": True,
                    "models": [],
                },
            )
            section["models"].append(
                {
                    "name": page.title,
                    "object_name": page.name.replace("_", "-"),
                    "perms": {"view": True},
                    "admin_url": url,
                    "add_url": None,
                    "view_only": True,
                }
            )
        return list(sections.values())
