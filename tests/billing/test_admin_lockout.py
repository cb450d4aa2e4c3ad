"""The admin login locks out after repeated failures (django-axes), with a page that says so."""

import pytest
from django.core.management import call_command

LOCKED = (
    "Too many failed login attempts. Login is locked for 15 minutes; try again later, "
    "or ask an administrator to unlock it."
)


def log_in(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def staff(django_user_model, db):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-123")


def test_five_failures_lock_the_login_even_for_the_right_password(client, staff):
    statuses = [log_in(client, "boss", f"wrong-{i}").status_code for i in range(4)]
    fifth = log_in(client, "boss", "wrong-4")
    right = log_in(client, "boss", "pw-boss-123")

    assert statuses == [200] * 4  # the form again, with Django's own error
    assert (fifth.status_code, right.status_code) == (429, 429)
    assert LOCKED in right.content.decode()
    assert logged_in(client) is False


def test_the_address_is_locked_for_every_username(client, staff, django_user_model):
    django_user_model.objects.create_superuser("clerk", "clerk@example.com", "pw-clerk-123")
    for i in range(5):
        log_in(client, f"nobody-{i}", "wrong", address="10.0.0.7")

    assert log_in(client, "clerk", "pw-clerk-123", address="10.0.0.7").status_code == 429
    assert logged_in(client) is False
    assert log_in(client, "clerk", "pw-clerk-123", address="10.0.0.8").status_code == 302
    assert logged_in(client) is True


def test_the_username_is_locked_from_every_address(client, staff):
    for i in range(5):
        log_in(client, "boss", "wrong", address=f"10.0.1.{i}")

    assert log_in(client, "boss", "pw-boss-123", address="10.0.2.1").status_code == 429
    assert logged_in(client) is False


def test_a_success_resets_the_count(client, staff):
    for _ in range(4):
        log_in(client, "boss", "wrong")
    assert log_in(client, "boss", "pw-boss-123").status_code == 302
    client.logout()
    statuses = [log_in(client, "boss", "wrong").status_code for _ in range(4)]

    assert statuses == [200] * 4


def test_axes_reset_lifts_the_lockout(client, staff):
    for _ in range(5):
        log_in(client, "boss", "wrong")
    call_command("axes_reset")

    assert log_in(client, "boss", "pw-boss-123").status_code == 302
    assert logged_in(client) is True
