"""GET/PUT /api/v0/reminder-policy: the spec's JSON, replaced whole, every wrong field named."""

from billing.collections.models import ReminderPolicy

POLICY = {
    "enabled": True,
    "steps": [-3, 0, 3, 7, 14],
    "channels": "preferred",
    "send_window": {"start": "09:00", "end": "18:00"},
    "business_days": [1, 2, 3, 4, 5],
    "holidays": [],
    "min_gap_hours": 48,
    "fallback_after_hours": 24,
    "pause_on_reply_days": 7,
}


def test_an_organization_without_a_policy_answers_the_defaults(api):
    response = api.get("reminder-policy")

    assert response.status_code == 200
    assert response.json() == POLICY
    assert ReminderPolicy.objects.count() == 0


def test_put_replaces_the_policy_and_get_answers_it(api, other_api):
    body = POLICY | {
        "steps": [14, -5, 1],
        "channels": ["whatsapp", "email"],
        "send_window": {"start": "00:00", "end": "24:00"},
        "business_days": [6, 1],
        "holidays": ["2026-12-26", "2026-12-25"],
        "min_gap_hours": 0,
    }

    response = api.put("reminder-policy", body)

    expected = body | {
        "steps": [-5, 1, 14],
        "business_days": [1, 6],
        "holidays": ["2026-12-25", "2026-12-26"],
    }
    assert (response.status_code, response.json()) == (200, expected)
    assert api.get("reminder-policy").json() == expected
    assert other_api.get("reminder-policy").json() == POLICY
    stored = ReminderPolicy.objects.get(organization=api.org)
    assert (stored.window_start, stored.window_end) == (0, 1440)


def test_bad_values_are_400_naming_each_field_and_change_nothing(api):
    api.put("reminder-policy", POLICY | {"steps": [1]})
    body = POLICY | {
        "steps": [0, 0, 400],
        "channels": ["sms"],
        "send_window": {"start": "18:00", "end": "09:00"},
        "business_days": [0],
        "holidays": ["25.12.2026"],
        "min_gap_hours": -1,
        "enabled": "yes",
    }

    response = api.put("reminder-policy", body)

    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "message": [
            "enabled: must be true or false",
            "steps: each offset must be between -60 and 365",
            'channels: must be "preferred" or a list of distinct channels: whatsapp, email',
            "send_window: end must be after start",
            "business_days: must be distinct ISO weekdays from 1 to 7",
            "holidays: must be dates as YYYY-MM-DD",
            "min_gap_hours: must be a whole number from 0 to 720",
        ],
        "error": "Bad Request",
    }
    assert api.get("reminder-policy").json()["steps"] == [1]


def test_unknown_and_missing_fields_are_named(api):
    body = {key: value for key, value in POLICY.items() if key != "holidays"} | {"colour": 1}

    response = api.put("reminder-policy", body)

    assert response.status_code == 400
    assert response.json()["message"] == ["colour: is not a policy field", "holidays: is required"]
    assert ReminderPolicy.objects.count() == 0


def test_a_body_that_is_not_an_object_is_400(api):
    response = api.put("reminder-policy", [1, 2])

    assert (response.status_code, response.json()["message"]) == (
        400,
        ["body: must be a JSON object"],
    )


def test_customers_have_a_time_zone_null_by_default(api):
    created = api.post("customers", {"name": "Ana", "time_zone": "America/Santiago"})
    default = api.get(f"customers/{api.customer.pk}")
    bad = api.post("customers", {"name": "Bo", "time_zone": "Mars/Olympus"})

    assert created.json()["time_zone"] == "America/Santiago"
    assert default.json()["time_zone"] is None
    assert bad.status_code == 400
    assert bad.json()["message"] == ["time_zone must be an IANA time zone such as Europe/Berlin"]
