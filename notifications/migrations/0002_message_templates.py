# Message template registry (versions with field schemas) and per-organization default e-mail.

from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="MessageTemplate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.SlugField(max_length=60, unique=True)),
                ("name", models.CharField(max_length=120)),
                ("description", models.CharField(blank=True, max_length=300)),
                ("category", models.CharField(max_length=40)),
                ("channel", models.CharField(choices=[("whatsapp", "WhatsApp"), ("email", "E-mail")], max_length=10)),
                ("shipped", models.BooleanField(default=False, help_text="Defined in code and kept in step by the registry loader.")),
            ],
            options={"ordering": ["key"]},
        ),
        migrations.CreateModel(
            name="TemplateVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.CharField(help_text="v1, v2…", max_length=8)),
                ("number", models.PositiveSmallIntegerField(editable=False)),
                ("status", models.CharField(choices=[("draft", "Draft"), ("stable", "Stable"), ("deprecated", "Deprecated")], default="draft", max_length=10)),
                ("fields", models.JSONField(default=list, help_text="Ordered field specs: name, type, required, label, max_length…")),
                ("defaults", models.JSONField(blank=True, default=dict)),
                ("example", models.JSONField(blank=True, default=dict)),
                ("body_template", models.CharField(help_text="Django template path without extension (.html / .txt).", max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("template", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="versions", to="notifications.messagetemplate")),
            ],
            options={"ordering": ["template", "-number"]},
        ),
        migrations.AddConstraint(
            model_name="templateversion",
            constraint=models.UniqueConstraint(fields=("template", "version"), name="template_version_unique"),
        ),
        migrations.AddConstraint(
            model_name="templateversion",
            constraint=models.UniqueConstraint(fields=("template", "number"), name="template_number_unique"),
        ),
        migrations.CreateModel(
            name="DefaultEmailTemplate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("tenant_id", models.UUIDField(help_text="The organization it belongs to.", unique=True)),
                ("sender_name", models.CharField(blank=True, max_length=120)),
                ("sender_email", models.EmailField(blank=True, help_text="Reply-To and ccMe address; empty: DEFAULT_FROM_EMAIL.", max_length=254)),
                ("subject", models.CharField(max_length=180)),
                ("body", models.TextField(max_length=1000)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"verbose_name": "default e-mail template"},
        ),
    ]
