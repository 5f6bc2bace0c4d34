"""Hosts, regions, whoami per credential kind and identity headers."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from tap_sophos_users.emulator import ORGANIZATION_ID, PARTNER_ID, Emulator, generate_dataset
from tests.emulator.helpers import USERS, bearer, get_token, users_page


def _tenants(
    emu: Emulator, token: str, kind: str = "partner", **params: object
) -> requests.Response:
    header = {"partner": "X-Partner-ID", "organization": "X-Organization-ID"}[kind]
    ident = emu.dataset.credentials[kind].id
    return requests.get(
        f"{emu.global_url}/{kind}/v1/tenants",
        params=params,
        headers=bearer(token, **{header: ident}),
        timeout=5,
    )


def test_one_port_per_region_and_api_hosts(sophos_emulator: Emulator) -> None:
    urls = sophos_emulator.region_urls
    assert set(urls) == {"eu01", "us03"}
    ports = {urlsplit(u).port for u in [*urls.values(), sophos_emulator.global_url]}
    assert len(ports) == 3
    resp = _tenants(sophos_emulator, get_token(sophos_emulator), pageSize=100)
    items = resp.json()["items"]
    assert len(items) == 4
    for item in items:
        assert item["apiHost"] == urls[item["dataRegion"]]
        assert not item["apiHost"].endswith("/")
        assert item["apiHost"].startswith("http://127.0.0.1:")
        assert set(item) >= {
            "id",
            "name",
            "showAs",
            "dataGeography",
            "dataRegion",
            "billingType",
            "partner",
            "apiHost",
            "status",
        }
        assert item["partner"] == {"id": PARTNER_ID}


def test_whoami_per_kind(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    first = next(iter(emu.dataset.tenants.values()))
    expected = {
        "tenant": {
            "id": first.id,
            "idType": "tenant",
            "apiHosts": {"global": emu.global_url, "dataRegion": emu.region_urls[first.region]},
        },
        "partner": {"id": PARTNER_ID, "idType": "partner", "apiHosts": {"global": emu.global_url}},
        "organization": {
            "id": ORGANIZATION_ID,
            "idType": "organization",
            "apiHosts": {"global": emu.global_url},
        },
    }
    for kind, body in expected.items():
        token = get_token(emu, kind)
        resp = requests.get(emu.global_url + "/whoami/v1", headers=bearer(token), timeout=5)
        assert resp.status_code == 200
        assert resp.json() == body


def test_users_route_absent_on_global_host(sophos_emulator: Emulator) -> None:
    token = get_token(sophos_emulator)
    tenant_id = next(iter(sophos_emulator.dataset.tenants))
    resp = requests.get(
        sophos_emulator.global_url + USERS,
        headers=bearer(token, **{"X-Tenant-ID": tenant_id}),
        timeout=5,
    )
    assert resp.status_code == 404
    assert resp.json()["error"] == "NotFound"


def test_global_routes_absent_on_region_host(sophos_emulator: Emulator) -> None:
    token = get_token(sophos_emulator)
    resp = requests.get(
        sophos_emulator.region_urls["eu01"] + "/whoami/v1", headers=bearer(token), timeout=5
    )
    assert resp.status_code == 404


def test_wrong_region_gets_403(sophos_emulator: Emulator) -> None:
    token = get_token(sophos_emulator)
    eu = next(t for t in sophos_emulator.dataset.tenants.values() if t.region == "eu01")
    assert users_page(sophos_emulator, token, eu.id).status_code == 200
    resp = users_page(sophos_emulator, token, eu.id, region="us03")
    assert resp.status_code == 403
    assert resp.json()["error"] == "Forbidden"


def test_partner_header_checks(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu)
    url = emu.global_url + "/partner/v1/tenants"
    missing = requests.get(url, headers=bearer(token), timeout=5)
    assert missing.status_code == 401
    assert missing.json()["error"] == "Unauthorized"
    other = requests.get(url, headers=bearer(token, **{"X-Partner-ID": ORGANIZATION_ID}), timeout=5)
    assert other.status_code == 403
    assert _tenants(emu, token).status_code == 200


def test_organization_listing(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu, "organization")
    resp = _tenants(emu, token, "organization", pageSize=100)
    assert resp.status_code == 200
    assert [t["id"] for t in resp.json()["items"]] == list(emu.dataset.tenants)
    url = emu.global_url + "/organization/v1/tenants"
    assert requests.get(url, headers=bearer(token), timeout=5).status_code == 401
    # A partner credential is not an organization credential.
    partner = get_token(emu, "partner")
    headers = bearer(partner, **{"X-Organization-ID": ORGANIZATION_ID})
    assert requests.get(url, headers=headers, timeout=5).status_code == 403


def test_tenant_credential_cannot_list_and_sees_one_tenant(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu, "tenant")
    headers = bearer(token, **{"X-Partner-ID": PARTNER_ID})
    resp = requests.get(emu.global_url + "/partner/v1/tenants", headers=headers, timeout=5)
    assert resp.status_code == 403
    first, second, *_ = emu.dataset.tenants
    assert users_page(emu, token, first).status_code == 200
    assert users_page(emu, token, second).status_code == 403


def test_tenant_header_checks(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu)
    url = emu.region_urls["eu01"] + USERS
    missing = requests.get(url, headers=bearer(token), timeout=5)
    assert missing.status_code == 401
    unknown = requests.get(
        url,
        headers=bearer(token, **{"X-Tenant-ID": "00000000-0000-4000-8000-000000000000"}),
        timeout=5,
    )
    assert unknown.status_code == 403


def test_tenant_outside_the_partner_gets_403(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    tenant_id = next(iter(emu.dataset.tenants))
    emu.dataset.credentials["partner"].tenant_ids.remove(tenant_id)
    assert users_page(emu, get_token(emu), tenant_id).status_code == 403
    assert users_page(emu, get_token(emu, "organization"), tenant_id).status_code == 200


def test_forbidden_tenant_is_listed_but_403(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu)
    tenant_id = list(emu.dataset.tenants)[1]
    emu.set_forbidden(tenant_id)
    listed = [t["id"] for t in _tenants(emu, token, pageSize=100).json()["items"]]
    assert tenant_id in listed
    resp = users_page(emu, token, tenant_id)
    assert resp.status_code == 403
    assert resp.json()["error"] == "Forbidden"
    emu.set_forbidden(tenant_id, forbidden=False)
    assert users_page(emu, token, tenant_id).status_code == 200


def test_set_api_host_changes_the_listing(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu)
    tenant_id = next(iter(emu.dataset.tenants))
    emu.set_api_host(tenant_id, "https://evil.example.net")
    items = {t["id"]: t for t in _tenants(emu, token, pageSize=100).json()["items"]}
    assert items[tenant_id]["apiHost"] == "https://evil.example.net"
    emu.set_api_host(tenant_id, None)
    items = {t["id"]: t for t in _tenants(emu, token, pageSize=100).json()["items"]}
    assert items[tenant_id]["apiHost"] == emu.region_urls["eu01"]


def test_tenant_credential_whoami_region_follows_its_tenant(sophos_emulator_factory) -> None:
    ds = generate_dataset(regions=("us03", "eu01"), tenants_per_region=1, credential_kind="tenant")
    emu = sophos_emulator_factory(ds)
    token = get_token(emu)
    body = requests.get(emu.global_url + "/whoami/v1", headers=bearer(token), timeout=5).json()
    assert body["apiHosts"]["dataRegion"] == emu.region_urls["us03"]
    assert emu.tap_config()["client_id"] == ds.credentials["tenant"].client_id


def test_extra_region_without_tenants_gets_a_port(sophos_emulator_factory) -> None:
    ds = generate_dataset(regions=("eu01",), tenants_per_region=1, users_per_tenant=1)
    emu = sophos_emulator_factory(ds, regions=("jp01",))
    assert set(emu.region_urls) == {"eu01", "jp01"}
    token = get_token(emu)
    assert users_page(emu, token, next(iter(ds.tenants)), region="jp01").status_code == 403


def test_unsupported_method(sophos_emulator: Emulator) -> None:
    token = get_token(sophos_emulator)
    resp = requests.post(
        sophos_emulator.global_url + "/whoami/v1", headers=bearer(token), timeout=5
    )
    assert resp.status_code == 405
    resp = requests.get(sophos_emulator.token_url, timeout=5)
    assert resp.status_code == 405
