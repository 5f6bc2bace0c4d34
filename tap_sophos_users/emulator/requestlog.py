"""The request log tests use to count calls (e.g. against the §8 minimum)."""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tap_sophos_users.emulator.data import CredentialKind, Dataset

#: Sophos's largest page, the one a minimal client asks for.
MAX_PAGE_SIZE = 100


def minimum_requests(dataset: Dataset, kind: CredentialKind | None = None) -> int:
    """The fewest requests that read every visible user (reference §8).

    1 token + 1 whoami + the tenant listing's pages (none for a tenant credential)
    + one request per page of users, and one for an empty tenant.
    """
    credential = dataset.credentials[kind] if kind else dataset.default_credential
    tenants = [dataset.tenants[t] for t in credential.tenant_ids if t in dataset.tenants]
    listing = 0 if credential.kind == "tenant" else max(1, math.ceil(len(tenants) / MAX_PAGE_SIZE))
    pages = sum(max(1, math.ceil(len(t.users) / MAX_PAGE_SIZE)) for t in tenants)
    return 2 + listing + pages


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
