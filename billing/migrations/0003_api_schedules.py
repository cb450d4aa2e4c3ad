"""Queue schedules for the API: the idempotency-key reaper and the recurring-invoice job.

A data migration (like notifications' sweeper) so every database that is migrated has them and
``make run`` needs no extra command.
"""

from django.db import migrations

SCHEDULES = {
    "billing.idempotency_prune": ("billing.api.idempotency.prune", 60),
    "billing.recurring_invoices": ("billing.services.recurring.recurring_create_due", 5),
}


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, (func, minutes) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": "I", "minutes": minutes, "repeats": -1},
        )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_idempotency_recurring"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create, remove)]
