"""End to end over HTTP against the emulator: credentials, regions, paging, state, output."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

from tap_sophos_users.emulator import Dataset, generate_dataset, minimum_requests
from tap_sophos_users.ocsf import to_ocsf
from tests.tapctl import known_users, run_tap
from tests.unit.test_ocsf_vectors import SEED_GROUPS, SEED_NAMED, SEED_OUTPUT, SEED_WINDOWS, TEN

USERS_PATH = "/common/v1/directory/users"


def users_requests(emu: Any) -> list[Any]:
    return [r for r in emu.requests if r.path == USERS_PATH]


def expected_uids(tenants: Any) -> set[str]:
    now = datetime.now(timezone.utc)
    return {
        u["id"]
        for t in tenants
        for u in t.users
        if to_ocsf(u, strict=False, now=now).record is not None
    }


@pytest.mark.parametrize("kind", ["partner", "organization", "tenant"])
def test_each_credential_kind_reads_its_tenants(sophos_emulator_factory: Any, kind: str) -> None:
    dataset = generate_dataset(
        seed=3,
        regions=("eu01", "us03"),
        tenants_per_region=2,
        users_per_tenant=15,
        credential_kind=kind,
    )
    emu = sophos_emulator_factory(dataset)
    run = run_tap(emu.tap_config())
    assert run.returncode == 0, run.stderr
    visible = (
        list(dataset.tenants.values())[:1] if kind == "tenant" else list(dataset.tenants.values())
    )
    assert {t["id"] for t in run.records("tenants")} == {t.id for t in visible}
    assert set(run.user_ids) == expected_uids(visible)
    assert len(run.user_ids) == len(set(run.user_ids))
    assert len(emu.requests) == minimum_requests(dataset, kind)
    assert f"{kind} credential" in run.stderr


def test_every_tenant_is_read_on_its_own_region(sophos_emulator_factory: Any) -> None:
    dataset = generate_dataset(
        seed=5, regions=("eu01", "us03", "au01"), tenants_per_region=2, users_per_tenant=5
    )
    emu = sophos_emulator_factory(dataset)
    run = run_tap(emu.tap_config())
    assert run.returncode == 0, run.stderr
    seen = {(r.tenant_id, r.region) for r in users_requests(emu)}
    assert seen == {(t.id, t.region) for t in dataset.tenants.values()}
    assert all(r.status == 200 for r in emu.requests)
    by_tenant = Counter(r["user"]["org"]["uid"] for r in run.users)
    assert by_tenant == Counter({t.id: len(t.users) for t in dataset.tenants.values()})


@pytest.mark.parametrize(
    ("users", "pages"),
    [(0, 1), (1, 1), (100, 1), (101, 2), (250, 3)],
)
def test_page_boundaries_make_the_minimum_requests(
    sophos_emulator_factory: Any, users: int, pages: int
) -> None:
    dataset = generate_dataset(
        seed=users, regions=("eu01",), tenants_per_region=1, users_per_tenant=users
    )
    emu = sophos_emulator_factory(dataset)
    run = run_tap(emu.tap_config())
    assert run.returncode == 0, run.stderr
    assert len(run.users) == users
    calls = users_requests(emu)
    assert [int(r.query["page"]) for r in calls] == list(range(1, pages + 1))
    assert {r.query["pageSize"] for r in calls} == {"100"}
    assert len(emu.requests) == 1 + 1 + 1 + pages  # token, whoami, listing, users pages


def test_page_size_setting(sophos_emulator_factory: Any) -> None:
    dataset = generate_dataset(seed=9, regions=("eu01",), tenants_per_region=1, users_per_tenant=25)
    emu = sophos_emulator_factory(dataset)
    run = run_tap({**emu.tap_config(), "page_size": 10})
    assert run.returncode == 0, run.stderr
    assert len(run.users) == 25
    assert [r.query["pageSize"] for r in users_requests(emu)] == ["10", "10", "10"]


def _two_user_dataset() -> Dataset:
    dataset = Dataset.empty()
    tenant = dataset.add_tenant(region="eu01", name="acme")
    for uid, ts in (("A", "2024-01-01T00:00:00.000Z"), ("B", "2024-01-02T00:00:00.000Z")):
        dataset.add_user(
            tenant.id,
            {
                "id": uid,
                "name": f"User {uid}",
                "tenant": {"id": tenant.id},
                "updatedAt": ts,
                "createdAt": ts,
            },
        )
    return dataset


def test_four_run_change_detection_table(sophos_emulator_factory: Any) -> None:
    dataset = _two_user_dataset()
    tenant = next(iter(dataset.tenants.values()))
    emu = sophos_emulator_factory(dataset)
    config = emu.tap_config()

    run1 = run_tap(config)
    assert run1.returncode == 0, run1.stderr
    assert sorted(run1.user_ids) == ["A", "B"]
    assert run1.known_users(tenant.id) == {
        "A": "2024-01-01T00:00:00.000Z",
        "B": "2024-01-02T00:00:00.000Z",
    }

    run2 = run_tap(config, state=run1.state)
    assert run2.user_ids == []
    assert run2.known_users(tenant.id) == run1.known_users(tenant.id)

    emu.touch_user(tenant.id, "A", updated_at="2024-03-01T00:00:00.000Z")
    run3 = run_tap(config, state=run2.state)
    assert run3.user_ids == ["A"]
    assert run3.known_users(tenant.id) == {
        "A": "2024-03-01T00:00:00.000Z",
        "B": "2024-01-02T00:00:00.000Z",
    }

    emu.delete_user(tenant.id, "A")
    emu.add_user(
        tenant.id,
        {
            "id": "C",
            "name": "User C",
            "tenant": {"id": tenant.id},
            "createdAt": "2024-04-01T00:00:00.000Z",
        },
    )
    run4 = run_tap(config, state=run3.state)
    assert run4.user_ids == ["C"]
    assert run4.known_users(tenant.id) == {
        "B": "2024-01-02T00:00:00.000Z",
        "C": "2024-04-01T00:00:00.000Z",
    }

    # No state at all is a full refresh.
    assert sorted(run_tap(config).user_ids) == ["B", "C"]


def test_state_layout_is_exactly_the_documented_one(sophos_emulator_factory: Any) -> None:
    dataset = generate_dataset(
        seed=11, regions=("eu01", "us03"), tenants_per_region=1, users_per_tenant=3
    )
    emu = sophos_emulator_factory(dataset)
    run = run_tap(emu.tap_config())
    users_state = run.state["bookmarks"]["users"]
    assert set(users_state) == {"partitions"}
    for partition in users_state["partitions"]:
        assert set(partition) == {"context", "known_users"}
        assert set(partition["context"]) == {"tenant_id"}  # no host in the partition key
    assert {p["context"]["tenant_id"] for p in users_state["partitions"]} == set(dataset.tenants)


def test_a_tenant_no_longer_listed_loses_its_partition(sophos_emulator_factory: Any) -> None:
    dataset = generate_dataset(seed=12, regions=("eu01",), tenants_per_region=3, users_per_tenant=4)
    emu = sophos_emulator_factory(dataset)
    run1 = run_tap(emu.tap_config())
    gone, kept, *_ = list(dataset.tenants)
    emu.remove_tenant(gone)
    run2 = run_tap(emu.tap_config(), state=run1.state)
    assert run2.returncode == 0, run2.stderr
    assert known_users(run2.state, gone) is None
    assert known_users(run2.state, kept) == known_users(run1.state, kept)
    assert run2.user_ids == []


def test_tenant_ids_limits_the_run_and_keeps_other_partitions(sophos_emulator_factory: Any) -> None:
    dataset = generate_dataset(
        seed=13, regions=("eu01", "us03"), tenants_per_region=2, users_per_tenant=6
    )
    emu = sophos_emulator_factory(dataset)
    first, second, *_ = list(dataset.tenants)
    run1 = run_tap(emu.tap_config())
    emu.clear_requests()
    run2 = run_tap({**emu.tap_config(), "tenant_ids": [second, "not-a-tenant"]}, state=run1.state)
    assert run2.returncode == 0, run2.stderr
    assert [t["id"] for t in run2.records("tenants")] == [second]
    assert {r.tenant_id for r in users_requests(emu)} == {second}
    # The excluded tenants' known_users survive, untouched.
    assert known_users(run2.state, first) == known_users(run1.state, first)
    assert "not-a-tenant is not visible" in run2.stderr
    run3 = run_tap({**emu.tap_config(), "tenant_ids": [first]})
    assert {r["user"]["org"]["uid"] for r in run3.users} == {first}


def test_records_are_pure_ocsf_and_match_the_seed(sophos_emulator_factory: Any) -> None:
    dataset = Dataset.empty()
    tenant = dataset.add_tenant(region="eu01", name="seed", tenant_id=TEN)
    for user in (SEED_NAMED, SEED_WINDOWS, SEED_GROUPS):
        dataset.add_user(tenant.id, dict(user))
    emu = sophos_emulator_factory(dataset)
    run = run_tap(emu.tap_config())
    assert run.returncode == 0, run.stderr
    by_uid = {r["user"]["uid"]: r for r in run.users}
    assert by_uid[SEED_NAMED["id"]] == SEED_OUTPUT
    # Not even the SDK's partition key leaks into the record.
    assert all("tenant_id" not in r for r in run.users)
    line = next(
        line for line in run.stdout.split("\n") if SEED_NAMED["id"] in line and '"RECORD"' in line
    )
    assert json.loads(line)["record"] == SEED_OUTPUT


def test_strict_records_validate_against_ocsf_1_6_0(sophos_emulator_factory: Any) -> None:
    dataset = generate_dataset(
        seed=21, regions=("eu01", "jp01"), tenants_per_region=2, users_per_tenant=40
    )
    emu = sophos_emulator_factory(dataset)
    run = run_tap({**emu.tap_config(), "ocsf_strict": True})
    assert run.returncode == 0, run.stderr
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema("1.6.0")).get_class_schema("user_inventory")
    validator = Draft202012Validator(schema)
    assert len(run.users) == 160
    for record in run.users:
        assert list(validator.iter_errors(record)) == []
        assert isinstance(record["time"], int)
        assert "groups" not in record["user"] or record["user"]["groups"]


def test_default_mode_keys(sophos_emulator_factory: Any) -> None:
    dataset = generate_dataset(
        seed=22, regions=("eu01",), tenants_per_region=1, users_per_tenant=60
    )
    emu = sophos_emulator_factory(dataset)
    run = run_tap(emu.tap_config())
    for record in run.users:
        assert isinstance(record["time"], float)
        assert "groups" in record["user"]
        assert record["user"]["groups"] is None or record["user"]["groups"]
        assert None not in (record["user"].get(k, "") for k in ("full_name", "email_addr", "org"))


def test_discover_prints_the_ocsf_schema() -> None:
    run = run_tap({}, "--discover", fast=False)
    assert run.returncode == 0, run.stderr
    catalog = json.loads(run.stdout)
    streams = {s["tap_stream_id"]: s for s in catalog["streams"]}
    assert set(streams) == {"tenants", "users"}
    users = streams["users"]["schema"]
    assert users["properties"]["user"]["properties"]["account"]["additionalProperties"] is False
    assert users["properties"]["time"]["type"] == ["number"]
    assert "tenant_id" not in users["properties"]
    strict = json.loads(run_tap({"ocsf_strict": True}, "--discover", fast=False).stdout)
    strict_users = next(s for s in strict["streams"] if s["tap_stream_id"] == "users")
    assert strict_users["schema"]["properties"]["time"]["type"] == ["integer"]


def test_stream_maps_and_flattening_work_on_the_ocsf_record(sophos_emulator_factory: Any) -> None:
    dataset = generate_dataset(seed=23, regions=("eu01",), tenants_per_region=1, users_per_tenant=5)
    emu = sophos_emulator_factory(dataset)
    config = {
        **emu.tap_config(),
        "stream_maps": {"users": {"user_uid": "user['uid']", "__key_properties__": ["user_uid"]}},
    }
    run = run_tap(config)
    assert run.returncode == 0, run.stderr
    assert all(r["user_uid"] == r["user"]["uid"] for r in run.users)
    schema = next(m for m in run.messages if m["type"] == "SCHEMA" and m["stream"] == "users")
    assert schema["key_properties"] == ["user_uid"]

    flat = run_tap({**emu.tap_config(), "flattening_enabled": True, "flattening_max_depth": 2})
    assert flat.returncode == 0, flat.stderr
    for record in flat.users:
        assert record["user__uid"] == record["user__account__uid"]
        assert "user" not in record
        assert "user__account" not in record


def test_state_is_written_once_per_run_not_per_tenant(sophos_emulator_factory: Any) -> None:
    # Small-scale twin of the benchmark's figures: minimum requests, STATE bytes ~ final size.
    dataset = generate_dataset(
        seed=24, regions=("eu01", "us03"), tenants_per_region=10, users_per_tenant=30
    )
    emu = sophos_emulator_factory(dataset)
    run = run_tap(emu.tap_config())
    assert run.returncode == 0, run.stderr
    assert len(emu.requests) == minimum_requests(dataset)
    final = len(json.dumps(run.state, separators=(",", ":"))) + len('{"type":"STATE","value":}\n')
    assert run.state_bytes / final <= 1.1
    assert sum(len(p["known_users"]) for p in run.state["bookmarks"]["users"]["partitions"]) == 600
