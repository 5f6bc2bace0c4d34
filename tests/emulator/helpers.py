"""Small HTTP helpers shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import requests

from tap_sophos_users.emulator import Emulator

USERS = "/common/v1/directory/users"


def token_form(emu: Emulator, kind: str | None = None) -> dict[str, str]:
    cfg = emu.tap_config(kind)
    return {
        "grant_type": "client_credentials",
        "client_id": cfg["client_id"],
        "client_secret": cfg["client_secret"],
        "scope": "token",
    }


def get_token(emu: Emulator, kind: str | None = None) -> str:
    resp = requests.post(emu.token_url, data=token_form(emu, kind), timeout=5)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["access_token"])


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def partner_tenants(emu: Emulator, token: str, **params: Any) -> requests.Response:
    """GET the partner tenant listing as the default (partner) credential."""
    return requests.get(
        emu.global_url + "/partner/v1/tenants",
        params=params,
        headers=bearer(token, **{"X-Partner-ID": emu.dataset.default_credential.id}),
        timeout=5,
    )


def users_page(
    emu: Emulator, token: str, tenant_id: str, region: str | None = None, **params: Any
) -> requests.Response:
    tenant = emu.dataset.tenants[tenant_id]
    base = emu.region_urls[region or tenant.region]
    return requests.get(
        base + USERS, params=params, headers=bearer(token, **{"X-Tenant-ID": tenant_id}), timeout=5
    )


def all_users(emu: Emulator, token: str, tenant_id: str, **params: Any) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    page = 1
    while True:
        resp = users_page(
            emu, token, tenant_id, page=page, pageSize=100, pageTotal="true", **params
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        users.extend(body["items"])
        if page >= body["pages"]["total"]:
            return users
        page += 1
