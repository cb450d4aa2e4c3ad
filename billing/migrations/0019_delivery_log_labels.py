"""The delivery log names each invoice message's invoice and customer (filled from now on by
``billing.services.messages.message_labels``; this fills the messages sent before)."""

from django.db import migrations

CHUNK = 2000


def label_messages(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Invoice = apps.get_model("billing", "Invoice")
    Message = apps.get_model("notifications", "Message")
    invoice_type = ContentType.objects.filter(app_label="billing", model="invoice").first()
    if invoice_type is None:
        return
    messages = Message.objects.filter(subject_type=invoice_type).order_by("pk")
    after = None
    while True:
        page = messages if after is None else messages.filter(pk__gt=after)
        batch = list(page.only("pk", "subject_id")[:CHUNK])
        if not batch:
            return
        after = batch[-1].pk
        ids = {m.subject_id for m in batch}
        invoices = {
            str(i.pk): i for i in Invoice.objects.filter(pk__in=ids).select_related("customer")
        }
        for message in batch:
            invoice = invoices.get(message.subject_id)
            if invoice is not None:
                message.subject_label = invoice.number or ""
                message.recipient_ref = str(invoice.customer_id)
                message.recipient_name = invoice.customer.name[:200]
        Message.objects.bulk_update(batch, ["subject_label", "recipient_ref", "recipient_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0018_collections_follow_ups"),
        ("notifications", "0007_delivery_log"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(label_messages, migrations.RunPython.noop)]
