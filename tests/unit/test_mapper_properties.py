"""Property tests: the mapper never raises, and what it returns fits the stream schema."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from tap_sophos_users.known_users import ChangeTracker
from tap_sophos_users.ocsf import to_ocsf
from tap_sophos_users.schemas import users_schema

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
VALIDATORS = {strict: Draft202012Validator(users_schema(strict=strict)) for strict in (False, True)}

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
timestamps = st.one_of(
    st.datetimes(timezones=st.just(timezone.utc)).map(
        lambda d: d.isoformat().replace("+00:00", "Z")
    ),
    st.text(max_size=30),
    json_values,
)
group_items = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values | st.text(max_size=10),
        "name": json_values,
        "displayName": json_values,
    },
)
sophos_like_users = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=12) | json_values,
        "name": st.text(max_size=30) | json_values,
        "firstName": st.text(max_size=10) | json_values,
        "lastName": st.text(max_size=10) | json_values,
        "email": st.emails() | st.text(max_size=20) | json_values,
        "groups": st.fixed_dictionaries(
            {}, optional={"items": st.lists(group_items, max_size=4) | json_values}
        )
        | json_values,
        "tenant": st.fixed_dictionaries({}, optional={"id": st.text(max_size=10) | json_values})
        | json_values,
        "createdAt": timestamps,
        "updatedAt": timestamps,
    },
)


@settings(max_examples=400, deadline=None)
@given(user=sophos_like_users | json_values, strict=st.booleans())
def test_mapper_never_raises_and_fits_the_schema(user: Any, strict: bool) -> None:
    mapped = to_ocsf(user, strict=strict, now=NOW)
    if mapped.record is None:
        assert mapped.reason
        return
    assert list(VALIDATORS[strict].iter_errors(mapped.record)) == []
    assert isinstance(mapped.record["time"], int if strict else float)


@settings(max_examples=200, deadline=None)
@given(listing=st.lists(sophos_like_users | json_values, max_size=8))
def test_tracker_never_raises_and_second_pass_emits_nothing(listing: list[Any]) -> None:
    # Sophos lists each user once; a repeated id with another timestamp is a real change.
    ids = [u.get("id") if isinstance(u, dict) else None for u in listing]
    listing = [
        u for i, u in enumerate(listing) if not isinstance(ids[i], str) or ids.index(ids[i]) == i
    ]
    known: dict[str, str] = {}
    for _ in range(2):
        tracker = ChangeTracker(known, strict=False, now=NOW)
        emitted = 0
        for item in listing:
            outcome = tracker.observe(item)
            if outcome is not None and hasattr(outcome, "record"):
                tracker.commit(outcome)
                emitted += 1
        tracker.finish()
    # The second pass over identical input finds everything known.
    assert emitted == 0
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in known.items())
