from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from billing.admin.overview import overview_page
from billing.api.urls import not_found

admin.site.site_header = "Duebell"
admin.site.site_title = "Duebell"
admin.site.index_title = "Billing and delivery"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", overview_page, name="overview"),  # the admin home, ahead of the site's index
    path("admin/exports/", include("billing.admin.exports")),
    path("admin/", admin.site.urls),
    path("api/v0/", include("billing.api.urls")),
    path("hooks/", include("notifications.urls")),
    path("pay/", include("billing.pay_urls")),
    path("t/", include("notifications.email_tracking_urls")),
    # Last: any other path under /api/v0/ is an envelope 404 (and never a slash redirect).
    re_path(r"^api/v0(?:/[\s\S]*)?$", not_found),
]
