"""User filters, sort and partial responses (§5)."""

from __future__ import annotations

from typing import Any

import pytest

from tap_sophos_users.emulator import Dataset, Emulator
from tests.emulator.helpers import get_token, users_page

T = "3a9c5e71-0b2d-4f86-a4c3-9d1e7f205b68"
G1 = "a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
G2 = "b1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


def _user(n: int, name: str, created: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "name": name,
        "tenant": {"id": T},
        "source": {"type": "custom"},
        "createdAt": created,
        **extra,
    }


USERS = [
    _user(
        1,
        "Marta Lindqvist",
        "2023-01-03T00:00:00.000Z",
        firstName="Marta",
        lastName="Lindqvist",
        email="marta@acme.example",
        groups={"total": 1, "itemsCount": 1, "items": [{"id": G1, "name": "Finance"}]},
        source={"type": "azureActiveDirectory"},
        domain="acme.example",
    ),
    _user(2, "CORP\\svc", "2023-01-01T00:00:00.000Z", source={"type": "activeDirectory"}),
    _user(
        3,
        "Zoë Ångström",
        "2023-01-02T00:00:00.000Z",
        email="zoe@intl.example",
        firstName="Zoë",
        groups={"total": 2, "itemsCount": 2, "items": [{"id": G2}, {"id": G1}]},
        domain="intl.example",
    ),
    _user(4, "WS-0042\\kiosk", "2023-01-02T00:00:00.000Z", exchangeLogin="kiosk"),
]


@pytest.fixture
def emu(sophos_emulator_factory) -> Emulator:
    ds = Dataset.empty()
    tenant = ds.add_tenant(region="eu01", name="acme", tenant_id=T)
    for user in USERS:
        ds.add_user(tenant.id, user)
    return sophos_emulator_factory(ds)


def _ids(emu: Emulator, **params: Any) -> list[int]:
    resp = users_page(emu, get_token(emu), T, **params)
    assert resp.status_code == 200, resp.text
    return [int(u["id"][-12:]) for u in resp.json()["items"]]


def test_default_order_is_created_then_id(emu: Emulator) -> None:
    assert _ids(emu) == [2, 3, 4, 1]


def test_search_defaults_to_name(emu: Emulator) -> None:
    assert _ids(emu, search="lindq") == [1]
    assert _ids(emu, search="ÅNGSTRÖM") == [3]
    assert _ids(emu, search="acme") == []  # only in email and domain


def test_search_fields(emu: Emulator) -> None:
    assert _ids(emu, search="example", searchFields="email") == [3, 1]
    assert _ids(emu, search="kiosk", searchFields="exchangeLogin,firstName") == [4]
    assert _ids(emu, search="zo", searchFields="firstName") == [3]


def test_source_type(emu: Emulator) -> None:
    assert _ids(emu, sourceType="activeDirectory") == [2]
    assert _ids(emu, sourceType="custom") == [3, 4]


def test_group_id(emu: Emulator) -> None:
    assert _ids(emu, groupId=G1) == [3, 1]
    assert _ids(emu, groupId=G2) == [3]


def test_domain(emu: Emulator) -> None:
    assert _ids(emu, domain="acme.example") == [1]


def test_ids(emu: Emulator) -> None:
    wanted = f"{USERS[3]['id']},{USERS[0]['id']}"
    assert _ids(emu, ids=wanted) == [4, 1]


def test_filters_combine_and_count(emu: Emulator) -> None:
    body = users_page(emu, get_token(emu), T, sourceType="custom", groupId=G1, pageTotal="true")
    assert [u["name"] for u in body.json()["items"]] == ["Zoë Ångström"]
    assert body.json()["pages"]["items"] == 1


def test_sort(emu: Emulator) -> None:
    assert _ids(emu, sort="name") == [2, 1, 4, 3]
    assert _ids(emu, sort="name:desc") == [3, 4, 1, 2]
    assert _ids(emu, sort="createdAt:desc,id:desc") == [1, 4, 3, 2]
    assert _ids(emu, sort="createdAt:asc,name") == [2, 4, 3, 1]
    assert _ids(emu, sort="createdAt,name:desc") == [2, 3, 4, 1]
    assert _ids(emu, sort="email") == [2, 4, 1, 3]  # missing sorts first


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "bogus"},
        {"sort": "name:up"},
        {"sort": "name:asc:desc"},
        {"sort": ","},
        {"searchFields": "tenant", "search": "x"},
        {"sourceType": "ldap"},
        {"fields": "name,bogus"},
    ],
)
def test_bad_parameters_are_400(emu: Emulator, params: dict[str, str]) -> None:
    resp = users_page(emu, get_token(emu), T, **params)
    assert resp.status_code == 400
    assert resp.json()["error"] == "BadRequest"


def test_fields_projection_keeps_id(emu: Emulator) -> None:
    items = users_page(emu, get_token(emu), T, fields="name,email").json()["items"]
    assert items[0] == {"id": USERS[1]["id"], "name": "CORP\\svc"}  # no email: absent, not null
    assert items[1] == {"id": USERS[2]["id"], "name": "Zoë Ångström", "email": "zoe@intl.example"}
    only = users_page(emu, get_token(emu), T, fields="updatedAt").json()["items"]
    assert only == [{"id": u["id"]} for u in (USERS[1], USERS[2], USERS[3], USERS[0])]


def test_users_are_served_verbatim(emu: Emulator) -> None:
    items = users_page(emu, get_token(emu), T, sort="id").json()["items"]
    assert items == USERS
