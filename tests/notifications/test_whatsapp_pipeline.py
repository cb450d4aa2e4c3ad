"""The send pipeline with the 1MSG backend: refusals, send-once, retries, sweeper, wiring."""

from datetime import timedelta

import pytest
import responses
from django.db.models import Q
from django.utils import timezone

from billing.models import Customer
from billing.services.actors import Actor
from billing.services.invoices import invoice_finalize
from billing.services.whatsapp import invoice_send_whatsapp
from notifications import pipeline
from notifications import status as st
from notifications.models import Message, WhatsAppTemplate
from notifications.tasks import send_message, sweep
from tests.notifications.whatsapp_support import (
    STUB_SEND_URL,
    customer,
    seed_invoice,
    seed_org,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stub_channel")]
URL = STUB_SEND_URL
ACTOR = Actor(label="test")


@pytest.fixture
def stub():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(URL, json={"sent": True, "id": "wamid.1"})
        yield mock


def request(invoice, commit):
    with commit(execute=True):
        return invoice_send_whatsapp(invoice=invoice, actor=ACTOR)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"consent": False}, "no_consent"),
        ({"phone": "+74951234567"}, "invalid_phone"),  # a Moscow landline
        ({"phone": ""}, "no_phone"),
    ],
)
def test_refusals_are_rejected_without_any_http_call(
    stub, django_capture_on_commit_callbacks, fields, code
):
    message = request(seed_invoice(**fields), django_capture_on_commit_callbacks).message
    assert (message.status, message.last_error_code) == (st.REJECTED, code)
    assert len(stub.calls) == 0


def test_an_opted_out_customer_is_rejected(stub, django_capture_on_commit_callbacks):
    invoice = seed_invoice()
    Customer.objects.filter(pk=invoice.customer_id).update(whatsapp_opted_out_at=timezone.now())
    message = request(invoice, django_capture_on_commit_callbacks).message
    assert (message.status, message.last_error_code, len(stub.calls)) == (
        st.REJECTED,
        "opted_out",
        0,
    )


def test_an_opt_out_between_request_and_send_is_honoured(stub):
    invoice = seed_invoice()
    message = invoice_send_whatsapp(invoice=invoice, actor=ACTOR).message  # not committed: no send
    Customer.objects.filter(pk=invoice.customer_id).update(whatsapp_opted_out_at=timezone.now())
    assert send_message(str(message.pk)) == st.REJECTED
    assert len(stub.calls) == 0


def test_a_delivery_costs_a_fixed_number_of_queries(stub, django_assert_num_queries):
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=ACTOR).message
    # Claim (savepoint, update, event, release), the message, the customer of its invoice,
    # the channel settings, the outcome (savepoint, update, event, release) and the orphan
    # check. On a real worker each savepoint pair is a BEGIN/COMMIT.
    with django_assert_num_queries(12):
        assert pipeline.deliver(message.pk) == st.ACCEPTED
    assert len(stub.calls) == 1


def test_an_empty_variable_is_refused_before_sending(stub, django_capture_on_commit_callbacks):
    invoice = seed_invoice()
    WhatsAppTemplate.objects.create(
        tenant_id=invoice.organization_id,
        status="approved",
        name="invoice_issued",
        namespace="ns",
        body="Hi {{1}}, {{2}}",
        variables=["customer_name", "nickname"],
    )
    message = request(invoice, django_capture_on_commit_callbacks).message
    assert (message.status, message.last_error_code) == (st.REJECTED, "empty_variable")
    assert message.last_error_message == "Variable {{2}} (nickname) is empty."
    assert len(stub.calls) == 0


def test_an_approved_template_version_replaces_the_default(
    stub, django_capture_on_commit_callbacks
):
    invoice = seed_invoice()
    common = {"tenant_id": invoice.organization_id, "name": "invoice_v2", "namespace": "ns2"}
    WhatsAppTemplate.objects.create(
        **common,
        version=1,
        status="approved",
        body="{{1}} owes {{2}}",
        variables=["customer_name", "amount_due"],
    )
    WhatsAppTemplate.objects.create(
        **common, version=2, status="draft", body="{{1}}", variables=["customer_name"]
    )
    message = request(invoice, django_capture_on_commit_callbacks).message
    assert message.payload["preview"]["text"] == "Alexey owes 49,900.00 RUB"
    assert message.payload["body"]["template"] == "invoice_v2"


def test_double_click_job_twice_and_redelivered_task_make_one_call(
    stub, django_capture_on_commit_callbacks
):
    invoice = seed_invoice()
    first = request(invoice, django_capture_on_commit_callbacks)
    second = request(invoice, django_capture_on_commit_callbacks)  # double click
    assert (first.created, second.created, second.message.pk) == (True, False, first.message.pk)
    assert send_message(str(first.message.pk)) == "not claimed"  # the job run again
    with django_capture_on_commit_callbacks(execute=True):
        sweep()  # a re-delivered / re-enqueued task
    assert Message.objects.count() == 1
    assert len(stub.calls) == 1
    assert Message.objects.get().status == st.ACCEPTED


def test_a_stale_worker_cannot_overwrite_a_newer_attempt():
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=ACTOR).message
    claimed = pipeline.claim(message.pk)
    Message.objects.filter(pk=message.pk).update(attempts=5)  # someone else's attempt now
    from notifications.channels.base import SendOutcome

    assert pipeline.apply_outcome(claimed, SendOutcome.accepted("wamid.late")) == "accepted (stale)"
    assert Message.objects.get().status == st.SENDING


def test_rate_limits_back_off_then_fail_after_five_tries(settings):
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=ACTOR).message
    due = []
    with responses.RequestsMock() as mock:
        mock.post(URL, status=429, headers={"Retry-After": "120"})
        for _ in range(5):
            Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
            before = timezone.now()
            pipeline.deliver(message.pk)
            message.refresh_from_db()
            due.append(
                (message.status, message.next_attempt_at and message.next_attempt_at - before)
            )
    assert [s for s, _ in due] == ["queued"] * 4 + ["failed"]
    assert all(delay >= timedelta(seconds=120) for _, delay in due[:4])
    assert (message.attempts, message.last_error_code) == (5, "retries_exhausted")


def test_backoff_doubles_with_jitter_and_caps_at_an_hour():
    assert 24 <= pipeline.backoff(1) <= 36
    assert 48 <= pipeline.backoff(2) <= 72
    assert pipeline.backoff(20) <= 3600 * 1.2
    assert pipeline.backoff(1, retry_after=300) == 300


def test_sweeper_turns_expired_leases_into_unknown_and_never_resends(stub):
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=ACTOR).message
    pipeline.claim(message.pk)
    Message.objects.filter(pk=message.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert sweep()["unknown"] == 1
    message.refresh_from_db()
    assert (message.status, message.last_error_code) == (st.UNKNOWN, "lease_expired")
    assert sweep()["requeued"] == 0
    assert len(stub.calls) == 0


def test_sweeper_reenqueues_a_lost_task(stub):
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=ACTOR).message
    assert sweep()["requeued"] == 0  # too fresh: its own task is probably on the way
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert sweep()["requeued"] == 1
    assert Message.objects.get().status == st.ACCEPTED
    assert len(stub.calls) == 1


def test_one_open_outcome_per_phone(stub):
    org = seed_org()
    alexey = customer(org)
    first = invoice_send_whatsapp(invoice=seed_invoice(org, customer=alexey), actor=ACTOR).message
    second = invoice_send_whatsapp(invoice=seed_invoice(org, customer=alexey), actor=ACTOR).message
    pipeline.claim(first.pk)
    st.transition(first.pk, st.UNKNOWN, source="send", where=Q(status=st.SENDING))
    assert pipeline.deliver(second.pk) == "not claimed"
    second.refresh_from_db()
    assert second.status == st.QUEUED
    assert second.next_attempt_at > timezone.now()
    assert len(stub.calls) == 0


def test_resend_anyway_supersedes_an_unknown_message_with_an_audit(stub):
    message = invoice_send_whatsapp(invoice=seed_invoice(), actor=ACTOR).message
    pipeline.claim(message.pk)
    st.transition(message.pk, st.UNKNOWN, source="send")
    with pytest.raises(pipeline.NotResendable):
        pipeline.message_resend(message_id=message.pk, action="retry", actor="user:boss")
    new = pipeline.message_resend(
        message_id=message.pk, action="resend", actor="user:boss", reason="customer called"
    )
    message.refresh_from_db()
    assert (message.is_active, new.is_active, new.status) == (False, True, st.QUEUED)
    audit = message.events.last().detail
    assert audit == {
        "action": "resend",
        "by": "user:boss",
        "reason": "customer called",
        "superseded_by": str(new.pk),
    }
    assert pipeline.deliver(new.pk) == st.ACCEPTED
    assert new.payload == message.payload


class TestFinalizeWiring:
    def finalize(self, commit, **fields):
        invoice = seed_invoice(status="DRAFT", **fields)
        with commit(execute=True):
            invoice_finalize(invoice=invoice, actor=ACTOR)
        return Message.objects.filter(subject_id=str(invoice.pk), channel="whatsapp")

    def test_whatsapp_delivery_sends_on_commit(self, stub, django_capture_on_commit_callbacks):
        messages = self.finalize(django_capture_on_commit_callbacks, delivery="WHATSAPP")
        assert list(messages.values_list("status", "channel")) == [("accepted", "whatsapp")]
        assert len(stub.calls) == 1

    def test_auto_follows_the_customers_preference(self, stub, django_capture_on_commit_callbacks):
        messages = self.finalize(django_capture_on_commit_callbacks, delivery="AUTO")
        assert messages.get().status == st.ACCEPTED

    def test_auto_without_consent_does_not_use_whatsapp(
        self, stub, django_capture_on_commit_callbacks
    ):
        messages = self.finalize(django_capture_on_commit_callbacks, delivery="AUTO", consent=False)
        assert not messages.exists()

    def test_manual_delivery_sends_nothing(self, stub, django_capture_on_commit_callbacks):
        assert not self.finalize(django_capture_on_commit_callbacks, delivery="MANUALLY").exists()
        assert len(stub.calls) == 0

    def test_whatsapp_without_consent_is_logged_as_rejected(
        self, stub, django_capture_on_commit_callbacks
    ):
        messages = self.finalize(
            django_capture_on_commit_callbacks, delivery="WHATSAPP", consent=False
        )
        assert list(messages.values_list("status", "last_error_code")) == [
            ("rejected", "no_consent")
        ]
        assert len(stub.calls) == 0
