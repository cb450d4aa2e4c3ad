"""Admin pieces both apps share, and the admin site."""

from functools import partial

from django.contrib.admin import AdminSite
from django.urls import path


class ReadOnlyAdminMixin:
    """For records only services write (audit trails, counters, the delivery log): viewable,
    never added, changed or deleted by hand. Works for model admins and inlines alike."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WorkspaceAdminSite(AdminSite):
    """The admin site: every view runs in the user's current organization.

    A thin shell over ``billing.admin.scoping``, the module that holds the rules. It is imported
    lazily because Django builds the default site before the apps' admin modules load.
    """

    site_header = "Duebell"
    site_title = "Duebell"
    index_title = "Billing and delivery"

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
        return [path("workspace/", choose, name="workspace_choose"), *super().get_urls()]
