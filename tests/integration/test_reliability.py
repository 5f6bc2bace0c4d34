"""Faults injected by the emulator: the run finishes, loses nothing, and says what went wrong."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from tap_sophos_users.emulator import Faults, generate_dataset
from tests.tapctl import known_users, run_tap

USERS_PATH = "/common/v1/directory/users"
TOKEN_PATH = "/api/v2/oauth2/token"


def small(seed: int = 1, tenants: int = 2, users: int = 30, **kwargs: Any) -> Any:
    return generate_dataset(
        seed=seed,
        regions=("eu01", "us03"),
        tenants_per_region=tenants // 2 or 1,
        users_per_tenant=users,
        **kwargs,
    )


def total_users(dataset: Any) -> int:
    return sum(len(t.users) for t in dataset.tenants.values())


def statuses(emu: Any, path: str | None = None) -> list[int]:
    return [r.status for r in emu.requests if path is None or r.path == path]


def test_429_with_retry_after_is_honoured(sophos_emulator_factory: Any) -> None:
    dataset = small()
    emu = sophos_emulator_factory(dataset, faults=Faults(throttle_every=3, retry_after=0.3))
    started = time.monotonic()
    run = run_tap(emu.tap_config())
    assert run.returncode == 0, run.stderr
    assert len(run.users) == total_users(dataset)
    throttled = statuses(emu).count(429)
    assert throttled >= 1
    assert time.monotonic() - started >= 0.3 * throttled  # each Retry-After was waited out
    assert "retrying in 0.30 s" in run.stderr


def test_429_without_retry_after_backs_off(sophos_emulator_factory: Any) -> None:
    dataset = small()
    emu = sophos_emulator_factory(dataset, faults=Faults(throttle_every=4))
    run = run_tap(emu.tap_config())
    assert run.returncode == 0, run.stderr
    assert len(run.users) == total_users(dataset)
    assert 429 in statuses(emu)
    assert "HTTP 429, try 1" in run.stderr


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_are_retried(sophos_emulator_factory: Any, status: int) -> None:
    dataset = small()
    emu = sophos_emulator_factory(dataset, faults=Faults(error_every=3, error_status=status))
    run = run_tap(emu.tap_config())
    assert run.returncode == 0, run.stderr
    assert sorted(run.user_ids) == sorted(
        u["id"] for t in dataset.tenants.values() for u in t.users
    )
    assert status in statuses(emu)


def test_real_rate_limit_is_never_hit_at_default_pacing(sophos_emulator_factory: Any) -> None:
    # 10/s and 100/min enforced by the emulator; the run stays under 100 requests.
    dataset = small(tenants=4, users=150)
    emu = sophos_emulator_factory(dataset, faults=Faults(rate_limit=True))
    run = run_tap({**emu.tap_config(), "max_requests_per_second": 10})
    assert run.returncode == 0, run.stderr
    assert 429 not in statuses(emu)
    assert len(emu.requests) > 10  # more than one second's worth, so pacing was exercised
    assert len(run.users) == total_users(dataset)


def test_token_ttl_under_a_second_with_slow_pages(sophos_emulator_factory: Any) -> None:
    dataset = small(users=250)
    emu = sophos_emulator_factory(dataset, token_ttl=0.5, faults=Faults(latency=0.2))
    run = run_tap(emu.tap_config())
    assert run.returncode == 0, run.stderr
    assert len(run.users) == total_users(dataset)
    assert statuses(emu, TOKEN_PATH).count(200) >= 2  # tokens were renewed mid-run


def test_401_mid_run_reauthenticates_and_retries(sophos_emulator_factory: Any) -> None:
    # Every 4th users request is refused as if the token had been revoked.
    dataset = small(tenants=2, users=450)
    emu = sophos_emulator_factory(
        dataset, faults=Faults(error_every=4, error_status=401, path_prefix=USERS_PATH)
    )
    run = run_tap(emu.tap_config())
    assert run.returncode == 0, run.stderr
    assert len(run.users) == total_users(dataset)
    refused = statuses(emu, USERS_PATH).count(401)
    assert refused >= 2
    assert statuses(emu, TOKEN_PATH) == [200] * (1 + refused)


@pytest.mark.parametrize(
    "faults",
    [
        Faults(error_every=2, error_status=503, path_prefix=TOKEN_PATH),
        Faults(throttle_every=2, retry_after=0.2, path_prefix=TOKEN_PATH),
        Faults(throttle_every=2, path_prefix=TOKEN_PATH),
    ],
)
def test_token_request_is_retried_over_http(sophos_emulator_factory: Any, faults: Faults) -> None:
    dataset = small(users=3)
    emu = sophos_emulator_factory(dataset, faults=faults)
    config = emu.tap_config()
    # Use up the first slot, so the tap's own first token request is the one that fails.
    requests.post(config["oauth2_authorization_url"], data={}, timeout=5)
    emu.clear_requests()
    run = run_tap(config)
    assert run.returncode == 0, run.stderr
    token_statuses = statuses(emu, TOKEN_PATH)
    assert token_statuses[0] in (429, 503)
    assert token_statuses[1:] == [200]
    assert "Token request failed" in run.stderr
    assert len(run.users) == total_users(dataset)


def test_wrong_secret_fails_fast_in_one_line(sophos_emulator_factory: Any) -> None:
    emu = sophos_emulator_factory(small(users=1))
    config = {**emu.tap_config(), "client_secret": "wrong-secret-value"}
    started = time.monotonic()
    run = run_tap(config, fast=False)
    assert time.monotonic() - started < 10
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "Authentication failed" in line]
    assert len(errors) == 1
    assert "401" in errors[0]
    assert "oauth.invalid_client_secret" in errors[0]
    assert statuses(emu, TOKEN_PATH) == [401]  # never retried
    assert "wrong-secret-value" not in run.stderr + run.stdout


def test_wrong_client_id_names_the_cause(sophos_emulator_factory: Any) -> None:
    emu = sophos_emulator_factory(small(users=1))
    run = run_tap({**emu.tap_config(), "client_id": "nobody"})
    assert run.returncode != 0
    assert "oauth.client_app_does_not_exist" in run.stderr
    assert "Traceback" not in run.stderr


def test_forbidden_tenant_is_skipped_with_a_warning(sophos_emulator_factory: Any) -> None:
    dataset = small(tenants=4, users=10)
    emu = sophos_emulator_factory(dataset)
    forbidden = list(dataset.tenants)[1]
    emu.set_forbidden(forbidden)
    run = run_tap(emu.tap_config())
    assert run.returncode == 0, run.stderr
    assert {r["user"]["org"]["uid"] for r in run.users} == set(dataset.tenants) - {forbidden}
    warning = next(
        line for line in run.stderr.splitlines() if "| WARNING" in line and forbidden in line
    )
    assert "403" in warning
    assert dataset.tenants[forbidden].fields["showAs"] in warning
    assert known_users(run.state, forbidden) in (None, {})


def test_failing_tenant_does_not_stop_the_others(sophos_emulator_factory: Any) -> None:
    dataset = small(tenants=4, users=20)
    emu = sophos_emulator_factory(dataset)
    config = emu.tap_config()
    run1 = run_tap(config)
    failing = list(dataset.tenants)[2]
    before = known_users(run1.state, failing)
    for user in dataset.tenants[failing].users[:5]:
        emu.touch_user(failing, user["id"])
    # Every users request of that tenant answers 503, persistently.
    emu.faults.error_every = 1
    emu.faults.error_status = 503
    emu.faults.path_prefix = USERS_PATH
    emu.faults.tenant_id = failing
    others = [t for t in dataset.tenants if t != failing]
    run2 = run_tap({**config, "max_retries": 2}, state=run1.state)
    assert run2.returncode == 1
    assert "Traceback" not in run2.stderr
    closing = run2.stderr.strip().splitlines()[-1]
    assert failing in closing
    assert "failed" in closing
    assert known_users(run2.state, failing) == before  # untouched, the 5 changes come next run
    for tenant in others:
        assert known_users(run2.state, tenant) == known_users(run1.state, tenant)
    summary = [line for line in run2.stderr.splitlines() if "Summary:" in line]
    assert len(summary) == len(dataset.tenants)


def test_one_token_per_run(sophos_emulator_factory: Any) -> None:
    emu = sophos_emulator_factory(small(tenants=4, users=120))
    run = run_tap(emu.tap_config())
    assert run.returncode == 0
    assert statuses(emu, TOKEN_PATH) == [200]


def test_401_twice_fails_that_tenant_without_looping(sophos_emulator_factory: Any) -> None:
    # Sophos answers 401 to a wrong X-Tenant-ID: a fresh token cannot fix it.
    dataset = small(tenants=2, users=3)
    refused = next(iter(dataset.tenants))
    emu = sophos_emulator_factory(
        dataset,
        faults=Faults(error_every=1, error_status=401, path_prefix=USERS_PATH, tenant_id=refused),
    )
    run = run_tap(emu.tap_config())
    assert run.returncode == 1
    assert statuses(emu, TOKEN_PATH) == [200, 200]  # one re-authentication, no loop
    assert [r.status for r in emu.requests if r.tenant_id == refused] == [401, 401]
    line = next(line for line in run.stderr.splitlines() if "failed:" in line and refused in line)
    assert "fresh token" in line
    other = list(dataset.tenants)[1]
    assert {r["user"]["org"]["uid"] for r in run.users} == {other}


@pytest.mark.parametrize("kind", ["truncated", "html502", "no_items", "wrong_types"])
def test_malformed_pages_name_the_tenant_and_page(sophos_emulator_factory: Any, kind: str) -> None:
    dataset = small(tenants=2, users=150)
    emu = sophos_emulator_factory(
        dataset, faults=Faults(malformed_every=1, malformed_kind=kind, path_prefix=USERS_PATH)
    )
    run = run_tap({**emu.tap_config(), "max_retries": 1})
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "KeyError" not in run.stderr
    for tenant in dataset.tenants:
        line = next(
            line for line in run.stderr.splitlines() if "failed:" in line and tenant in line
        )
        assert "page 1" in line


def test_untrusted_api_host_is_never_contacted(sophos_emulator_factory: Any) -> None:
    dataset = small(tenants=2, users=3)
    emu = sophos_emulator_factory(dataset)
    victim = next(iter(dataset.tenants))
    emu.set_api_host(victim, "http://127.0.0.2:9")
    run = run_tap(emu.tap_config())
    assert run.returncode == 1
    assert "not trusted" in run.stderr
    assert all(r.tenant_id != victim for r in emu.requests if r.path == USERS_PATH)
    other = list(dataset.tenants)[1]
    assert {r["user"]["org"]["uid"] for r in run.users} == {other}


@pytest.mark.parametrize("status", [400, 404])
def test_permanent_errors_are_not_retried(sophos_emulator_factory: Any, status: int) -> None:
    dataset = small(tenants=2, users=5)
    broken = next(iter(dataset.tenants))
    emu = sophos_emulator_factory(
        dataset,
        faults=Faults(error_every=1, error_status=status, path_prefix=USERS_PATH, tenant_id=broken),
    )
    run = run_tap(emu.tap_config())
    assert run.returncode == 1
    assert [r.status for r in emu.requests if r.tenant_id == broken] == [status]
    line = next(line for line in run.stderr.splitlines() if "failed:" in line and broken in line)
    assert f"GET {USERS_PATH} page 1" in line
    assert f"HTTP {status}" in line


def test_timeouts_are_retried_then_the_tenant_fails(sophos_emulator_factory: Any) -> None:
    dataset = small(tenants=2, users=5)
    slow = next(iter(dataset.tenants))
    emu = sophos_emulator_factory(
        dataset, faults=Faults(latency=1.0, path_prefix=USERS_PATH, tenant_id=slow)
    )
    run = run_tap({**emu.tap_config(), "request_timeout": 0.2, "max_retries": 2})
    assert run.returncode == 1
    assert run.stderr.count("ReadTimeout, try") == 2  # 1 try + 2 retries, each wait logged
    assert "ReadTimeout" in next(line for line in run.stderr.splitlines() if "failed:" in line)
    assert {r["user"]["org"]["uid"] for r in run.users} == set(dataset.tenants) - {slow}


def test_connection_errors_are_retried_then_the_tenant_fails(sophos_emulator_factory: Any) -> None:
    dataset = small(tenants=2, users=5)
    emu = sophos_emulator_factory(dataset)
    unreachable = next(iter(dataset.tenants))
    emu.set_api_host(unreachable, "http://127.0.0.1:9")  # trusted host name, nothing listening
    run = run_tap({**emu.tap_config(), "max_retries": 2})
    assert run.returncode == 1
    assert run.stderr.count("ConnectionError, try") == 2
    assert {r["user"]["org"]["uid"] for r in run.users} == set(dataset.tenants) - {unreachable}


def test_a_user_without_a_name_is_skipped_with_its_id_only(sophos_emulator_factory: Any) -> None:
    dataset = small(tenants=2, users=3)
    tenant = next(iter(dataset.tenants))
    nameless = {"id": "nameless-1", "tenant": {"id": tenant}, "email": "secret@example.com"}
    emu = sophos_emulator_factory(dataset)
    emu.add_user(tenant, nameless)
    run = run_tap(emu.tap_config())
    assert run.returncode == 0, run.stderr
    warning = next(line for line in run.stderr.splitlines() if "nameless-1" in line)
    assert "missing name" in warning
    assert "secret@example.com" not in run.stderr
    assert "nameless-1" not in run.user_ids
    assert known_users(run.state, tenant)["nameless-1"] == ""  # warned once, not every run
    assert "skipped invalid 1" in run.stderr
