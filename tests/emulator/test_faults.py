"""Injected faults: every-N 429/5xx, latency, malformed bodies, path restriction."""

from __future__ import annotations

import time

import orjson
import pytest
import requests

from tap_sophos_users.emulator import Emulator, Faults, generate_dataset
from tests.emulator.helpers import USERS, get_token, token_form, users_page


@pytest.fixture
def emu(sophos_emulator_factory) -> Emulator:
    ds = generate_dataset(seed=9, regions=("eu01",), tenants_per_region=1, users_per_tenant=10)
    return sophos_emulator_factory(ds)


def _tid(emu: Emulator) -> str:
    return next(iter(emu.dataset.tenants))


def _statuses(emu: Emulator, token: str, n: int) -> list[int]:
    return [users_page(emu, token, _tid(emu)).status_code for _ in range(n)]


def test_faults_are_off_by_default(emu: Emulator) -> None:
    assert emu.faults == Faults()
    token = get_token(emu)
    assert _statuses(emu, token, 30) == [200] * 30


def test_throttle_every_n_without_retry_after(emu: Emulator) -> None:
    token = get_token(emu)
    emu.faults.throttle_every = 3
    emu.faults.path_prefix = USERS
    responses = [users_page(emu, token, _tid(emu)) for _ in range(6)]
    assert [r.status_code for r in responses] == [200, 200, 429, 200, 200, 429]
    assert "Retry-After" not in responses[2].headers
    assert responses[2].json()["error"] == "TooManyRequests"


@pytest.mark.parametrize(("retry_after", "header"), [(2.0, "2"), (0.25, "0.25"), (0, "0")])
def test_throttle_with_retry_after(emu: Emulator, retry_after: float, header: str) -> None:
    token = get_token(emu)
    emu.faults = Faults(throttle_every=1, retry_after=retry_after, path_prefix=USERS)
    resp = users_page(emu, token, _tid(emu))
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == header


@pytest.mark.parametrize(
    ("status", "word"),
    [(500, "InternalServerError"), (502, "BadGateway"), (503, "ServiceUnavailable")],
)
def test_error_every_n(emu: Emulator, status: int, word: str) -> None:
    token = get_token(emu)
    emu.faults = Faults(error_every=2, error_status=status)
    responses = [users_page(emu, token, _tid(emu)) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, status, 200, status]
    assert responses[1].json()["error"] == word


def test_path_prefix_counts_only_matching_requests(emu: Emulator) -> None:
    token = get_token(emu)
    emu.faults = Faults(error_every=2, path_prefix=USERS)
    whoami = emu.global_url + "/whoami/v1"
    headers = {"Authorization": f"Bearer {token}"}
    assert users_page(emu, token, _tid(emu)).status_code == 200
    for _ in range(5):  # not counted, never faulted
        assert requests.get(whoami, headers=headers, timeout=5).status_code == 200
    assert users_page(emu, token, _tid(emu)).status_code == 503


def test_faults_on_token_path_use_token_error_shape(emu: Emulator) -> None:
    emu.faults = Faults(error_every=1, path_prefix="/api/v2/oauth2/token")
    resp = requests.post(emu.token_url, data=token_form(emu), timeout=5)
    assert resp.status_code == 503
    assert set(resp.json()) == {"errorCode", "message", "trackingId"}
    emu.faults = Faults(throttle_every=1, retry_after=1, path_prefix="/api/v2/oauth2/token")
    resp = requests.post(emu.token_url, data=token_form(emu), timeout=5)
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "1"
    assert set(resp.json()) == {"errorCode", "message", "trackingId"}


def test_no_prefix_faults_every_route(emu: Emulator) -> None:
    emu.faults = Faults(error_every=1)
    assert requests.post(emu.token_url, data=token_form(emu), timeout=5).status_code == 503


def test_latency(emu: Emulator) -> None:
    token = get_token(emu)
    emu.faults = Faults(latency=0.1, path_prefix=USERS)
    start = time.perf_counter()
    assert users_page(emu, token, _tid(emu)).status_code == 200
    assert time.perf_counter() - start >= 0.1
    start = time.perf_counter()
    requests.get(
        emu.global_url + "/whoami/v1", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert time.perf_counter() - start < 0.1


def test_malformed_truncated(emu: Emulator) -> None:
    token = get_token(emu)
    emu.faults = Faults(malformed_every=2, malformed_kind="truncated", path_prefix=USERS)
    good = users_page(emu, token, _tid(emu))
    bad = users_page(emu, token, _tid(emu))
    assert good.status_code == bad.status_code == 200
    assert bad.content == good.content[: len(good.content) // 2]
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(bad.content)


def test_malformed_html502(emu: Emulator) -> None:
    token = get_token(emu)
    emu.faults = Faults(malformed_every=1, malformed_kind="html502", path_prefix=USERS)
    resp = users_page(emu, token, _tid(emu))
    assert resp.status_code == 502
    assert resp.headers["Content-Type"].startswith("text/html")
    assert b"<html>" in resp.content
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(resp.content)


def test_malformed_no_items(emu: Emulator) -> None:
    token = get_token(emu)
    emu.faults = Faults(malformed_every=1, malformed_kind="no_items", path_prefix=USERS)
    resp = users_page(emu, token, _tid(emu), pageTotal="true")
    assert resp.status_code == 200
    assert set(resp.json()) == {"pages"}


def test_malformed_wrong_types_alternate(emu: Emulator) -> None:
    token = get_token(emu)
    emu.faults = Faults(malformed_every=1, malformed_kind="wrong_types", path_prefix=USERS)
    first = users_page(emu, token, _tid(emu)).json()
    second = users_page(emu, token, _tid(emu)).json()
    assert isinstance(first["items"], str)
    assert isinstance(second["pages"], list)
    assert isinstance(second["items"], list)


def test_malformed_leaves_errors_alone(emu: Emulator) -> None:
    emu.faults = Faults(malformed_every=1, malformed_kind="truncated")
    resp = requests.get(emu.global_url + "/whoami/v1", timeout=5)
    assert resp.status_code == 401
    assert resp.json()["error"] == "Unauthorized"


def test_invalid_fault_settings() -> None:
    with pytest.raises(ValueError, match="malformed_kind"):
        Faults(malformed_kind="garbled")
    with pytest.raises(ValueError, match="error_status"):
        Faults(error_status=200)


def test_replacing_faults_resets_counters(emu: Emulator) -> None:
    token = get_token(emu)
    emu.faults = Faults(error_every=3, path_prefix=USERS)
    assert _statuses(emu, token, 2) == [200, 200]
    emu.faults = Faults(error_every=3, path_prefix=USERS)
    assert _statuses(emu, token, 3) == [200, 200, 503]
    emu.reset_fault_counters()
    assert _statuses(emu, token, 3) == [200, 200, 503]


def test_tenant_restricted_faults(sophos_emulator: Emulator) -> None:
    emu = sophos_emulator
    token = get_token(emu)
    failing, other = list(emu.dataset.tenants)[:2]
    emu.faults = Faults(error_every=1, error_status=401, path_prefix=USERS, tenant_id=failing)
    assert users_page(emu, token, other).status_code == 200
    resp = users_page(emu, token, failing)
    assert resp.status_code == 401
    assert resp.json()["error"] == "Unauthorized"
    assert users_page(emu, token, other).status_code == 200
