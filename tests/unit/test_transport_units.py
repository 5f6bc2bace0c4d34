"""Pure pieces of the transport: host trust, Retry-After, backoff waits, pacing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from requests.adapters import BaseAdapter

from tap_sophos_users import client
from tap_sophos_users.auth import RetryPolicy, SophosAuthenticator
from tap_sophos_users.client import ProxyCachingSession
from tap_sophos_users.errors import UntrustedHostError
from tap_sophos_users.hosts import HostPolicy
from tap_sophos_users.ratelimit import RateLimiter
from tap_sophos_users.retry import MAX_WAIT_SECONDS, retry_after_seconds, wait_generator
from tap_sophos_users.tap import TapSophosUsers


@pytest.mark.parametrize(
    ("api_host", "url", "trusted"),
    [
        ("https://api.central.sophos.com", "https://api-eu02.central.sophos.com", True),
        ("https://api.central.sophos.com", "https://api-eu01.dev.central.sophos.com", True),
        ("https://api.central.sophos.com", "http://api-eu02.central.sophos.com", False),
        ("https://api.central.sophos.com", "https://evil.example.com", False),
        ("https://api.central.sophos.com", "https://sophos.com.evil.example", False),
        ("https://api.central.sophos.com", "https://evilsophos.com", False),
        ("https://api.central.sophos.com", "https://user:pw@api-eu01.central.sophos.com", False),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8001", True),
        ("http://127.0.0.1:8000", "https://127.0.0.1:8443", True),
        ("http://127.0.0.1:8000", "http://127.0.0.2:8001", False),
        ("http://127.0.0.1:8000", "http://localhost:8001", False),
        ("https://proxy.corp.example", "http://proxy.corp.example:81", False),
        ("http://127.0.0.1:8000", "ftp://127.0.0.1:8001", False),
        ("http://127.0.0.1:8000", "http://127.0.0.1:notaport", False),
    ],
)
def test_host_policy(api_host: str, url: str, trusted: bool) -> None:
    assert HostPolicy(api_host).is_trusted(url) is trusted


def test_host_check_strips_trailing_slash_and_names_the_tenant() -> None:
    policy = HostPolicy("https://api.central.sophos.com")
    assert policy.check("https://api-us03.central.sophos.com/", "t") == (
        "https://api-us03.central.sophos.com"
    )
    with pytest.raises(UntrustedHostError, match=r"tenant X .*not trusted"):
        policy.check("https://attacker.example", "tenant X")
    with pytest.raises(UntrustedHostError, match="no apiHost"):
        policy.check(None, "tenant X")


def _response(retry_after: str | None) -> requests.Response:
    response = requests.Response()
    response.status_code = 429
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, 0, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(_response("3")) == 3.0
    assert retry_after_seconds(_response("0.5")) == 0.5
    assert retry_after_seconds(_response("Thu, 01 Jan 2026 00:00:07 GMT"), now) == 7.0
    assert retry_after_seconds(_response("Wed, 31 Dec 2025 23:00:00 GMT"), now) == 0.0
    assert retry_after_seconds(_response("9999")) == MAX_WAIT_SECONDS
    assert retry_after_seconds(_response("soon")) is None
    assert retry_after_seconds(_response(None)) is None
    assert retry_after_seconds(None) is None


class _Err(Exception):
    def __init__(self, response: requests.Response | None = None, immediate: bool = False) -> None:
        super().__init__("x")
        self.response = response
        self.immediate = immediate


def test_wait_generator_prefers_retry_after_then_full_jitter() -> None:
    gen = wait_generator(base=1.0)
    assert gen.send(None) == 0.0
    assert gen.send(_Err(_response("2"))) == 2.0
    waits = [gen.send(_Err()) for _ in range(8)]
    # Full jitter: each wait within [0, min(60, 2**attempt)], attempts 2..9.
    for attempt, wait in enumerate(waits, start=2):
        assert 0.0 <= wait <= min(60.0, 2.0**attempt)
    assert gen.send(_Err(immediate=True)) == 0.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limiter_never_allows_more_than_n_per_window() -> None:
    fake = FakeClock()
    limiter = RateLimiter(10, clock=fake.clock, sleep=fake.sleep)
    sent, answered = [], []

    def request() -> None:  # each answer takes 30 ms
        sent.append(fake.now)
        fake.now += 0.03
        answered.append(fake.now)

    paced = limiter.wrap(request)
    for _ in range(35):
        paced()
    assert sent[:2] == [0.0, 0.03]  # no wait while the window has room
    for i in range(10, len(sent)):
        # The 11th request leaves a full window after the 1st was answered, so however late
        # the server counts request i-10, it cannot see 11 requests in one second.
        assert sent[i] >= answered[i - 10] + 1.0
    assert limiter.waited > 0


def test_rate_limiter_disabled_and_fractional() -> None:
    fake = FakeClock()
    RateLimiter(0, clock=fake.clock, sleep=fake.sleep).acquire()
    assert fake.slept == []
    slow = RateLimiter(0.5, clock=fake.clock, sleep=fake.sleep)
    slow.acquire()
    slow.acquire()
    assert fake.slept
    assert fake.slept[0] >= 2.0


def test_tls_verification_on_and_no_redirects_for_every_stream() -> None:
    tap = TapSophosUsers(config={"client_id": "i", "client_secret": "s"}, validate_config=False)
    sessions = [stream.requests_session for stream in tap.streams.values()]
    sessions.append(tap.streams["users"].authenticator._session)
    assert all(session.verify is True for session in sessions)
    assert all(stream.allow_redirects is False for stream in tap.streams.values())


def test_every_stream_sends_through_the_proxy_caching_session() -> None:
    # The SDK builds its own session in RESTStream.__init__; ours must replace it.
    tap = TapSophosUsers(config={"client_id": "i", "client_secret": "s"}, validate_config=False)
    assert all(
        type(stream.requests_session) is ProxyCachingSession for stream in tap.streams.values()
    )


class _RecordingAdapter(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.proxies: list[dict[str, str]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        self.proxies.append(kwargs["proxies"])  # type: ignore[arg-type]
        response = requests.Response()
        response.status_code, response.request = 200, request
        return response

    def close(self) -> None:
        pass


def test_proxy_environment_is_read_once_per_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "api-us03.central.sophos.com")
    resolved: list[str] = []

    def counting_resolve(request: requests.PreparedRequest, *args: object) -> dict[str, str]:
        resolved.append(request.url or "")
        return requests.utils.resolve_proxies(request, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(client, "resolve_proxies", counting_resolve)
    session, adapter = ProxyCachingSession(), _RecordingAdapter()
    session.mount("https://", adapter)
    urls = [
        f"https://api-eu02.central.sophos.com/common/v1/directory/users?page={p}" for p in (1, 2, 3)
    ]
    urls.append("https://api-us03.central.sophos.com/common/v1/directory/users")
    for url in urls:  # as the SDK sends: a prepared request straight to send()
        session.send(session.prepare_request(requests.Request("GET", url)))
    assert len(resolved) == 2  # one per host, not one per request
    assert adapter.proxies[0]["https"] == "http://proxy.corp.example:3128"
    assert adapter.proxies[2] is adapter.proxies[0]
    assert "https" not in adapter.proxies[3]  # NO_PROXY still honoured per host


def _authenticator() -> SophosAuthenticator:
    return SophosAuthenticator(
        client_id="id",
        client_secret="secret",
        auth_endpoint="https://id.sophos.com/api/v2/oauth2/token",
        hosts=HostPolicy("https://api.central.sophos.com"),
        limiter=RateLimiter(0),
        retry=RetryPolicy(),
        user_agent="test",
    )


@pytest.mark.parametrize(
    ("lifetime", "age", "valid"),
    [
        (3600, 3400, True),  # margin: 120 s at most
        (3600, 3490, False),
        (100, 85, True),  # margin: a tenth of the lifetime
        (100, 95, False),
        (1, 0.5, True),
        (1, 0.95, False),
    ],
)
def test_token_is_refreshed_before_it_expires(lifetime: int, age: float, valid: bool) -> None:
    auth = _authenticator()
    auth.access_token = "token"
    auth.expires_in = lifetime
    auth.last_refreshed = datetime.now(timezone.utc) - timedelta(seconds=age)
    assert auth.is_token_valid() is valid


def test_invalidated_token_is_not_valid() -> None:
    auth = _authenticator()
    auth.access_token, auth.expires_in = "token", 3600
    auth.last_refreshed = datetime.now(timezone.utc)
    auth.invalidate(after_401=True)
    assert auth.is_token_valid() is False
    assert auth.reissued_after_401 is True
