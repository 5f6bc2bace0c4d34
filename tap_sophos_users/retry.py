"""How long to wait before retrying: ``Retry-After`` when Sophos sends it, else full jitter."""

from __future__ import annotations

import random
from collections.abc import Generator
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import requests

#: A per-minute window must be able to clear, so waits grow to about a minute.
MAX_WAIT_SECONDS = 60.0


def retry_after_seconds(
    response: requests.Response | None, now: datetime | None = None
) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP-date), if any."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return min(max(float(value), 0.0), MAX_WAIT_SECONDS)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    delta = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return min(max(delta, 0.0), MAX_WAIT_SECONDS)


def full_jitter(attempt: int, base: float = 1.0, cap: float = MAX_WAIT_SECONDS) -> float:
    """AWS-style full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    return random.uniform(0.0, min(cap, base * 2.0**attempt))  # noqa: S311 - not crypto


def wait_generator(base: float = 1.0) -> Generator[float, Any, None]:
    """A ``backoff`` wait generator that is sent each failure's exception.

    A re-authentication retry waits nothing; a response with ``Retry-After`` waits
    exactly that; anything else waits a full-jitter exponential time.
    """
    attempt = 0
    error = yield 0.0  # backoff primes the generator with send(None)
    while True:
        attempt += 1
        if getattr(error, "immediate", False):
            error = yield 0.0
            continue
        hinted = retry_after_seconds(getattr(error, "response", None))
        error = yield hinted if hinted is not None else full_jitter(attempt, base)
