from django.urls import path

from notifications import email_tracking_views as views

app_name = "email_tracking"

urlpatterns = [
    path("o/<str:token>.gif", views.open_pixel, name="open"),
    path("c/<str:token>/", views.click, name="click"),
]
