from django import forms
from django.contrib import admin

from notifications.models import WhatsAppChannel, WhatsAppTemplate


class WhatsAppChannelForm(forms.ModelForm):
    """Secrets are write-only: never rendered back into the page; empty keeps the current one."""

    token = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))
    webhook_token = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))

    class Meta:
        model = WhatsAppChannel
        fields = ("tenant_id", "base_url", "channel_id", "token", "webhook_token", "opt_out_words")

    def clean(self):
        cleaned = super().clean()
        for name in ("token", "webhook_token"):
            if not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


@admin.register(WhatsAppChannel)
class WhatsAppChannelAdmin(admin.ModelAdmin):
    form = WhatsAppChannelForm
    list_display = ("tenant_id", "channel_id", "base_url", "has_token")

    @admin.display(boolean=True, description="Token set")
    def has_token(self, obj: WhatsAppChannel) -> bool:
        return bool(obj.token)


@admin.register(WhatsAppTemplate)
class WhatsAppTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "language", "status", "purpose", "tenant_id")
    list_filter = ("status", "language", "purpose")

    def get_readonly_fields(self, request, obj=None):
        # An approved version is what was sent: change it by adding a new version.
        if obj is not None and obj.status != WhatsAppTemplate.Status.DRAFT:
            return [f.name for f in self.model._meta.fields if f.name != "status"]
        return ()
