"""Products, taxes and wallets. Objects that invoices refer to are deactivated, never deleted."""

from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction

from billing.errors import Duplicate, InUse, InvalidAmount, TaxLocked
from billing.models import Organization, Product, Tax, TaxComponent, Wallet
from billing.money import MoneyError, to_minor


def _minor_price(price: Decimal, currency: str) -> int:
    try:
        return to_minor(price, currency)
    except MoneyError as exc:
        raise InvalidAmount([f"price: {exc}"]) from exc


def _save(obj, fields: dict) -> None:
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save(update_fields=[*fields] if fields else None)


def _unique_code(save, code: str) -> None:
    """Run ``save``; the (organization, code) constraint decides races, not a prior lookup."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError as exc:
        raise Duplicate(f"A product with code '{code}' already exists") from exc


@transaction.atomic
def product_create(
    *, organization: Organization, name: str, price: Decimal, currency: str, **fields
) -> Product:
    product = Product(
        organization=organization,
        name=name,
        unit_price=_minor_price(price, currency),
        currency=currency,
        **fields,
    )
    _unique_code(product.save, product.code)
    return product


@transaction.atomic
def product_update(*, product: Product, **fields) -> Product:
    """Drafts follow the new price; open invoices keep the price they were finalized with."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    price = fields.pop("price", None)
    currency = fields.get("currency", product.currency)
    if price is not None or "currency" in fields:
        fields["unit_price"] = _minor_price(price if price is not None else product.price, currency)
    _unique_code(lambda: _save(product, fields), fields.get("code", product.code))
    return product


@transaction.atomic
def product_delete(*, product: Product) -> None:
    if product.invoice_items.exists():
        raise InUse("Product is used by invoices; set active to false instead")
    product.delete()


def _replace_components(tax: Tax, components: Sequence[dict]) -> None:
    tax.components.all().delete()
    TaxComponent.objects.bulk_create(
        TaxComponent(tax=tax, position=position, **spec) for position, spec in enumerate(components)
    )


@transaction.atomic
def tax_create(*, organization: Organization, components: Sequence[dict] = (), **fields) -> Tax:
    tax = Tax.objects.create(organization=organization, **fields)
    _replace_components(tax, components)
    return tax


@transaction.atomic
def tax_update(*, tax: Tax, components: Sequence[dict] | None = None, **fields) -> Tax:
    """Name and ``active`` always change; rate, type, inclusiveness and components only while
    no invoice uses the tax (invoices keep a snapshot, but reports compare against the tax)."""
    tax = Tax.objects.select_for_update().get(pk=tax.pk)
    changes_maths = any(getattr(tax, f) != fields[f] for f in Tax.FROZEN_FIELDS if f in fields)
    if components is not None:
        current = [
            {"name": c.name, "type": c.type, "rate": c.rate, "compound": c.compound}
            for c in tax.components.all()
        ]
        changes_maths = changes_maths or current != list(components)
    if changes_maths and tax.is_used:
        raise TaxLocked(
            f"Tax '{tax.name}' is used by invoices: its rate, type, inclusiveness and "
            "components can no longer change"
        )
    _save(tax, fields)
    if components is not None:
        _replace_components(tax, components)
    return tax


@transaction.atomic
def tax_delete(*, tax: Tax) -> None:
    if tax.is_used:
        raise InUse("Tax is used by invoices; set active to false instead")
    tax.delete()


@transaction.atomic
def wallet_create(*, organization: Organization, **fields) -> Wallet:
    return Wallet.objects.create(organization=organization, **fields)


@transaction.atomic
def wallet_update(*, wallet: Wallet, **fields) -> Wallet:
    wallet = Wallet.objects.select_for_update().get(pk=wallet.pk)
    _save(wallet, fields)
    return wallet


@transaction.atomic
def wallet_delete(*, wallet: Wallet) -> None:
    if wallet.invoices.exists():
        raise InUse("Wallet is used by invoices; set active to false instead")
    wallet.delete()
