"""Request log, admin routes and the minimum request count of §8."""

from __future__ import annotations

import pytest
import requests

from tap_sophos_users.emulator import (
    Emulator,
    Faults,
    LoggedRequest,
    generate_dataset,
    minimum_requests,
)
from tests.emulator.helpers import USERS, all_users, bearer, get_token, partner_tenants, users_page


def test_log_records_each_request(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu)
    tid = next(iter(emu.dataset.tenants))
    users_page(emu, token, tid, page=2, pageSize=10)
    requests.post(emu.token_url, data={"client_id": "nobody"}, timeout=5)
    token_log, users_log, bad_log = emu.requests
    assert token_log == LoggedRequest(
        method="POST",
        host=emu.global_url.removeprefix("http://"),
        region=None,
        path="/api/v2/oauth2/token",
        query={},
        tenant_id=None,
        status=200,
        client_id="emulator-partner-client",
    )
    region = emu.dataset.tenants[tid].region
    assert users_log == LoggedRequest(
        method="GET",
        host=emu.region_urls[region].removeprefix("http://"),
        region=region,
        path=USERS,
        query={"page": "2", "pageSize": "10"},
        tenant_id=tid,
        status=200,
        client_id="emulator-partner-client",
    )
    assert bad_log.status == 400
    assert bad_log.client_id is None
    emu.clear_requests()
    assert emu.requests == []


def test_minimum_request_count(sophos_emulator_factory) -> None:
    counts = [0, 1, 100, 101, 250]
    ds = generate_dataset(regions=("eu01",), tenants_per_region=5, users_per_tenant=counts)
    emu: Emulator = sophos_emulator_factory(ds)
    token = get_token(emu)
    listing = partner_tenants(emu, token, page=1, pageSize=100, pageTotal="true").json()
    for tenant in listing["items"]:
        all_users(emu, token, tenant["id"])
    assert len(emu.requests) == minimum_requests(ds) - 1  # this walk skips whoami
    assert sum(r.path == USERS for r in emu.requests) == 1 + 1 + 1 + 2 + 3


def test_admin_routes(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    get_token(emu)
    emu.faults = Faults(error_every=1, latency=0.5)  # admin routes are never faulted
    log = requests.get(emu.global_url + "/_emulator/requests", timeout=5)
    assert log.status_code == 200
    assert [r["path"] for r in log.json()] == ["/api/v2/oauth2/token"]
    assert log.elapsed.total_seconds() < 0.5
    config = requests.get(
        emu.global_url + "/_emulator/config", params={"kind": "tenant"}, timeout=5
    )
    assert config.json() == emu.tap_config("tenant")
    assert set(config.json()) == {
        "client_id",
        "client_secret",
        "api_host",
        "oauth2_authorization_url",
    }
    assert (
        requests.get(
            emu.global_url + "/_emulator/config", params={"kind": "x"}, timeout=5
        ).status_code
        == 400
    )
    tid = next(iter(emu.dataset.tenants))
    before = len(emu.dataset.tenants[tid].users)
    result = requests.post(
        emu.global_url + "/_emulator/mutate", json={"touch": 3, "add": 2, "delete": 1}, timeout=5
    ).json()
    assert result["tenant_id"] == tid
    assert (len(result["touched"]), len(result["added"]), len(result["deleted"])) == (3, 2, 1)
    assert len(emu.dataset.tenants[tid].users) == before + 1
    other = list(emu.dataset.tenants)[2]
    result = requests.post(
        emu.global_url + "/_emulator/mutate", json={"delete": 2, "tenant_id": other}, timeout=5
    ).json()
    assert result["tenant_id"] == other
    bad = requests.post(
        emu.global_url + "/_emulator/mutate", json={"tenant_id": "nope", "add": 1}, timeout=5
    )
    assert bad.status_code == 400
    assert requests.post(emu.global_url + "/_emulator/reset-log", timeout=5).json() == {"ok": True}
    assert emu.requests == []
    dataset = requests.get(emu.global_url + "/_emulator/dataset", timeout=5).json()
    assert len(dataset["tenants"]) == 4
    assert requests.get(emu.global_url + "/_emulator/nothing", timeout=5).status_code == 404
    assert emu.requests == []  # admin requests are not logged


def test_keep_alive_is_fast(sophos_emulator: Emulator) -> None:
    """Without TCP_NODELAY each response would take ~40 ms on a keep-alive connection."""
    emu = sophos_emulator
    token = get_token(emu)
    tid = next(iter(emu.dataset.tenants))
    url = emu.region_urls[emu.dataset.tenants[tid].region] + USERS
    with requests.Session() as session:
        session.headers.update(bearer(token, **{"X-Tenant-ID": tid}))
        session.get(url, timeout=5)
        elapsed = sum(session.get(url, timeout=5).elapsed.total_seconds() for _ in range(50))
    assert elapsed < 0.75


def test_stop_releases_ports_and_context_manager() -> None:
    ds = generate_dataset(regions=("eu01",), tenants_per_region=1, users_per_tenant=1)
    with Emulator(ds).start() as emu:
        url = emu.global_url
        assert emu.running
        with requests.Session() as session:  # an open keep-alive connection must not block stop
            session.get(url + "/whoami/v1", timeout=5)
            emu.stop()
            assert not emu.running
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/whoami/v1", timeout=2)


def test_default_fixture_dataset(sophos_emulator: Emulator) -> None:
    ds = sophos_emulator.dataset
    assert ds.default_credential.kind == "partner"
    assert [t.region for t in ds.tenants.values()] == ["eu01", "eu01", "us03", "us03"]
    assert all(len(t.users) == 30 for t in ds.tenants.values())


def test_faulted_requests_still_name_the_credential(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu, "organization")
    emu.faults = Faults(error_every=1)
    tid = next(iter(emu.dataset.tenants))
    assert users_page(emu, token, tid).status_code == 503
    requests.post(emu.token_url, data={"client_id": "emulator-tenant-client"}, timeout=5)
    assert [(r.status, r.client_id) for r in emu.requests[1:]] == [
        (503, "emulator-organization-client"),
        (503, "emulator-tenant-client"),
    ]


def test_factory_default_dataset_and_unstarted_emulator(sophos_emulator_factory) -> None:
    emu = sophos_emulator_factory()
    assert len(emu.dataset.tenants) == 4
    assert requests.get(emu.global_url + "/whoami/v1", timeout=5).status_code == 401
    idle = Emulator(generate_dataset(users_per_tenant=0))
    with pytest.raises(RuntimeError, match="not started"):
        _ = idle.global_url
    idle.stop()  # harmless before start
