"""Every test vector of ocsf-mapping.md, in both output modes, plus OCSF 1.6.0 validation."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

from tap_sophos_users.ocsf import EMAIL_PATTERN, checkpoint, to_ocsf

T = "bbbbbbbb-0000-0000-0000-000000000001"
TEN = "00000000-0000-0000-0000-000000000010"
NOW = datetime(2026, 12, 4, 12, 0, 0, 250000, tzinfo=timezone.utc)
EMPTY_GROUPS = {"total": 0, "itemsCount": 0, "items": []}

SEED_NAMED = {
    "id": "00000000-0000-0000-0000-000000000001",
    "name": "Jane Doe",
    "firstName": "Jane",
    "lastName": "Doe",
    "email": "jane.doe@example.com",
    "exchangeLogin": "",
    "groups": EMPTY_GROUPS,
    "tenant": {"id": TEN},
    "source": {"type": "custom"},
    "createdAt": "2023-06-16T15:00:56.473Z",
    "updatedAt": "2023-06-16T15:00:56.870Z",
}
# The seed page's "Named user with email" output, verbatim (key order included).
SEED_OUTPUT = json.loads("""{
  "activity_id": 2, "activity_name": "Collect", "category_name": "Discovery",
  "category_uid": 5, "class_name": "User Inventory Info", "class_uid": 5003,
  "type_name": "User Inventory Info: Collect", "type_uid": 500302,
  "severity": "Informational", "severity_id": 1, "time": 1686927656.87,
  "metadata": {"product": {"name": "Sophos EDR", "version": "N/A"}, "version": "1.6.0"},
  "user": {
    "uid": "00000000-0000-0000-0000-000000000001", "name": "Jane Doe",
    "full_name": "Jane Doe", "email_addr": "jane.doe@example.com",
    "type_id": 1, "type": "User",
    "account": {"name": "Jane Doe", "type_id": 0, "type": "Unknown",
                "uid": "00000000-0000-0000-0000-000000000001"},
    "groups": null,
    "org": {"uid": "00000000-0000-0000-0000-000000000010",
            "name": "00000000-0000-0000-0000-000000000010"}
  }
}""")
SEED_WINDOWS = {
    "id": "00000000-0000-0000-0000-000000000002",
    "name": "DESKTOP-ABC1234\\jdoe",
    "groups": EMPTY_GROUPS,
    "tenant": {"id": TEN},
    "source": {"type": "custom"},
    "createdAt": "2025-12-10T12:49:12.371Z",
    "updatedAt": "2025-12-11T12:22:37.223Z",
}
SEED_GROUPS = {
    "id": "00000000-0000-0000-0000-000000000003",
    "name": "John Smith",
    "email": "john.smith@example.onmicrosoft.com",
    "groups": {
        "total": 1,
        "itemsCount": 1,
        "items": [
            {
                "id": "00000000-0000-0000-0000-000000000020",
                "name": "example.onmicrosoft.com",
                "displayName": "example.onmicrosoft.com",
            }
        ],
    },
    "tenant": {"id": TEN},
    "source": {"type": "custom"},
    "createdAt": "2023-11-20T09:46:38.886Z",
}


def _map(user: dict[str, Any], *, strict: bool = False) -> dict[str, Any]:
    mapped = to_ocsf(user, strict=strict, now=NOW)
    assert mapped.record is not None, mapped.reason
    return mapped.record


@pytest.fixture(scope="module")
def ocsf_validator() -> Draft202012Validator:
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema("1.6.0")).get_class_schema("user_inventory")
    return Draft202012Validator(schema)


def test_vector_1_seed_output_exactly() -> None:
    record = _map(SEED_NAMED)
    assert record == SEED_OUTPUT
    # Byte-for-byte as the seed prints it, key order included.
    assert json.dumps(record) == json.dumps(SEED_OUTPUT)


def test_vector_1_strict() -> None:
    record = _map(SEED_NAMED, strict=True)
    expected = json.loads(json.dumps(SEED_OUTPUT))
    expected["time"] = 1686927656870
    del expected["user"]["groups"]
    assert record == expected


def test_vector_2_windows_account() -> None:
    record = _map(SEED_WINDOWS)
    assert record["time"] == 1765455757.223
    assert record["user"] == {
        "uid": "00000000-0000-0000-0000-000000000002",
        "name": "DESKTOP-ABC1234\\jdoe",
        "type_id": 1,
        "type": "User",
        "account": {
            "name": "DESKTOP-ABC1234\\jdoe",
            "uid": "00000000-0000-0000-0000-000000000002",
            "type_id": 2,
            "type": "Windows Account",
        },
        "groups": None,
        "org": {"uid": TEN, "name": TEN},
    }


def test_vector_3_groups_without_updated_at() -> None:
    record = _map(SEED_GROUPS)
    assert record["time"] == 1700473598.886
    assert record["user"] == {
        "uid": "00000000-0000-0000-0000-000000000003",
        "name": "John Smith",
        "type_id": 1,
        "type": "User",
        "account": {
            "name": "John Smith",
            "uid": "00000000-0000-0000-0000-000000000003",
            "type_id": 0,
            "type": "Unknown",
        },
        "groups": [
            {"uid": "00000000-0000-0000-0000-000000000020", "name": "example.onmicrosoft.com"}
        ],
        "email_addr": "john.smith@example.onmicrosoft.com",
        "org": {"uid": TEN, "name": TEN},
    }


def test_vector_4_empty_email_is_no_email() -> None:
    user = {
        "id": "x5",
        "name": "CORP\\svc",
        "email": "",
        "tenant": {"id": T},
        "updatedAt": "2024-01-01T00:00:00Z",
    }
    record = _map(user)
    assert record["time"] == 1704067200.0
    assert record["user"]["account"]["type_id"] == 2
    assert record["user"]["account"]["type"] == "Windows Account"
    assert "email_addr" not in record["user"]
    assert record["user"]["groups"] is None


def test_vector_5_first_name_only() -> None:
    user = {
        "id": "x6",
        "name": "jane",
        "firstName": "Jane",
        "tenant": {"id": T},
        "createdAt": "2024-01-01T00:00:00Z",
    }
    record = _map(user)
    assert record["time"] == 1704067200.0
    assert record["user"]["full_name"] == "Jane"


def test_vector_6_empty_names_give_no_full_name() -> None:
    user = {"id": "x6c", "name": "nobody", "firstName": "", "lastName": "", "tenant": {"id": T}}
    assert "full_name" not in _map(user)["user"]


def test_vector_7_odd_groups_no_org_bad_updated_at() -> None:
    user = {
        "id": "g1",
        "name": "Grp User",
        "email": "",
        "groups": {
            "items": [
                {"id": None, "name": "no-id"},
                {"id": "G-A", "name": None, "displayName": "Disp A"},
                {"id": "G-B"},
            ]
        },
        "tenant": {"id": ""},
        "updatedAt": "not-a-date",
        "createdAt": "2023-06-16T15:00:56Z",
    }
    record = _map(user)
    assert record["time"] == 1686927656.0
    assert record["user"]["groups"] == [
        {"uid": "G-A", "name": "Disp A"},
        {"uid": "G-B", "name": ""},
    ]
    assert "org" not in record["user"]
    assert "email_addr" not in record["user"]


@pytest.mark.parametrize("strict", [False, True])
def test_vector_8_only_group_without_id(strict: bool) -> None:
    user = {"id": "g2", "name": "G", "groups": {"items": [{"id": None, "name": "x"}]}}
    record = _map(user, strict=strict)
    if strict:
        assert "groups" not in record["user"]
    else:
        assert record["user"]["groups"] is None


def test_vector_9_backslash_without_email_is_windows() -> None:
    user = {
        "id": "x11",
        "name": "DOMAIN\\user",
        "firstName": "John",
        "tenant": {"id": T},
        "createdAt": "2023-01-01T00:00:00.000Z",
    }
    record = _map(user)
    assert record["time"] == 1672531200.0
    assert (record["user"]["account"]["type_id"], record["user"]["account"]["type"]) == (
        2,
        "Windows Account",
    )
    assert record["user"]["full_name"] == "John"


def test_vector_10_backslash_with_email_is_unknown() -> None:
    user = {
        "id": "x12",
        "name": "DOMAIN\\user",
        "email": "user@example.com",
        "createdAt": "2023-01-01T00:00:00.000Z",
    }
    record = _map(user)
    assert record["time"] == 1672531200.0
    assert record["user"]["account"]["type_id"] == 0
    assert record["user"]["email_addr"] == "user@example.com"
    assert "org" not in record["user"]


def test_vector_11_offset_is_honoured() -> None:
    user = {"id": "x13", "name": "n", "updatedAt": "2023-06-16T15:00:56.870+02:00"}
    assert _map(user)["time"] == 1686920456.87
    assert _map(user, strict=True)["time"] == 1686920456870


def test_naive_time_is_utc() -> None:
    user = {"id": "x14", "name": "n", "updatedAt": "2024-01-01T00:00:00"}
    assert _map(user)["time"] == 1704067200.0


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ({"id": None, "name": "x"}, "missing id"),
        ({"name": "x"}, "missing id"),
        ({"id": "u1", "name": ""}, "missing name"),
        ({"id": "u1"}, "missing name"),
        ({"id": 5, "name": "x"}, "missing id"),
        ("not-an-object", "not a JSON object"),
    ],
)
def test_vector_12_no_record(user: Any, reason: str) -> None:
    mapped = to_ocsf(user, strict=False, now=NOW)
    assert mapped.record is None
    assert mapped.reason == reason


def test_vector_13_no_timestamps_uses_extraction_time() -> None:
    user = {"id": "x15", "name": "n"}
    assert _map(user)["time"] == NOW.timestamp()
    assert _map(user, strict=True)["time"] == 1796385600250  # 2026-12-04T12:00:00.250Z
    assert checkpoint(user) == ""


def test_checkpoint_is_raw_string() -> None:
    assert checkpoint(SEED_NAMED) == "2023-06-16T15:00:56.870Z"
    assert checkpoint(SEED_GROUPS) == "2023-11-20T09:46:38.886Z"
    assert checkpoint({"updatedAt": "not-a-date"}) == "not-a-date"
    assert checkpoint({"updatedAt": "", "createdAt": "c"}) == "c"


def test_strict_omits_invalid_email_default_keeps_it() -> None:
    user = {"id": "e1", "name": "n", "email": "not an email"}
    assert _map(user)["user"]["email_addr"] == "not an email"
    assert "email_addr" not in _map(user, strict=True)["user"]


def test_email_pattern_is_ocsf_email_t() -> None:
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema("1.6.0")).get_class_schema("user_inventory")
    assert schema["$defs"]["user"]["properties"]["email_addr"]["pattern"] == EMAIL_PATTERN


@pytest.mark.parametrize(
    "user",
    [SEED_NAMED, SEED_WINDOWS, SEED_GROUPS, {"id": "x", "name": "é\\x", "email": "bad@"}],
)
def test_strict_records_validate_against_ocsf(
    user: dict[str, Any], ocsf_validator: Draft202012Validator
) -> None:
    record = _map(user, strict=True)
    errors = [e.message for e in ocsf_validator.iter_errors(record)]
    assert errors == []


def test_default_records_are_not_ocsf_valid(ocsf_validator: Draft202012Validator) -> None:
    # Guards the validator itself: the compatibility mode's float time and null groups fail.
    assert list(ocsf_validator.iter_errors(_map(SEED_NAMED)))


VECTOR_INPUTS: list[dict[str, Any]] = [
    SEED_NAMED,
    SEED_WINDOWS,
    SEED_GROUPS,
    {
        "id": "x5",
        "name": "CORP\\svc",
        "email": "",
        "tenant": {"id": T},
        "updatedAt": "2024-01-01T00:00:00Z",
    },
    {
        "id": "x6",
        "name": "jane",
        "firstName": "Jane",
        "tenant": {"id": T},
        "createdAt": "2024-01-01T00:00:00Z",
    },
    {"id": "x6c", "name": "nobody", "firstName": "", "lastName": "", "tenant": {"id": T}},
    {
        "id": "g1",
        "name": "Grp User",
        "email": "",
        "groups": {
            "items": [{"id": None, "name": "no-id"}, {"id": "G-A", "displayName": "Disp A"}]
        },
        "tenant": {"id": ""},
        "updatedAt": "not-a-date",
        "createdAt": "2023-06-16T15:00:56Z",
    },
    {"id": "g2", "name": "G", "groups": {"items": [{"id": None, "name": "x"}]}},
    {
        "id": "x11",
        "name": "DOMAIN\\user",
        "firstName": "John",
        "tenant": {"id": T},
        "createdAt": "2023-01-01T00:00:00.000Z",
    },
    {
        "id": "x12",
        "name": "DOMAIN\\user",
        "email": "user@example.com",
        "createdAt": "2023-01-01T00:00:00.000Z",
    },
    {"id": "x13", "name": "n", "updatedAt": "2023-06-16T15:00:56.870+02:00"},
    {"id": "x15", "name": "n"},
]


@pytest.mark.parametrize("user", VECTOR_INPUTS, ids=lambda u: u["id"])
def test_every_vector_in_strict_mode(
    user: dict[str, Any], ocsf_validator: Draft202012Validator
) -> None:
    """Strict = default with time in integer ms and no null groups; and OCSF-valid."""
    default, strict = _map(user), _map(user, strict=True)
    assert list(ocsf_validator.iter_errors(strict)) == []
    assert strict["time"] == round(default["time"] * 1000)
    expected = json.loads(json.dumps(default))
    expected["time"] = strict["time"]
    if expected["user"]["groups"] is None:
        del expected["user"]["groups"]
    assert strict == expected
