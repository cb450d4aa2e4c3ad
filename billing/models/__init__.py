# Collections keeps its models in its own room; imported here so the app registry has them.
from billing.bulk.models import BulkJob, BulkRow
from billing.collections.models import FollowUp, Reminder, ReminderEvent, ReminderPolicy
from billing.models.approvals import ApprovalEvent, ApprovalRequest
from billing.models.catalog import Product, Tax, TaxComponent, Wallet
from billing.models.credit_notes import CreditNote, CreditNoteLine, CreditNoteSequence
from billing.models.customers import Customer, CustomerContact
from billing.models.deliveries import InvoiceDelivery
from billing.models.figures import DayTotals, FunnelDay, OpenBalance
from billing.models.idempotency import IdempotencyKey
from billing.models.invoices import Invoice, InvoiceEvent, InvoiceItem, Payment
from billing.models.memberships import Membership, Role
from billing.models.organizations import ApiCredential, InvoiceSequence, Organization
from billing.models.payments import PaymentReversal
from billing.models.ratelimit import RateLimitCounter
from billing.models.recurring import RecurringInvoice, RecurringOccurrence
from billing.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "ApiCredential",
    "ApprovalEvent",
    "ApprovalRequest",
    "BulkJob",
    "BulkRow",
    "CreditNote",
    "CreditNoteLine",
    "CreditNoteSequence",
    "Customer",
    "CustomerContact",
    "DayTotals",
    "FollowUp",
    "FunnelDay",
    "IdempotencyKey",
    "Invoice",
    "InvoiceDelivery",
    "InvoiceEvent",
    "InvoiceItem",
    "InvoiceSequence",
    "Membership",
    "OpenBalance",
    "Organization",
    "Payment",
    "PaymentReversal",
    "Product",
    "RateLimitCounter",
    "RecurringInvoice",
    "RecurringOccurrence",
    "Reminder",
    "ReminderEvent",
    "ReminderPolicy",
    "Role",
    "Tax",
    "TaxComponent",
    "Wallet",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
