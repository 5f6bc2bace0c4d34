"""Configurable faults, all off by default so that benchmarks measure the tap.

:class:`Faults` is the knob set (mutable while the emulator runs); :class:`FaultInjector`
holds the every-N counters, which count only requests whose path matches
``path_prefix``, and only while their fault is enabled, so tests can predict exactly
which request fails.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import orjson

MALFORMED_KINDS = ("truncated", "html502", "no_items", "wrong_types")
ERROR_STATUSES = (500, 502, 503, 504)


@dataclass
class Faults:
    """Fault settings. ``path_prefix=None`` applies them to every route, token included;
    ``tenant_id`` further restricts them to requests with that ``X-Tenant-ID``.

    ``rate_limit`` enforces ``rate_limit_per_second`` and ``rate_limit_per_minute`` per
    credential (sliding windows); ``rate_limit_retry_after`` adds a ``Retry-After`` header
    with the real wait to those 429s. ``retry_after`` (seconds) is sent with the
    ``throttle_every`` 429s; ``None`` sends none. ``malformed_kind`` is one of
    ``truncated``, ``html502``, ``no_items``, ``wrong_types``.
    """

    latency: float = 0.0
    throttle_every: int = 0
    retry_after: float | None = None
    rate_limit: bool = False
    rate_limit_per_second: int = 10
    rate_limit_per_minute: int = 100
    rate_limit_retry_after: bool = False
    error_every: int = 0
    error_status: int = 503
    malformed_every: int = 0
    malformed_kind: str = "truncated"
    path_prefix: str | None = None
    tenant_id: str | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Reject settings that would make the emulator misbehave silently."""
        if self.malformed_kind not in MALFORMED_KINDS:
            raise ValueError(f"malformed_kind must be one of {MALFORMED_KINDS}")
        if not 400 <= self.error_status <= 599:
            raise ValueError("error_status must be an HTTP error status")
        for name in ("throttle_every", "error_every", "malformed_every"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.latency < 0:
            raise ValueError("latency must be >= 0")

    def matches(self, path: str, tenant_id: str | None = None) -> bool:
        """Whether faults apply to a request on ``path`` with this ``X-Tenant-ID``."""
        if self.tenant_id is not None and tenant_id != self.tenant_id:
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)


@dataclass
class FaultDecision:
    """What the injector decided for one request."""

    throttle: bool = False
    error: bool = False
    malformed: str | None = None
    malformed_seq: int = 0


class FaultInjector:
    """Every-N counters shared by all server threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = {"throttle": 0, "error": 0, "malformed": 0}

    def reset(self) -> None:
        """Restart every counter at zero."""
        with self._lock:
            self._counts = dict.fromkeys(self._counts, 0)

    def decide(self, faults: Faults, path: str, tenant_id: str | None = None) -> FaultDecision:
        """Advance the counters for a matching request and say which faults fire."""
        decision = FaultDecision()
        if not faults.matches(path, tenant_id):
            return decision
        with self._lock:
            for name, every in (
                ("throttle", faults.throttle_every),
                ("error", faults.error_every),
                ("malformed", faults.malformed_every),
            ):
                if every <= 0:
                    continue
                self._counts[name] += 1
                if self._counts[name] % every == 0:
                    if name == "throttle":
                        decision.throttle = True
                    elif name == "error":
                        decision.error = True
                    else:
                        decision.malformed = faults.malformed_kind
                        decision.malformed_seq = self._counts[name] // every
        return decision


def malform(kind: str, body: bytes, seq: int) -> bytes:
    """Damage a 200 JSON body (``html502`` is handled by the caller: it changes the status).

    ``wrong_types`` alternates: odd occurrences make ``items`` a string, even ones make
    ``pages`` a list; bodies without those keys get every top-level value wrapped in a list.
    """
    if kind == "truncated":
        return body[: max(1, len(body) // 2)]
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if not isinstance(data, dict):
        return body
    if kind == "no_items":
        data.pop("items", None)
        if "pages" not in data:
            data = {}
    elif kind == "wrong_types":
        if "items" in data or "pages" in data:
            if seq % 2 == 1:
                data["items"] = "not-a-list"
            else:
                data["pages"] = [data.get("pages")]
        else:
            data = {k: [v] for k, v in data.items()}
    return orjson.dumps(data)
