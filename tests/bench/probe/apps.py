from django.apps import AppConfig


class ProbeConfig(AppConfig):
    name = "tests.bench.probe"
    label = "bench_probe"
    default_auto_field = "django.db.models.BigAutoField"
