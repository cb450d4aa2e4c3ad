from django.urls import path

from billing.views import pay

app_name = "pay"

urlpatterns = [
    path("<str:token>/", pay.pay_page, name="page"),
    path("<str:token>/pdf/", pay.pay_pdf, name="pdf"),
    path("<str:token>/renew/", pay.pay_renew, name="renew"),
]
