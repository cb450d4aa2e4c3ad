from django.db import migrations

# ``invoice.overdue`` has one producer, the reminder job's overdue sweep (it also sets the
# invoice's ``overdue_at``); the separate hourly webhook job is retired.
NAME = "billing.webhooks_overdue"


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0015_payments_credit_notes_legal_details"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(remove_schedule, migrations.RunPython.noop)]
