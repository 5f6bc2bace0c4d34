"""The real per-credential sliding-window rate limiter."""

from __future__ import annotations

import pytest
import requests

from tap_sophos_users.emulator import Emulator, Faults, generate_dataset
from tap_sophos_users.emulator.ratelimit import SlidingWindowLimiter
from tests.emulator.helpers import bearer, get_token, token_form


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_per_second_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(10, 100, clock=clock)
    assert [limiter.acquire("a") for _ in range(10)] == [0.0] * 10
    assert limiter.acquire("a") == pytest.approx(1.0)
    assert limiter.acquire("b") == 0.0  # per credential
    clock.now += 0.5
    assert limiter.acquire("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.acquire("a") == 0.0


def test_limiter_per_minute_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(10, 100, clock=clock)
    for _ in range(100):
        assert limiter.acquire("a") == 0.0
        clock.now += 0.2  # 5/s: never over the per-second limit
    # 100 requests in the last 20 s: the minute window is full until the first one leaves.
    assert limiter.acquire("a") == pytest.approx(40.0)
    clock.now += 40.0
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0  # the second oldest is still inside


def test_rejected_requests_are_not_counted() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(2, 100, clock=clock)
    limiter.acquire("a")
    limiter.acquire("a")
    for _ in range(50):
        assert limiter.acquire("a") > 0
    clock.now += 1.0
    assert limiter.acquire("a") == 0.0


@pytest.fixture
def emu(sophos_emulator_factory) -> Emulator:
    return sophos_emulator_factory(
        generate_dataset(regions=("eu01",), tenants_per_region=1, users_per_tenant=1)
    )


def test_ten_per_second_over_http(emu: Emulator) -> None:
    partner, org = get_token(emu, "partner"), get_token(emu, "organization")
    emu.faults = Faults(rate_limit=True)
    url = emu.global_url + "/whoami/v1"
    statuses = [
        requests.get(url, headers=bearer(partner), timeout=5).status_code for _ in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    assert requests.get(url, headers=bearer(org), timeout=5).status_code == 200
    limited = requests.get(url, headers=bearer(partner), timeout=5)
    assert limited.json()["error"] == "TooManyRequests"
    assert "Retry-After" not in limited.headers
    assert [r.client_id for r in emu.requests if r.status == 429] == ["emulator-partner-client"] * 2


def test_per_minute_limit_and_retry_after(emu: Emulator) -> None:
    token = get_token(emu)
    emu.faults = Faults(
        rate_limit=True,
        rate_limit_per_second=1000,
        rate_limit_per_minute=5,
        rate_limit_retry_after=True,
    )
    url = emu.global_url + "/whoami/v1"
    responses = [requests.get(url, headers=bearer(token), timeout=5) for _ in range(6)]
    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert 59 <= int(responses[5].headers["Retry-After"]) <= 60


def test_token_endpoint_is_rate_limited_per_client(emu: Emulator) -> None:
    emu.faults = Faults(rate_limit=True, rate_limit_per_second=2)
    form = token_form(emu)
    statuses = [requests.post(emu.token_url, data=form, timeout=5).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert (
        requests.post(emu.token_url, data=token_form(emu, "tenant"), timeout=5).status_code == 200
    )
