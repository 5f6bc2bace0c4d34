"""Change detection over one tenant's listing, and the layout of the state that holds it.

Pure code, no SDK imports. ``known_users`` maps a user id to its checkpoint value
(``updatedAt or createdAt or ""``, unparsed). A user is emitted when it is new or its
checkpoint differs; the map is updated only after the caller says the record was
written, so a state written at any moment never claims an unemitted user.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tap_sophos_users.errors import StateError
from tap_sophos_users.ocsf import checkpoint, to_ocsf

STREAM = "users"
KNOWN_USERS = "known_users"


@dataclass
class TenantCounts:
    """What happened to one tenant's users in this run."""

    listed: int = 0
    emitted: int = 0
    unchanged: int = 0
    invalid: int = 0


@dataclass
class Emit:
    """A record to write; ``commit()`` it once written."""

    record: dict[str, Any]
    user_id: str
    checkpoint: str


@dataclass
class Invalid:
    """A user that yields no record (mapping rule 1)."""

    user_id: str | None
    reason: str


@dataclass
class ChangeTracker:
    """Walks one tenant's listing against its ``known_users`` map, updating it in place.

    ``known`` is the live map inside the state partition: committed users appear in
    any STATE written mid-listing. ``finish()`` prunes it to the listed users; a
    listing that fails calls ``abandon()`` instead, which restores the map as it was.
    """

    known: dict[str, str]
    strict: bool
    now: datetime
    counts: TenantCounts = field(default_factory=TenantCounts)
    _listed: set[str] = field(default_factory=set)
    _before: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self._before = dict(self.known)

    def observe(self, user: Any) -> Emit | Invalid | None:
        """Decide about one listed user: a record to emit, an invalid user, or None (unchanged)."""
        self.counts.listed += 1
        user_id = user.get("id") if isinstance(user, dict) else None
        if not isinstance(user_id, str) or not user_id:
            self.counts.invalid += 1
            return Invalid(None, "missing id")
        self._listed.add(user_id)
        value = checkpoint(user)
        if self.known.get(user_id) == value:
            # Unchanged: no mapping work at all, the cheapest path of a rerun.
            self.counts.unchanged += 1
            return None
        mapped = to_ocsf(user, strict=self.strict, now=self.now)
        if mapped.record is None:
            # Recorded anyway so the warning is given once, not on every run.
            self.known[user_id] = value
            self.counts.invalid += 1
            return Invalid(user_id, mapped.reason or "invalid")
        return Emit(mapped.record, user_id, value)

    def commit(self, emitted: Emit) -> None:
        """Mark a user known, after its RECORD was written."""
        self.known[emitted.user_id] = emitted.checkpoint
        self.counts.emitted += 1

    def finish(self) -> int:
        """The listing completed: users not listed were deleted; forget them, say how many."""
        gone = [u for u in self.known if u not in self._listed]
        for user_id in gone:
            del self.known[user_id]
        return len(gone)

    def abandon(self) -> None:
        """The listing failed: the tenant's previous map stays as it was."""
        self.known.clear()
        self.known.update(self._before)


def validate_state(state: Any) -> None:
    """Reject a state this tap did not write, with a message that says what is wrong.

    A half-understood state could mark users as known that were never emitted, so
    anything outside the documented layout stops the run instead of being guessed at.
    """
    if not isinstance(state, dict):
        raise StateError("state must be a JSON object")
    bookmarks = state.get("bookmarks", {})
    if not isinstance(bookmarks, dict):
        raise StateError("state 'bookmarks' must be an object")
    users = bookmarks.get(STREAM)
    if users is None:
        return
    if not isinstance(users, dict):
        raise StateError(f"state 'bookmarks.{STREAM}' must be an object")
    unknown = sorted(set(users) - {"partitions"})
    if unknown:
        raise StateError(
            f"state 'bookmarks.{STREAM}' has unknown keys {unknown}; "
            f"expected only 'partitions' (a state from another tap or layout?)"
        )
    partitions = users.get("partitions", [])
    if not isinstance(partitions, list):
        raise StateError(f"state 'bookmarks.{STREAM}.partitions' must be a list")
    for index, partition in enumerate(partitions):
        _validate_partition(partition, f"bookmarks.{STREAM}.partitions[{index}]")


def _validate_partition(partition: Any, where: str) -> None:
    if not isinstance(partition, dict):
        raise StateError(f"state '{where}' must be an object")
    context = partition.get("context")
    if not isinstance(context, dict) or set(context) != {"tenant_id"}:
        raise StateError(f'state \'{where}.context\' must be {{"tenant_id": "..."}}')
    if not isinstance(context["tenant_id"], str) or not context["tenant_id"]:
        raise StateError(f"state '{where}.context.tenant_id' must be a non-empty string")
    unknown = sorted(set(partition) - {"context", KNOWN_USERS})
    if unknown:
        raise StateError(f"state '{where}' has unknown keys {unknown}")
    known = partition.get(KNOWN_USERS, {})
    if not isinstance(known, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in known.items()
    ):
        raise StateError(f"state '{where}.{KNOWN_USERS}' must map user ids to strings")


def stale_partitions(partitions: Iterable[dict[str, Any]], listed: set[str]) -> Iterator[int]:
    """Indexes of partitions whose tenant is no longer listed, highest first (safe to delete)."""
    stale = [
        index
        for index, partition in enumerate(partitions)
        if partition.get("context", {}).get("tenant_id") not in listed
    ]
    return reversed(stale)
