"""Admin pieces both apps share."""


class ReadOnlyAdminMixin:
    """For records only services write (audit trails, counters, the delivery log): viewable,
    never added, changed or deleted by hand. Works for model admins and inlines alike."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
