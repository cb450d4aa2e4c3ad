from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from tests.bench.probe.views import ProbeView

urlpatterns = [path("bench/probe", ProbeView.as_view()), *project_urlpatterns]
