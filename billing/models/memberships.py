from django.conf import settings
from django.db import models

from billing.models.organizations import Organization


class Role(models.TextChoices):
    """Each role includes every role before it (workspace.md § Tenancy and roles)."""

    VIEWER = "viewer", "Viewer"
    CLERK = "clerk", "Clerk"
    APPROVER = "approver", "Approver"
    ADMIN = "admin", "Admin"


ROLE_ORDER = [Role.VIEWER, Role.CLERK, Role.APPROVER, Role.ADMIN]


class Membership(models.Model):
    """A staff user's place in one organization: the only link between users and tenants."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CLERK)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "member"
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"

    def has_role(self, role: str) -> bool:
        """True when this membership's role is ``role`` or one that includes it."""
        return ROLE_ORDER.index(Role(self.role)) >= ROLE_ORDER.index(Role(role))
