"""Page-number pagination on users and on both tenant listings."""

from __future__ import annotations

import pytest
import requests

from tap_sophos_users.emulator import Emulator, generate_dataset
from tests.emulator.helpers import all_users, bearer, get_token, partner_tenants, users_page

COUNTS = [0, 1, 100, 101, 250]


@pytest.fixture
def emu(sophos_emulator_factory) -> Emulator:
    ds = generate_dataset(seed=3, regions=("eu01",), tenants_per_region=5, users_per_tenant=COUNTS)
    return sophos_emulator_factory(ds)


@pytest.mark.parametrize(("index", "count"), list(enumerate(COUNTS)))
def test_pages_total_and_items(emu: Emulator, index: int, count: int) -> None:
    token = get_token(emu)
    tenant_id = list(emu.dataset.tenants)[index]
    body = users_page(emu, token, tenant_id, page=1, pageSize=100, pageTotal="true").json()
    assert body["pages"] == {
        "current": 1,
        "size": 100,
        "maxSize": 100,
        "total": -(-count // 100),
        "items": count,
    }
    assert len(body["items"]) == min(count, 100)
    users = all_users(emu, token, tenant_id)
    assert len(users) == count
    assert len({u["id"] for u in users}) == count


def test_empty_tenant_has_total_zero(emu: Emulator) -> None:
    tenant_id = next(iter(emu.dataset.tenants))
    body = users_page(emu, get_token(emu), tenant_id, pageTotal="true").json()
    assert body == {
        "items": [],
        "pages": {"current": 1, "size": 50, "maxSize": 100, "total": 0, "items": 0},
    }


def test_defaults_and_no_totals_without_page_total(emu: Emulator) -> None:
    tenant_id = list(emu.dataset.tenants)[4]
    body = users_page(emu, get_token(emu), tenant_id).json()
    assert body["pages"] == {"current": 1, "size": 50, "maxSize": 100}
    assert len(body["items"]) == 50
    assert set(body) == {"items", "pages"}  # no nextKey
    false = users_page(emu, get_token(emu), tenant_id, pageTotal="false").json()
    assert "total" not in false["pages"]


def test_page_past_the_end(emu: Emulator) -> None:
    tenant_id = list(emu.dataset.tenants)[3]
    resp = users_page(emu, get_token(emu), tenant_id, page=3, pageSize=100, pageTotal="true")
    assert resp.status_code == 200
    assert resp.json() == {
        "items": [],
        "pages": {"current": 3, "size": 100, "maxSize": 100, "total": 2, "items": 101},
    }


def test_pages_do_not_overlap(emu: Emulator) -> None:
    token = get_token(emu)
    tenant_id = list(emu.dataset.tenants)[4]
    first = users_page(emu, token, tenant_id, page=1, pageSize=7).json()["items"]
    second = users_page(emu, token, tenant_id, page=2, pageSize=7).json()["items"]
    whole = users_page(emu, token, tenant_id, page=1, pageSize=14).json()["items"]
    assert first + second == whole


@pytest.mark.parametrize(
    "params",
    [
        {"pageSize": 101},
        {"pageSize": 0},
        {"pageSize": -1},
        {"pageSize": "ten"},
        {"page": 0},
        {"page": -2},
        {"page": "abc"},
        {"page": "1.5"},
        {"page": ""},
        {"pageTotal": "yes"},
    ],
)
def test_bad_paging_is_400(emu: Emulator, params: dict[str, object]) -> None:
    token = get_token(emu)
    tenant_id = list(emu.dataset.tenants)[2]
    resp = users_page(emu, token, tenant_id, **params)
    assert resp.status_code == 400
    assert resp.json()["error"] == "BadRequest"
    assert partner_tenants(emu, token, **params).status_code == 400


@pytest.mark.parametrize("kind", ["partner", "organization"])
def test_tenant_listing_pagination(emu: Emulator, kind: str) -> None:
    token = get_token(emu, kind)
    header = {"partner": "X-Partner-ID", "organization": "X-Organization-ID"}[kind]
    headers = bearer(token, **{header: emu.dataset.credentials[kind].id})
    url = f"{emu.global_url}/{kind}/v1/tenants"
    seen = []
    for page in (1, 2, 3):
        body = requests.get(
            url,
            params={"page": page, "pageSize": 2, "pageTotal": "true"},
            headers=headers,
            timeout=5,
        ).json()
        assert body["pages"] == {"current": page, "size": 2, "maxSize": 100, "total": 3, "items": 5}
        seen += [t["id"] for t in body["items"]]
    assert seen == list(emu.dataset.tenants)
    past = requests.get(url, params={"page": 4, "pageSize": 2}, headers=headers, timeout=5).json()
    assert past == {"items": [], "pages": {"current": 4, "size": 2, "maxSize": 100}}
    default = requests.get(url, headers=headers, timeout=5).json()
    assert default["pages"] == {"current": 1, "size": 50, "maxSize": 100}


def test_tenant_listing_fields(emu: Emulator) -> None:
    token = get_token(emu)
    body = partner_tenants(emu, token, fields="name,apiHost").json()
    assert all(set(t) == {"id", "name", "apiHost"} for t in body["items"])
