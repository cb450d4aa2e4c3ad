from django.contrib.admin.apps import AdminConfig


class WorkspaceAdminConfig(AdminConfig):
    """Django's admin with the organization-scoped site as ``admin.site``."""

    default_site = "config.admin.WorkspaceAdminSite"
