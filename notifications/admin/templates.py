"""Message templates: versions with their field schema, and a preview from the example data.

Shipped versions are defined in code (``notifications/templating/shipped``) and are read-only
here; a new version is added in code so that what was sent can always be explained.
"""

from django.contrib import admin
from django.template.loader import render_to_string

from config.admin import ReadOnlyAdminMixin
from notifications.models import MessageTemplate, TemplateVersion
from notifications.templating.errors import InvalidTemplateData
from notifications.templating.registry import field_specs
from notifications.templating.render import prepare, render_email


class VersionInline(admin.TabularInline):
    model = TemplateVersion
    fields = ("version", "status", "body_template", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "category", "channel", "shipped")
    readonly_fields = ("key", "name", "description", "category", "channel", "shipped")
    inlines = [VersionInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TemplateVersion)
class TemplateVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("template", "version", "status")
    list_filter = ("status", "template")
    fields = ("template", "version", "status", "body_template", "schema", "defaults", "preview")
    readonly_fields = fields

    @admin.display(description="Fields")
    def schema(self, obj: TemplateVersion) -> str:
        return render_to_string(
            "admin/notifications/templateversion/schema.html",
            {"fields": field_specs(obj), "defaults": obj.defaults},
        )

    @admin.display(description="Preview (example data)")
    def preview(self, obj: TemplateVersion) -> str:
        try:
            rendered = render_email(obj, prepare(obj, obj.example.get("data", {})))
        except InvalidTemplateData as exc:
            return render_to_string(
                "admin/notifications/templateversion/preview.html", {"problems": exc.messages}
            )
        return render_to_string(
            "admin/notifications/templateversion/preview.html", {"email": rendered}
        )
