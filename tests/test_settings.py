"""Settings read from the environment, checked in fresh interpreters."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.api.server import database_url, gunicorn, request

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#Qz9!vR2@pL5$wX8^nB3&mT6*yH1(dF4)gJ0-sA_cE+uI=oP[lK]jM{hN}bV",
    "ALLOWED_HOSTS": "billing.example.com",
    "SITE_URL": "https://billing.example.com",
    "ONEMSG_BASE_URL": "https://api.1msg.io",
    "ONEMSG_CHANNEL_ID": "123456",
    "ONEMSG_TOKEN": "a-real-channel-token",
    "ONEMSG_WEBHOOK_TOKEN": "Xq3vR9sT2uW5yZ8bC1dF4gH7jK0mN6pQ9rS2tV5wY8z",
}
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'conn_max_age': s.DATABASES['default'].get('CONN_MAX_AGE', 0), "
    "'options': s.DATABASES['default'].get('OPTIONS', {}), "
    "'cache': s.CACHES['default']['BACKEND'], 'q': sorted(s.Q_CLUSTER), "
    "'email': s.EMAIL_BACKEND, 'debug': s.DEBUG, 'rate': s.API_RATE_LIMIT, "
    "'auth': s.AUTH_FAILURE_LIMIT}))"
)
# What the tests set for themselves (tests.settings; the browser tests allow the ORM inside
# Playwright's event loop): a fresh interpreter without them sees the real defaults.
LOCAL_ONLY = (
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "AUTH_FAILURE_LIMIT",
    "WEBHOOK_ALLOW_PRIVATE_URLS",
)
CLEAN = {k: v for k, v in os.environ.items() if k not in LOCAL_ONLY}


def run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def probe(**env) -> dict:
    result = run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_run_locally_on_sqlite_wal_with_the_orm_broker():
    conf = probe(DEBUG="true")  # what make run, the tests and the benchmarks set
    assert conf["engine"] == "config.sqlite"  # Django's SQLite backend, polling for the write lock
    assert conf["conn_max_age"] == 60  # reopening the file cost ~0.9 ms per request and task
    assert conf["options"] == {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    assert conf["cache"] == "django.core.cache.backends.db.DatabaseCache"
    assert "orm" in conf["q"] and "redis" not in conf["q"]
    assert conf["email"] == "django.core.mail.backends.filebased.EmailBackend"
    assert (conf["debug"], conf["rate"], conf["auth"]) == (True, "100/min", "20/min")


def test_database_redis_email_urls_switch_backends():
    conf = probe(
        DEBUG="true",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/db",
        REDIS_URL="redis://127.0.0.1:6379/0",
        EMAIL_URL="smtp+tls://user:pw@mail.example.com:587",
        API_RATE_LIMIT="5/min",
        AUTH_FAILURE_LIMIT="3/hour",
    )
    assert (conf["engine"], conf["conn_max_age"]) == ("django.db.backends.postgresql", 60)
    assert conf["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert "redis" in conf["q"] and "orm" not in conf["q"]
    assert conf["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (conf["rate"], conf["auth"]) == ("5/min", "3/hour")


def test_debug_is_off_unless_set():
    production = {k: v for k, v in PRODUCTION.items() if k != "DEBUG"}
    assert probe(**production)["debug"] is False


@pytest.mark.parametrize("variable", ["SECRET_KEY", "ONEMSG_WEBHOOK_TOKEN"])
def test_without_debug_a_missing_per_checkout_secret_is_refused(variable):
    production = {k: v for k, v in PRODUCTION.items() if k not in ("DEBUG", variable)}
    result = run(["manage.py", "check"], production)
    assert result.returncode == 1
    assert f"{variable} must be set when DEBUG is off." in result.stderr


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_server_started_like_production_serves_no_debug_page():
    token = "Nq7ZfB2kXc9LmP4rTs6VwY1uHa8dGe3jKo5iRn0bQxE"  # token-shaped, matches no invoice
    production = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": None,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": PRODUCTION["SECRET_KEY"],
        "ONEMSG_WEBHOOK_TOKEN": PRODUCTION["ONEMSG_WEBHOOK_TOKEN"],
    }
    with gunicorn(workers=1, env=production) as port:
        status, _, body = request(port, "GET", f"/pay/{token}/")

    assert status == 404
    assert token.encode() not in body
    assert b"Page not found" not in body  # the debug 404's title


def test_production_settings_pass_the_deploy_check():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_with_the_local_sandbox_is_flagged():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION, "ONEMSG_BASE_URL": "http://127.0.0.1:8765"},
    )
    assert result.returncode != 0
    assert "notifications.W001" in result.stdout + result.stderr


def test_private_webhook_urls_with_debug_off_are_flagged():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION, "WEBHOOK_ALLOW_PRIVATE_URLS": "true"},
    )
    assert result.returncode != 0
    assert "billing.W001" in result.stdout + result.stderr
    local = run(
        ["manage.py", "check"],
        {**PRODUCTION, "DEBUG": "true", "WEBHOOK_ALLOW_PRIVATE_URLS": "true"},
    )
    assert "billing.W001" not in local.stdout + local.stderr


def test_production_refuses_a_missing_secret_key():
    result = run(["manage.py", "check"], {**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr
