"""Change detection and the state layout, without the SDK."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from tap_sophos_users.errors import StateError
from tap_sophos_users.known_users import (
    ChangeTracker,
    Emit,
    Invalid,
    stale_partitions,
    validate_state,
)

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def user(uid: str, ts: str, **extra: Any) -> dict[str, Any]:
    return {"id": uid, "name": f"User {uid}", "updatedAt": ts, **extra}


def run(known: dict[str, str], listing: list[Any]) -> list[str]:
    """One complete tenant listing; returns the emitted user ids."""
    tracker = ChangeTracker(known, strict=False, now=NOW)
    emitted = []
    for item in listing:
        outcome = tracker.observe(item)
        if isinstance(outcome, Emit):
            emitted.append(outcome.user_id)
            tracker.commit(outcome)
    tracker.finish()
    return emitted


def test_four_run_table() -> None:
    a1, a2, b, c = "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-01-05T00:00:00Z", "c"
    known: dict[str, str] = {}
    assert run(known, [user("A", a1), user("B", b)]) == ["A", "B"]
    assert known == {"A": a1, "B": b}
    assert run(known, [user("A", a1), user("B", b)]) == []
    assert known == {"A": a1, "B": b}
    assert run(known, [user("A", a2), user("B", b)]) == ["A"]
    assert known == {"A": a2, "B": b}
    assert run(known, [user("B", b), user("C", c)]) == ["C"]
    assert known == {"B": b, "C": c}


def test_backwards_timestamp_is_a_change() -> None:
    known = {"A": "2024-02-01T00:00:00Z"}
    assert run(known, [user("A", "2024-01-01T00:00:00Z")]) == ["A"]


def test_checkpoint_falls_back_to_created_at_then_empty() -> None:
    known: dict[str, str] = {}
    run(known, [{"id": "A", "name": "a", "createdAt": "c1"}, {"id": "B", "name": "b"}])
    assert known == {"A": "c1", "B": ""}
    assert run(known, [{"id": "A", "name": "a", "createdAt": "c1"}, {"id": "B", "name": "b"}]) == []


def test_not_known_until_committed() -> None:
    known: dict[str, str] = {}
    tracker = ChangeTracker(known, strict=False, now=NOW)
    outcome = tracker.observe(user("A", "t"))
    assert isinstance(outcome, Emit)
    assert known == {}  # a STATE written now must not claim A
    tracker.commit(outcome)
    assert known == {"A": "t"}


def test_invalid_users_recorded_once_when_they_have_an_id() -> None:
    known: dict[str, str] = {}
    tracker = ChangeTracker(known, strict=False, now=NOW)
    no_name = tracker.observe({"id": "N", "updatedAt": "t"})
    no_id = tracker.observe({"name": "x"})
    assert isinstance(no_name, Invalid)
    assert no_name.user_id == "N"
    assert isinstance(no_id, Invalid)
    assert no_id.user_id is None
    tracker.finish()
    assert known == {"N": "t"}
    assert tracker.counts.invalid == 2
    # Second run: the nameless user is unchanged, so no second warning.
    tracker = ChangeTracker(known, strict=False, now=NOW)
    assert tracker.observe({"id": "N", "updatedAt": "t"}) is None


def test_abandon_restores_previous_map() -> None:
    known = {"A": "1", "B": "1"}
    tracker = ChangeTracker(known, strict=False, now=NOW)
    outcome = tracker.observe(user("C", "1"))
    assert isinstance(outcome, Emit)
    tracker.commit(outcome)
    tracker.abandon()
    assert known == {"A": "1", "B": "1"}


def test_counts() -> None:
    known = {"A": "1"}
    tracker = ChangeTracker(known, strict=False, now=NOW)
    for item in [user("A", "1"), user("B", "1"), {"id": "C"}]:
        outcome = tracker.observe(item)
        if isinstance(outcome, Emit):
            tracker.commit(outcome)
    c = tracker.counts
    assert (c.listed, c.emitted, c.unchanged, c.invalid) == (3, 1, 1, 1)


def _state(partitions: Any) -> dict[str, Any]:
    return {"bookmarks": {"users": {"partitions": partitions}}}


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"bookmarks": {}},
        {"bookmarks": {"tenants": {}}},
        _state([]),
        _state([{"context": {"tenant_id": "t"}, "known_users": {"a": "1", "b": ""}}]),
        _state([{"context": {"tenant_id": "t"}}]),
    ],
)
def test_valid_states(state: Any) -> None:
    validate_state(state)


@pytest.mark.parametrize(
    ("state", "fragment"),
    [
        ([], "must be a JSON object"),
        ({"bookmarks": []}, "'bookmarks' must be an object"),
        ({"bookmarks": {"users": []}}, "'bookmarks.users' must be an object"),
        ({"bookmarks": {"users": {"known_users": {}}}}, "unknown keys ['known_users']"),
        (_state({}), "partitions' must be a list"),
        (_state(["x"]), "partitions[0]' must be an object"),
        (_state([{"context": {}}]), "partitions[0].context' must be"),
        (_state([{"context": {"tenant_id": "t", "host": "h"}}]), "context' must be"),
        (_state([{"context": {"tenant_id": 5}}]), "tenant_id' must be a non-empty string"),
        (_state([{"context": {"tenant_id": "t"}, "known_users": []}]), "must map user ids"),
        (_state([{"context": {"tenant_id": "t"}, "known_users": {"a": 1}}]), "must map user ids"),
        (
            _state([{"context": {"tenant_id": "t"}, "replication_key_value": "x"}]),
            "unknown keys ['replication_key_value']",
        ),
    ],
)
def test_invalid_states_are_rejected_with_a_reason(state: Any, fragment: str) -> None:
    with pytest.raises(StateError) as raised:
        validate_state(state)
    message = str(raised.value)
    assert fragment in message
    assert "\n" not in message
    assert "full-refresh" in message


def test_stale_partitions_highest_first() -> None:
    partitions = [{"context": {"tenant_id": t}} for t in ["a", "b", "c", "d"]]
    assert list(stale_partitions(partitions, {"b"})) == [3, 2, 0]
