from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Duebell"
admin.site.site_title = "Duebell"
admin.site.index_title = "Billing and delivery"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
]
