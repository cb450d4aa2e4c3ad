"""A draft saved from the admin while another connection finalizes it (two real connections)."""

import threading
import time

import pytest
from django.db import connection, transaction

from billing.errors import NotEditable
from billing.models import Invoice
from billing.services.actors import Actor
from billing.services.invoices import invoice_finalize, invoice_save_draft
from tests.conftest import is_postgres
from tests.factories import make_invoice

ACTOR = Actor(label="test")


def wait_for_a_lock_waiter(deadline: float = 10.0) -> None:
    """Until another backend waits on a lock (PostgreSQL); SQLite parks the writer at
    ``BEGIN IMMEDIATE``, where nothing can be observed, so it gets a moment instead."""
    if not is_postgres():
        time.sleep(0.3)
        return
    end = time.monotonic() + deadline
    with connection.cursor() as cursor:
        while time.monotonic() < end:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the admin save never waited for the finalize")


def in_thread(call, results: dict, name: str) -> threading.Thread:
    def run():
        try:
            results[name] = call()
        except Exception as exc:  # the assertion below names it
            results[name] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_finalize_landing_during_an_admin_save_is_never_overwritten_back_to_draft():
    draft = make_invoice()
    edited = Invoice.objects.get(pk=draft.pk)  # the admin form's instance, read before
    edited.name = "Renamed in the admin"
    finalized, committed = threading.Event(), threading.Event()
    results: dict = {}

    def finalize():
        with transaction.atomic():  # holds the row until the admin save is waiting on it
            invoice = invoice_finalize(invoice=draft, actor=ACTOR)
            finalized.set()
            committed.wait(10)
        return invoice.number

    def save():
        finalized.wait(10)
        return invoice_save_draft(invoice=edited, actor=ACTOR)

    threads = [in_thread(finalize, results, "finalize"), in_thread(save, results, "save")]
    finalized.wait(10)
    wait_for_a_lock_waiter()
    committed.set()
    for thread in threads:
        thread.join(20)

    assert results["finalize"] == "INV-000001"
    assert isinstance(results["save"], NotEditable)
    assert results["save"].messages == [
        f"Only draft invoices can be changed; invoice {edited} is not a draft"
    ]
    stored = Invoice.objects.get(pk=draft.pk)
    assert (stored.status, stored.number, stored.sequence, stored.name) == (
        "OPEN",
        "INV-000001",
        1,
        draft.name,
    )
    assert list(stored.events.values_list("from_status", "to_status")) == [
        ("", "DRAFT"),
        ("DRAFT", "OPEN"),
    ]
