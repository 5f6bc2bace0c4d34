"""The message writers' shortcuts must write exactly what the SDK's writers write."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.helpers.types import TapState
from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage

from tap_sophos_users.ocsf import to_ocsf
from tap_sophos_users.tap import TapSophosUsers
from tap_sophos_users.writer import BufferedSingerWriter, EncodedStateWriter
from tests.unit.test_ocsf_vectors import VECTOR_INPUTS

RECORD = {"time": 1686927656.87, "user": {"uid": "ü\\x", "groups": None, "g": [{"a": 1}]}}
WHEN = datetime(2026, 12, 4, 12, 0, 0, 123456, tzinfo=timezone.utc)


def test_record_shortcut_is_byte_identical(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    BufferedSingerWriter().write_record("users", RECORD, WHEN)
    stock = MsgSpecWriter().format_message(
        RecordMessage(stream="users", record=RECORD, time_extracted=WHEN)
    )
    assert capsysbinary.readouterr().out == bytes(stock)


@pytest.mark.parametrize(
    "message",
    [
        StateMessage(
            value={"bookmarks": {"users": {"partitions": [{"context": {"tenant_id": "t"}}]}}}
        ),
        SchemaMessage(stream="users", schema={"type": "object"}, key_properties=[]),
        RecordMessage(stream="users", record=RECORD, time_extracted=WHEN),
    ],
)
def test_messages_are_byte_identical(message: object) -> None:
    ours = BufferedSingerWriter().format_message(message)  # type: ignore[arg-type]
    stock = MsgSpecWriter().format_message(message)  # type: ignore[arg-type]
    assert bytes(ours) == bytes(stock)


def test_records_precede_the_state_that_covers_them(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    writer = BufferedSingerWriter()
    writer.write_record("users", RECORD, WHEN)
    writer.write_message(StateMessage(value={}))
    lines = capsysbinary.readouterr().out.split(b"\n")
    assert lines[0].startswith(b'{"type":"RECORD"')
    assert lines[1] == b'{"type":"STATE","value":{}}'


json_text = st.text()
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | json_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_text, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(record=st.dictionaries(json_text, json_values, max_size=6))
def test_any_record_encodes_to_the_same_json_as_the_sdk_writer(record: dict[str, object]) -> None:
    # Bytes may differ in spelling only (orjson writes 1e+16 where msgspec writes 1e16).
    message = RecordMessage(stream="users", record=record, time_extracted=WHEN)
    ours = bytes(BufferedSingerWriter().format_message(message))
    stock = bytes(MsgSpecWriter().format_message(message))
    assert ours.endswith(b"\n")
    assert b"\n" not in ours[:-1]
    assert json.loads(ours) == json.loads(stock)


@pytest.mark.parametrize("user", VECTOR_INPUTS, ids=lambda u: u["id"])
def test_ocsf_records_are_byte_identical_to_the_sdk_writer(user: dict[str, object]) -> None:
    for strict in (False, True):
        record = to_ocsf(user, strict=strict, now=WHEN).record
        message = RecordMessage(stream="users", record=record, time_extracted=WHEN)
        ours = bytes(BufferedSingerWriter().format_message(message))
        assert ours == bytes(MsgSpecWriter().format_message(message))


def test_state_writer_skips_repeats_and_sees_in_place_changes(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    state: TapState = {"bookmarks": {"users": {"partitions": [{"known_users": {}}]}}}
    writer = EncodedStateWriter(BufferedSingerWriter())
    writer.write_state(state)
    writer.write_state(state)
    # The SDK mutates the state it passes in place; a repeat check must still see it.
    state["bookmarks"]["users"]["partitions"][0]["known_users"]["u1"] = "2026-12-04T00:00:00Z"
    writer.write_state(state)
    writer.write_state(copy.deepcopy(state))
    lines = capsysbinary.readouterr().out.splitlines(keepends=True)
    assert len(lines) == 2
    assert lines[1] == bytes(MsgSpecWriter().format_message(StateMessage(value=state)))
    assert json.loads(lines[0])["value"]["bookmarks"]["users"]["partitions"][0] == {
        "known_users": {}
    }


def test_tap_writes_state_through_the_encoded_state_writer() -> None:
    tap = TapSophosUsers(config={"client_id": "i", "client_secret": "s"}, validate_config=False)
    assert type(tap.state_writer) is EncodedStateWriter
