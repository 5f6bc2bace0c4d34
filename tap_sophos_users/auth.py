"""OAuth2 client credentials against Sophos ID, shared by every stream of a run."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import backoff
import orjson
import requests
from singer_sdk.authenticators import OAuthAuthenticator
from typing_extensions import override

from tap_sophos_users.errors import AuthenticationError, UntrustedHostError
from tap_sophos_users.hosts import HostPolicy
from tap_sophos_users.ratelimit import RateLimiter
from tap_sophos_users.retry import wait_generator

logger = logging.getLogger(__name__)

#: Statuses of the token endpoint worth another try; anything else is final.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class _RetryableTokenAnswer(Exception):
    """A 429/5xx from the token endpoint, kept with its response for Retry-After."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"token endpoint answered {response.status_code}")
        self.response = response


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up on one request."""

    max_tries: int = 9  # the first try and 8 retries
    max_seconds: float = 300.0
    timeout: float = 60.0
    base_wait: float = 1.0


class SophosAuthenticator(OAuthAuthenticator):
    """Client-credentials authenticator with early refresh, retries and one-line errors.

    The SDK's authenticator retries only over https, logs the token endpoint's body on
    failure and refreshes a token only once it has expired; Sophos needs none of that.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        auth_endpoint: str,
        hosts: HostPolicy,
        limiter: RateLimiter,
        retry: RetryPolicy,
        user_agent: str,
    ) -> None:
        super().__init__(
            client_id=client_id,
            client_secret=client_secret,
            auth_endpoint=auth_endpoint,
            default_expiration=3600,
        )
        self._hosts = hosts
        self._limiter = limiter
        self._retry = retry
        # A plain session: retries are ours, over http (the emulator) as over https.
        self._session = requests.Session()
        self._session.headers["User-Agent"] = user_agent
        self.tokens_issued = 0
        #: True while the current token was fetched because of a 401 and has not yet
        #: been accepted by the API: a second 401 then is about the request, not the token.
        self.reissued_after_401 = False

    @override
    @property
    def oauth_request_body(self) -> dict[str, Any]:
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scope": "token",
        }

    @override
    def is_token_valid(self) -> bool:
        if not self.access_token or self.last_refreshed is None:
            return False
        if not self.expires_in:
            return True
        # Refresh early: a tenth of the lifetime, at most two minutes (scaled so that
        # a one-second test token is not refreshed on every request).
        margin = min(120.0, self.expires_in / 10)
        age = (datetime.now(timezone.utc) - self.last_refreshed).total_seconds()
        return age < self.expires_in - margin

    def invalidate(self, *, after_401: bool = False) -> None:
        """Forget the token; the next request fetches a new one."""
        self.access_token = None
        self.last_refreshed = None
        self.reissued_after_401 = after_401

    @override
    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # The last line of defence: the token never leaves for an untrusted host.
        if not self._hosts.is_trusted(request.url or ""):
            raise UntrustedHostError(f"refusing to send credentials to {request.url!r}")
        if not self.is_token_valid():
            self.update_access_token()
        # Only the header: the base class also re-encodes the URL for query-string auth,
        # which Sophos does not use (twice per request).
        request.headers["Authorization"] = f"Bearer {self.access_token}"
        return request

    @override
    def update_access_token(self) -> None:
        logger.info("Requesting a new access token")
        requested_at = datetime.now(timezone.utc)
        response = self._post_with_retries()
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = None
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthenticationError(
                f"Authentication failed: the token endpoint {self.auth_endpoint} answered "
                f"{response.status_code} without an access token"
            )
        expires_in = body.get("expires_in", self._default_expiration)
        self.access_token = token
        self.expires_in = int(expires_in) if isinstance(expires_in, (int, float)) else None
        self.last_refreshed = requested_at
        self.tokens_issued += 1

    def _post_with_retries(self) -> requests.Response:
        post = backoff.on_exception(
            lambda: wait_generator(self._retry.base_wait),
            (_RetryableTokenAnswer, requests.ConnectionError, requests.Timeout),
            max_tries=self._retry.max_tries,
            max_time=self._retry.max_seconds,
            jitter=None,
            on_backoff=_log_token_backoff,
            on_giveup=_log_token_giveup,
            logger=None,
        )(self._limiter.wrap(self._post_once))
        try:
            return post()
        except _RetryableTokenAnswer as exc:
            raise AuthenticationError(_token_failure(exc.response, self.auth_endpoint)) from None
        except requests.RequestException as exc:
            raise AuthenticationError(
                f"Authentication failed: cannot reach the token endpoint {self.auth_endpoint} "
                f"({type(exc).__name__})"
            ) from None

    def _post_once(self) -> requests.Response:
        response = self._session.post(
            self.auth_endpoint,
            data=self.oauth_request_body,
            timeout=self._retry.timeout,
            # A 307/308 would replay the body, client secret included, to wherever it points.
            allow_redirects=False,
        )
        if response.status_code in _RETRY_STATUSES:
            raise _RetryableTokenAnswer(response)
        if response.status_code >= 300:
            raise AuthenticationError(_token_failure(response, self.auth_endpoint))
        return response


def _log_token_backoff(details: Any) -> None:
    error = details.get("exception")
    reason = (
        f"status {error.response.status_code}"
        if isinstance(error, _RetryableTokenAnswer)
        else type(error).__name__
    )
    logger.warning(
        "Token request failed (%s); retrying in %.2f s (try %d)",
        reason,
        details["wait"],
        details["tries"],
    )


def _log_token_giveup(details: Any) -> None:
    logger.warning(
        "Token request failed after %d tries in %.1f s", details["tries"], details["elapsed"]
    )


def _token_failure(response: requests.Response, endpoint: str) -> str:
    """One line naming the status and Sophos's errorCode; never the body itself."""
    code = ""
    try:
        body = orjson.loads(response.content)
        error_code = body.get("errorCode") if isinstance(body, dict) else None
        if isinstance(error_code, str) and error_code.replace(".", "").replace("_", "").isalnum():
            code = f" ({error_code[:80]})"
    except orjson.JSONDecodeError:
        pass
    hint = ": check client_id and client_secret" if response.status_code in {400, 401, 403} else ""
    return (
        f"Authentication failed: the token endpoint {endpoint} answered "
        f"HTTP {response.status_code}{code}{hint}"
    )
