"""Mutations between runs, and that cached pages follow them."""

from __future__ import annotations

import re

import pytest
import requests

from tap_sophos_users.emulator import Emulator
from tests.emulator.helpers import all_users, bearer, get_token, partner_tenants, users_page


def _tenant(emu: Emulator, index: int = 0) -> str:
    return list(emu.dataset.tenants)[index]


def test_add_users(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu)
    tid = _tenant(emu)
    assert len(all_users(emu, token, tid)) == 30  # fills the page cache
    added = emu.add_users(tid, 3)
    assert len(added) == 3
    served = all_users(emu, token, tid)
    assert len(served) == 33
    assert [u["id"] for u in served[-3:]] == [u["id"] for u in added]  # newest last
    assert all(u["tenant"] == {"id": tid} for u in added)


def test_add_user_verbatim(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    tid = _tenant(emu)
    emu.add_user(tid, {"id": "custom-1", "name": "Only Name"})
    served = all_users(emu, get_token(emu), tid, ids="custom-1")
    assert served == [{"id": "custom-1", "name": "Only Name"}]


def test_touch_user(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu)
    tid = _tenant(emu)
    before = {u["id"]: u for u in all_users(emu, token, tid)}
    user_id = next(iter(before))
    stamp = emu.touch_user(tid, user_id)
    after = {u["id"]: u for u in all_users(emu, token, tid)}
    assert after[user_id]["updatedAt"] == stamp
    assert stamp > before[user_id].get("updatedAt", before[user_id].get("createdAt", ""))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)
    again = emu.touch_user(tid, user_id)
    assert again > stamp
    assert {k: v for k, v in after.items() if k != user_id} == {
        k: v for k, v in before.items() if k != user_id
    }
    emu.touch_user(tid, user_id, "2030-01-01T00:00:00.000Z")
    assert all_users(emu, token, tid, ids=user_id)[0]["updatedAt"] == "2030-01-01T00:00:00.000Z"
    assert emu.touch_user(tid, user_id) == "2030-01-01T00:00:00.001Z"


def test_touch_user_without_updated_at(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    tid = _tenant(emu)
    user = next(u for u in emu.dataset.tenants[tid].users if "updatedAt" not in u)
    emu.touch_user(tid, user["id"])
    assert "updatedAt" in all_users(emu, get_token(emu), tid, ids=user["id"])[0]


def test_delete_user(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu)
    tid = _tenant(emu)
    victim = all_users(emu, token, tid)[5]["id"]
    emu.delete_user(tid, victim)
    remaining = all_users(emu, token, tid)
    assert len(remaining) == 29
    assert victim not in {u["id"] for u in remaining}
    with pytest.raises(KeyError):
        emu.delete_user(tid, victim)


def test_remove_tenant(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu)
    tid = _tenant(emu, 1)
    assert users_page(emu, token, tid).status_code == 200
    region_url = emu.region_urls[emu.dataset.tenants[tid].region]
    emu.remove_tenant(tid)
    listing = partner_tenants(emu, token, pageTotal="true").json()
    assert tid not in [t["id"] for t in listing["items"]]
    assert listing["pages"]["items"] == 3
    resp = requests.get(
        region_url + "/common/v1/directory/users",
        headers=bearer(token, **{"X-Tenant-ID": tid}),
        timeout=5,
    )
    assert resp.status_code == 403


def test_mutate_is_deterministic(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    tid = _tenant(emu)
    ordered = all_users(emu, get_token(emu), tid)
    result = emu.mutate({"touch": 2, "delete": 1, "add": 1})
    assert result["tenant_id"] == tid
    assert result["deleted"] == [ordered[-1]["id"]]
    assert result["touched"] == [ordered[0]["id"], ordered[1]["id"]]
    assert len(result["added"]) == 1
    assert len(all_users(emu, get_token(emu), tid)) == 30
