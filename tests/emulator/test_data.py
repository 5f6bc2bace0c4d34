"""Generator determinism, user shapes, hand-built and JSON datasets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from tap_sophos_users.emulator import (
    CLIENT_IDS,
    SHAPES,
    Dataset,
    Emulator,
    generate_dataset,
)
from tests.emulator.helpers import all_users, get_token
from tests.unit.test_ocsf_vectors import SEED_NAMED, VECTOR_INPUTS


def _walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [value, *(x for v in value.values() for x in _walk(v))]
    if isinstance(value, list):
        return [value, *(x for v in value for x in _walk(v))]
    return [value]


def _all_users(ds: Dataset) -> list[dict[str, Any]]:
    return [u for t in ds.tenants.values() for u in t.users]


def test_same_seed_same_data() -> None:
    a = generate_dataset(seed=5, users_per_tenant=20).to_json()
    b = generate_dataset(seed=5, users_per_tenant=20).to_json()
    c = generate_dataset(seed=6, users_per_tenant=20).to_json()
    assert a == b
    assert a["tenants"] != c["tenants"]


def test_counts_per_tenant() -> None:
    ds = generate_dataset(
        regions=("eu01", "us03"), tenants_per_region=2, users_per_tenant=[0, 1, 5, 7]
    )
    assert [len(t.users) for t in ds.tenants.values()] == [0, 1, 5, 7]
    assert [t.region for t in ds.tenants.values()] == ["eu01", "eu01", "us03", "us03"]
    with pytest.raises(ValueError, match="counts"):
        generate_dataset(tenants_per_region=1, users_per_tenant=[1, 2, 3])


def test_credentials() -> None:
    ds = generate_dataset(credential_kind="organization")
    assert set(ds.credentials) == {"tenant", "partner", "organization"}
    assert ds.default_credential is ds.credentials["organization"]
    first = next(iter(ds.tenants))
    assert ds.credentials["tenant"].id == first
    assert ds.credentials["tenant"].tenant_ids == [first]
    assert ds.credentials["partner"].tenant_ids == list(ds.tenants)
    assert ds.credentials["organization"].tenant_ids == list(ds.tenants)
    assert {k: c.client_id for k, c in ds.credentials.items()} == CLIENT_IDS
    with pytest.raises(ValueError, match="credential_kind"):
        Dataset.empty(credential_kind="admin")  # type: ignore[arg-type]


def test_every_shape_and_sparse_keys() -> None:
    ds = generate_dataset(seed=11, regions=("eu01",), tenants_per_region=1, users_per_tenant=30)
    users = _all_users(ds)
    assert None not in _walk(users)  # absent keys are omitted, never null
    names = [u["name"] for u in users]
    assert any("\\" in n and n.split("\\")[0] in {"CORP", "ACME", "EUROPE", "LAB"} for n in names)
    assert any(n.split("\\")[0].startswith(("WS-", "DESKTOP-", "LAPTOP-", "KIOSK-")) for n in names)
    assert {"Zoë Ångström", "渡辺 健", "Łukasz Żółć"} <= set(names)
    items = [g for u in users for g in u.get("groups", {}).get("items", [])]
    assert any("id" not in g for g in items)
    assert any("id" in g and "name" not in g for g in items)
    assert any(set(g) == {"displayName"} for g in items)
    assert any(set(g) == {"id", "name", "displayName"} for g in items)
    assert {"total": 0, "itemsCount": 0, "items": []} in [u.get("groups") for u in users]
    assert any("groups" not in u for u in users)
    for key in ("firstName", "lastName", "email", "exchangeLogin"):
        assert any(u.get(key) == "" for u in users), key
    assert any("email" in u and u["email"] for u in users)
    assert any("updatedAt" not in u and "createdAt" in u for u in users)
    assert any("domain" in u for u in users)
    assert all(set(u) >= {"id", "name", "tenant", "source"} for u in users)
    assert all(u["tenant"] == {"id": next(iter(ds.tenants))} for u in users)
    for u in users:
        for key in ("createdAt", "updatedAt"):
            if key in u:
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", u[key]), u[key]


def test_shape_mix() -> None:
    ds = generate_dataset(
        regions=("eu01",), tenants_per_region=1, users_per_tenant=5, shape_mix={"host_account": 1}
    )
    assert all("\\" in u["name"] and "updatedAt" not in u for u in _all_users(ds))
    assert "minimal" in SHAPES
    with pytest.raises(ValueError, match="unknown user shapes"):
        generate_dataset(shape_mix={"alien": 1})


def test_json_round_trip(tmp_path: Path) -> None:
    ds = generate_dataset(seed=2, users_per_tenant=[3, 0, 2, 1])
    ds.tenants[next(iter(ds.tenants))].forbidden = True
    path = tmp_path / "ds.json"
    data = ds.to_json(path)
    assert orjson.loads(path.read_bytes()) == data
    loaded = Dataset.from_json(path)
    assert loaded.to_json() == data
    assert Dataset.from_json(data).to_json() == data
    assert loaded.default_credential.kind == "partner"


def test_loaded_dataset_is_served(tmp_path: Path, sophos_emulator_factory) -> None:
    path = tmp_path / "ds.json"
    original = generate_dataset(
        seed=4, regions=("au01",), tenants_per_region=1, users_per_tenant=120
    )
    original.to_json(path)
    emu: Emulator = sophos_emulator_factory(Dataset.from_json(path))
    assert set(emu.region_urls) == {"au01"}
    tenant_id = next(iter(original.tenants))
    served = all_users(emu, get_token(emu), tenant_id)
    assert sorted(u["id"] for u in served) == sorted(
        u["id"] for u in original.tenants[tenant_id].users
    )


# The connector page's named user and a mapping-doc vector, plus a user with no id at all.
SEED_USERS = [
    SEED_NAMED,
    next(u for u in VECTOR_INPUTS if u["id"] == "x12"),
    {"name": "no id at all"},
]


def test_hand_built_dataset(sophos_emulator_factory) -> None:
    ds = Dataset.empty(credential_kind="tenant")
    tenant = ds.add_tenant(
        region="eu02", name="acme", tenant_id="00000000-0000-0000-0000-000000000010"
    )
    assert tenant.fields["dataGeography"] == "DE"
    assert tenant.fields["dataRegion"] == "eu02"
    for user in SEED_USERS:
        ds.add_user(tenant.id, user)
    emu: Emulator = sophos_emulator_factory(ds)
    assert tenant.fields["apiHost"] == emu.region_urls["eu02"]
    served = all_users(emu, get_token(emu), tenant.id)
    assert sorted(served, key=lambda u: u.get("id", "")) == sorted(
        SEED_USERS, key=lambda u: u.get("id", "")
    )
    with pytest.raises(ValueError, match="already exists"):
        ds.add_tenant(tenant_id=tenant.id)
