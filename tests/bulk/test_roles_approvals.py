"""Roles and maker-checker: a bulk job acts with the asker's role, and a clerk's large send
waits for an approver."""

from decimal import Decimal

import pytest

from billing.approvals.services import ApprovalRefused, approval_approve, approval_reject
from billing.bulk.models import BulkJob, BulkRow
from billing.bulk.tasks import run_bulk_job
from billing.models import ApprovalRequest, Invoice
from billing.services.actors import Actor
from billing.services.roles import RoleRequired
from notifications.models import Message
from tests.bulk.support import drafts, queued_job, staff

Status, Outcome = BulkJob.Status, BulkRow.Outcome
pytestmark = pytest.mark.django_db


def test_a_viewer_cannot_ask_for_a_job(org, monkeypatch):
    drafts(org, 2)
    with pytest.raises(RoleRequired, match=r"Finalizing an invoice needs the clerk role \(you"):
        queued_job(monkeypatch, org=org, user=staff(org, "vic", "viewer"))
    assert (BulkJob.objects.count(), BulkRow.objects.count()) == (0, 0)


def test_a_clerks_finalize_over_the_amount_asks_an_approver_per_invoice(org, monkeypatch):
    org.approval_amount = Decimal("500")
    org.save(update_fields=["approval_amount"])
    (small,) = drafts(org, 1, price=10000)  # 100
    (large,) = drafts(org, 1, price=90000)  # 900
    job = queued_job(monkeypatch, org=org, user=staff(org, "cleo", "clerk"))
    run_bulk_job(str(job.pk))

    job.refresh_from_db()
    rows = {row.invoice_id: row for row in job.rows.all()}
    approval = ApprovalRequest.objects.get()
    assert (rows[large.pk].outcome, rows[large.pk].approval) == (Outcome.APPROVAL, approval)
    assert (approval.invoice_id, approval.action, approval.requested_by.username) == (
        large.pk,
        "finalize",
        "cleo",
    )
    assert rows[small.pk].outcome == Outcome.DONE
    statuses = dict(Invoice.objects.values_list("pk", "status"))
    assert statuses == {small.pk: "OPEN", large.pk: "DRAFT"}
    assert (job.status, job.done, job.failed, job.awaiting) == (Status.DONE, 2, 0, 1)


def test_a_clerks_send_to_many_waits_for_an_approver_then_goes_out_as_the_approver(
    org, monkeypatch
):
    org.approval_recipients = 3
    org.save(update_fields=["approval_recipients"])
    drafts(org, 3, status="OPEN")
    clerk, approver = staff(org, "cleo", "clerk"), staff(org, "anna", "approver")
    job = queued_job(monkeypatch, org=org, user=clerk, kind="send", channel="email")

    assert job.status == Status.AWAITING_APPROVAL
    approval = ApprovalRequest.objects.get(bulk_job=job)
    assert (approval.action, approval.invoice, approval.requested_by) == ("bulk_send", None, clerk)
    assert (approval.rendered["total"], approval.rendered["more"]) == (3, 0)
    subjects = {sample["email"]["subject"] for sample in approval.rendered["samples"]}
    assert subjects == {f"Invoice INV-00000{n} from Acme" for n in (1, 2, 3)}
    assert run_bulk_job(str(job.pk)) is False  # a task arriving early does nothing
    assert Message.objects.count() == 0
    with pytest.raises(RoleRequired, match="needs the approver role"):
        approval_approve(approval=approval, actor=Actor.for_user(clerk))

    approval_approve(approval=approval, actor=Actor.for_user(approver))  # queued on commit
    job.refresh_from_db()
    assert (job.status, job.approved_by) == (Status.QUEUED, approver)
    run_bulk_job(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (Status.DONE, 3, 0)
    assert list(Message.objects.values_list("created_by", flat=True)) == ["user:anna"] * 3


def test_rejecting_a_bulk_send_cancels_the_job_and_sends_nothing(org, monkeypatch):
    drafts(org, 50, status="OPEN")  # the default approval_recipients is 50
    clerk, approver = staff(org, "cleo", "clerk"), staff(org, "anna", "approver")
    job = queued_job(monkeypatch, org=org, user=clerk, kind="send", channel="whatsapp")
    approval = ApprovalRequest.objects.get(bulk_job=job)
    assert (job.status, approval.rendered["more"], len(approval.rendered["samples"])) == (
        Status.AWAITING_APPROVAL,
        45,
        5,
    )

    approval_reject(approval=approval, actor=Actor.for_user(approver), reason="Not this week")
    job.refresh_from_db()
    assert (job.status, job.note, job.cancelled_by) == (Status.CANCELLED, "Not this week", approver)
    run_bulk_job(str(job.pk))
    assert (Message.objects.count(), BulkRow.objects.exclude(outcome=Outcome.PENDING).count()) == (
        0,
        0,
    )


def test_an_approver_cannot_approve_a_bulk_send_they_asked_for(org, monkeypatch):
    org.approval_recipients = 2
    org.save(update_fields=["approval_recipients"])
    drafts(org, 2, status="OPEN")
    clerk, approver = staff(org, "cleo", "clerk"), staff(org, "anna", "approver")
    job = queued_job(monkeypatch, org=org, user=clerk, kind="send", channel="email")
    approval = ApprovalRequest.objects.get(bulk_job=job)
    approval.requested_by = approver  # as if anna had asked while she was a clerk
    approval.save(update_fields=["requested_by"])
    with pytest.raises(ApprovalRefused, match="You asked for this"):
        approval_approve(approval=approval, actor=Actor.for_user(approver))
    job.refresh_from_db()
    assert job.status == Status.AWAITING_APPROVAL


def test_an_approvers_send_to_many_starts_at_once(org, monkeypatch):
    drafts(org, 50, status="OPEN")
    job = queued_job(
        monkeypatch, org=org, user=staff(org, "anna", "approver"), kind="send", channel="email"
    )
    assert (job.status, ApprovalRequest.objects.count()) == (Status.QUEUED, 0)
