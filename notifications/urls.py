from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("1msg/<str:token>/", views.onemsg_webhook, name="onemsg_webhook"),
]
