"""The message writer's shortcuts must write exactly what the SDK's writer writes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage

from tap_sophos_users.writer import BufferedMsgSpecWriter

RECORD = {"time": 1686927656.87, "user": {"uid": "ü\\x", "groups": None, "g": [{"a": 1}]}}
WHEN = datetime(2026, 12, 4, 12, 0, 0, 123456, tzinfo=timezone.utc)


def test_record_shortcut_is_byte_identical(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    BufferedMsgSpecWriter().write_record("users", RECORD, WHEN)
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
    ours = BufferedMsgSpecWriter().format_message(message)  # type: ignore[arg-type]
    stock = MsgSpecWriter().format_message(message)  # type: ignore[arg-type]
    assert bytes(ours) == bytes(stock)


def test_records_precede_the_state_that_covers_them(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    writer = BufferedMsgSpecWriter()
    writer.write_record("users", RECORD, WHEN)
    writer.write_message(StateMessage(value={}))
    lines = capsysbinary.readouterr().out.split(b"\n")
    assert lines[0].startswith(b'{"type":"RECORD"')
    assert lines[1] == b'{"type":"STATE","value":{}}'
