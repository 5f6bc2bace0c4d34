"""The base stream: page walking, response checks, retries and pacing shared by both streams."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs, urlsplit

import backoff
import orjson
import requests
from requests.utils import resolve_proxies
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.pagination import PageNumberPaginator
from singer_sdk.streams import RESTStream
from singer_sdk.streams.rest import HTTPRequest, PageContext
from typing_extensions import override

from tap_sophos_users import __version__
from tap_sophos_users.auth import RetryPolicy, SophosAuthenticator
from tap_sophos_users.errors import ApiError, ForbiddenError, MalformedResponseError
from tap_sophos_users.hosts import HostPolicy
from tap_sophos_users.ratelimit import RateLimiter
from tap_sophos_users.report import RunReport
from tap_sophos_users.retry import wait_generator

if TYPE_CHECKING:
    from singer_sdk import Tap

USER_AGENT = f"tap-sophos-users/{__version__}"

#: Sophos's largest page; also the default (fewest requests).
MAX_PAGE_SIZE = 100

_RETRIABLE_ERRORS: tuple[type[Exception], ...] = (
    RetriableAPIError,
    ConnectionResetError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass
class Runtime:
    """What the streams of one run share: one token, one limiter, one report."""

    auth: SophosAuthenticator
    limiter: RateLimiter
    hosts: HostPolicy
    retry: RetryPolicy
    report: RunReport
    api_host: str
    page_size: int
    strict: bool
    tenant_ids: frozenset[str] | None
    account_name: str | None = None


class ReauthenticateError(RetriableAPIError):
    """A 401 with a token that may have expired: fetch a new one and retry at once."""

    immediate = True


class MalformedPageError(RetriableAPIError):
    """A 200 whose body is not JSON at all; retried, as a proxy may have cut it short."""


#: Parsed bodies of the pages in flight, so a page is decoded once, not per consumer.
_BODIES: weakref.WeakKeyDictionary[requests.Response, dict[str, Any]] = weakref.WeakKeyDictionary()


def page_body(response: requests.Response) -> dict[str, Any]:
    """The decoded body of a response that passed ``validate_response``."""
    return _BODIES[response]


def describe_request(request: requests.PreparedRequest | None, report: RunReport) -> str:
    """``GET /path page N (tenant <id> (<name>))``: enough to find it, nothing secret."""
    if request is None:
        return "request"
    parts = urlsplit(request.url or "")
    text = f"{request.method} {parts.path}"
    page = parse_qs(parts.query).get("page")
    if page:
        text += f" page {page[0]}"
    tenant_id = request.headers.get("X-Tenant-ID")
    if tenant_id:
        text += f" ({report.tenant_label(tenant_id)})"
    return text


def one_line(error: BaseException) -> str:
    """A short reason for an exception; library messages can be long and multi-line."""
    if isinstance(error, (RetriableAPIError, ApiError)):
        return str(error)
    return type(error).__name__


def _shape_problem(body: Any) -> str | None:
    """What is wrong with a decoded list or whoami answer, if anything."""
    if not isinstance(body, dict):
        return "the response is not a JSON object"
    if not isinstance(body.get("items", []), list):
        return "'items' is not a list"
    if not isinstance(body.get("pages", {}), dict):
        return "'pages' is not an object"
    return None


class SophosPages(PageNumberPaginator):
    """Page numbers from 1, stopping on the last page Sophos reports: no request past the end."""

    def __init__(self, page_size: int) -> None:
        super().__init__(start_value=1)
        self._page_size = page_size

    @override
    def has_more(self, response: requests.Response) -> bool:
        body = page_body(response)
        pages = body.get("pages") or {}  # validate_response checked it is an object
        current, total = pages.get("current"), pages.get("total")
        if isinstance(current, int) and isinstance(total, int):
            return current < total
        # No pageTotal answer: a short page is the last one.
        size = pages.get("size")
        expected = size if isinstance(size, int) and size > 0 else self._page_size
        return len(body["items"]) >= expected


class ProxyCachingSession(requests.Session):
    """A session that reads the proxy environment once per host, not on every request.

    ``Session.send`` re-resolves ``HTTPS_PROXY``/``NO_PROXY`` from ``os.environ`` for
    each request, a tenth of a run's time on a fast network. The environment does not
    change during a run, so the answer is kept per scheme and host.
    """

    def __init__(self) -> None:
        super().__init__()
        self._proxies_by_origin: dict[tuple[str, str], dict[str, str]] = {}

    @override
    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if "proxies" not in kwargs:
            parts = urlsplit(request.url or "")
            origin = (parts.scheme, parts.netloc)
            proxies = self._proxies_by_origin.get(origin)
            if proxies is None:
                proxies = self._proxies_by_origin[origin] = resolve_proxies(
                    request, dict(self.proxies), self.trust_env
                )
            kwargs["proxies"] = proxies
        return super().send(request, **kwargs)


def _not_sdk_unhandled_error(record: logging.LogRecord) -> bool:
    """Drop the SDK's "An unhandled error occurred while syncing" line.

    The CLI logs the error itself right after (one line for the tap's own errors, a
    traceback for anything else), so the SDK's line only doubles it.
    """
    return not str(record.msg).startswith("An unhandled error occurred while syncing")


class SophosStream(RESTStream[int]):
    """Common behaviour of Sophos Central list endpoints."""

    #: Sophos does not redirect; a redirect must not carry the bearer token anywhere.
    allow_redirects = False

    def __init__(self, tap: Tap, *, runtime: Runtime, **kwargs: Any) -> None:
        self.runtime = runtime
        super().__init__(tap, **kwargs)
        # The SDK creates a plain session in __init__; replace it before any request.
        self._requests_session = ProxyCachingSession()
        self.logger.addFilter(_not_sdk_unhandled_error)

    @override
    @property
    def url_base(self) -> str:
        return self.runtime.api_host

    @override
    @property
    def authenticator(self) -> SophosAuthenticator:
        return self.runtime.auth

    @override
    @property
    def user_agent(self) -> str:
        return USER_AGENT

    @override
    @property
    def http_headers(self) -> dict[str, str]:
        return {"Accept": "application/json"}

    @override
    @property
    def timeout(self) -> int:
        # requests takes a float; the SDK's annotation is narrower than its use.
        return self.runtime.retry.timeout  # type: ignore[return-value]

    @property
    def page_size(self) -> int:
        """Records per page; the largest page is the fewest requests."""
        return MAX_PAGE_SIZE

    @override
    def get_new_paginator(self) -> SophosPages:
        return SophosPages(self.page_size)

    @override
    def get_http_request(self, *, page: PageContext[int]) -> HTTPRequest:
        request = super().get_http_request(page=page)
        # pageTotal=true makes Sophos say which page is the last.
        request.params = {
            "page": page.next_page_token or 1,
            "pageSize": self.page_size,
            "pageTotal": "true",
        }
        return request

    @override
    def request_decorator(self, func: Callable[..., Any]) -> Callable[..., Any]:
        retry = self.runtime.retry
        decorated: Callable[..., Any] = backoff.on_exception(
            lambda: wait_generator(retry.base_wait),
            _RETRIABLE_ERRORS,
            max_tries=retry.max_tries,
            max_time=retry.max_seconds,
            jitter=None,  # full jitter is in the wait generator; Retry-After stays exact
            on_backoff=self.backoff_handler,
            logger=None,
        )(self.runtime.limiter.wrap(func))  # every attempt takes a pacing slot
        return decorated

    @override
    def backoff_handler(self, details: Any) -> None:
        error = details.get("exception")
        response = getattr(error, "response", None)
        # requests' own errors (timeouts, connection errors) carry the request too.
        request = response.request if response is not None else getattr(error, "request", None)
        what = describe_request(request, self.runtime.report)
        reason = f"HTTP {response.status_code}" if response is not None else one_line(error)
        self.logger.warning(
            "%s failed (%s, try %d); retrying in %.2f s",
            what,
            reason,
            details["tries"],
            details["wait"],
        )

    @override
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status == 200:
            self.runtime.auth.reissued_after_401 = False  # the current token works
            _BODIES[response] = self._decode(response)
            return
        what = describe_request(response.request, self.runtime.report)
        if status == 401:
            self._on_unauthorized(response, what)
        if status == 429 or status >= 500:
            raise RetriableAPIError(f"{what}: HTTP {status} {response.reason}", response)
        if status == 403:
            raise ForbiddenError(f"{what}: HTTP 403 {response.reason}")
        if status >= 400:
            raise ApiError(f"{what}: HTTP {status} {response.reason}")
        raise ApiError(f"{what}: unexpected HTTP {status}")

    def _on_unauthorized(self, response: requests.Response, what: str) -> None:
        auth = self.runtime.auth
        sent = response.request.headers.get("Authorization", "")
        if auth.access_token and sent != f"Bearer {auth.access_token}":
            # Another request already replaced the token; just retry with the new one.
            raise ReauthenticateError(f"{what}: HTTP 401 with a replaced token", response)
        if auth.reissued_after_401:
            raise ApiError(
                f"{what}: HTTP 401 even with a fresh token; the request itself is refused "
                "(is the tenant id right, and does this credential manage it?)"
            )
        self.logger.info("%s: HTTP 401; fetching a new token and retrying once", what)
        auth.invalidate(after_401=True)
        raise ReauthenticateError(f"{what}: HTTP 401", response)

    def _decode(self, response: requests.Response) -> dict[str, Any]:
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            what = describe_request(response.request, self.runtime.report)
            raise MalformedPageError(f"{what}: the response is not JSON", response) from None
        problem = _shape_problem(body)
        if problem:
            # A body that parses but has the wrong shape will not improve on retry.
            what = describe_request(response.request, self.runtime.report)
            raise MalformedResponseError(f"{what}: {problem}")
        return cast("dict[str, Any]", body)

    def items_of(self, response: requests.Response) -> list[Any]:
        """The ``items`` of a list page; its absence is an error, not an empty page."""
        body = page_body(response)
        if "items" not in body:
            what = describe_request(response.request, self.runtime.report)
            raise MalformedResponseError(f"{what}: the response has no 'items'")
        items: list[Any] = body["items"]
        return items

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        return self.items_of(response)

    def get_json(self, url: str) -> dict[str, Any]:
        """One GET outside the page loop (whoami), with the same checks and retries."""
        prepared = self.build_prepared_request(
            method="GET", url=url, headers={**self.http_headers, "User-Agent": self.user_agent}
        )
        response = self.request_decorator(self._request)(prepared, None)
        return page_body(response)
