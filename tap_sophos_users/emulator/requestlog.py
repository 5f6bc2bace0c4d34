"""The request log tests use to count calls (e.g. against the §8 minimum)."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class LoggedRequest:
    """One served request. ``region`` is ``None`` on the global host."""

    method: str
    host: str
    region: str | None
    path: str
    query: dict[str, str]
    tenant_id: str | None
    status: int
    client_id: str | None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form."""
        return asdict(self)


class RequestLog:
    """Thread-safe append-only list of :class:`LoggedRequest`."""

    def __init__(self) -> None:
        self._items: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def append(self, item: LoggedRequest) -> None:
        """Record one request."""
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[LoggedRequest]:
        """A copy, safe to iterate while the server keeps logging."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Forget every recorded request."""
        with self._lock:
            self._items.clear()
