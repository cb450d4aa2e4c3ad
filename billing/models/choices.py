from django.db import models


class PaymentMethod(models.TextChoices):
    CRYPTO = "CRYPTO", "Crypto"
    BANK_TRANSFER = "BANK_TRANSFER", "Bank transfer"
    CREDIT_CARD = "CREDIT_CARD", "Credit card"
    CASH = "CASH", "Cash"
    MOBILE_MONEY = "MOBILE_MONEY", "Mobile money"


class TaxRounding(models.TextChoices):
    PER_LINE = "PER_LINE", "Per line"
    PER_INVOICE = "PER_INVOICE", "Per invoice"


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    EMAIL = "email", "E-mail"
