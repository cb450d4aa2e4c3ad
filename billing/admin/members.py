"""Members: an organization's admins add logins, change roles and remove members through the
member services (the organization always keeps an admin; another organization's logins are
never touched)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.http import HttpResponseRedirect

from billing.admin.scoping import ScopedAdmin, current_organization
from billing.errors import BillingError
from billing.models import Membership
from billing.services.actors import Actor
from billing.services.members import (
    TAKEN,
    last_admin_refusal,
    member_add,
    member_remove,
    member_role_change,
    username_taken,
)


class MemberAddForm(forms.ModelForm):
    username = forms.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="The name they log in with: letters, digits and @ . + - _ only.",
    )
    email = forms.EmailField(required=False, label="E-mail")
    password1 = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput, help_text="To be sure."
    )

    class Meta:
        model = Membership
        fields = ("organization", "role")

    def clean_username(self):
        username = self.cleaned_data["username"]
        if username_taken(username):
            raise forms.ValidationError(TAKEN)
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            login = get_user_model()(
                username=cleaned.get("username", ""), email=cleaned.get("email")
            )
            try:
                password_validation.validate_password(first, user=login)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class MemberChangeForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("organization", "role")

    def clean_role(self):
        role = self.cleaned_data["role"]
        if refusal := last_admin_refusal(self.instance, new_role=role):
            raise forms.ValidationError(refusal)
        return role


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ("username", "full_name", "email", "role", "last_login", "created_at")
    list_filter = ("role",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email", "user__first_name", "user__last_name")
    ordering = ("user__username",)
    readonly_fields = ("user",)

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = MemberChangeForm if obj else MemberAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj:
            return ((None, {"fields": ("organization", "user", "role")}),)
        return (
            (None, {"fields": ("organization", "username", "email", "role")}),
            ("First password", {"fields": ("password1", "password2")}),
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time: each removal keeps an admin
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and last_admin_refusal(obj):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="Username", ordering="user__username")
    def username(self, obj: Membership) -> str:
        return obj.user.get_username()

    @admin.display(description="Name")
    def full_name(self, obj: Membership) -> str:
        return obj.user.get_full_name() or "—"

    @admin.display(description="E-mail")
    def email(self, obj: Membership) -> str:
        return obj.user.email or "—"

    @admin.display(description="Last login", ordering="user__last_login")
    def last_login(self, obj: Membership):
        return obj.user.last_login

    def save_model(self, request, obj, form, change):
        actor = Actor.for_user(request.user)
        if change:
            saved = member_role_change(membership=obj, role=obj.role, actor=actor)
        else:
            data = form.cleaned_data
            saved = member_add(
                organization=current_organization(request) or data["organization"],
                username=data["username"],
                email=data.get("email", ""),
                password=data["password1"],
                role=data["role"],
                actor=actor,
            )
        obj.pk, obj.user, obj.created_at = saved.pk, saved.user, saved.created_at

    def delete_model(self, request, obj):
        member_remove(membership=obj, actor=Actor.for_user(request.user))

    # A refusal the form could not foresee (another admin acted meanwhile): said, nothing changed.
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except BillingError as exc:
            return self._refused(request, exc)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except BillingError as exc:
            return self._refused(request, exc)

    def _refused(self, request, exc: BillingError) -> HttpResponseRedirect:
        self.message_user(request, exc.messages[0], messages.ERROR)
        return HttpResponseRedirect(request.path)
