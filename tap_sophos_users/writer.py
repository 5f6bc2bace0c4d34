"""Singer message writer: orjson encoding, one flush per STATE instead of one per message.

Every message of the stock writers is its own write system call. Records only need to
reach the target before the STATE that covers them, so flushing on STATE keeps that
order guarantee (and interrupt-safety) while batching records into full buffers. The
tap already parses with orjson; encoding with it too avoids the stock writers' deep copy
of every STATE (``dataclasses.asdict``) and msgspec's import time. The lines are those
of the SDK's msgspec writer (a unit test compares them).
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import orjson
from singer_sdk.helpers._state import StateWriter
from singer_sdk.helpers.types import TapState
from singer_sdk.singerlib import RecordMessage, StateMessage
from singer_sdk.singerlib.encoding.base import GenericSingerWriter
from singer_sdk.singerlib.encoding.simple import Message
from typing_extensions import override

_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_UTC_Z


def _fallback(value: Any) -> str:
    """As the SDK's msgspec writer does: anything not JSON-native (Decimal, ...) as text."""
    return str(value)


def _encode(value: Any) -> bytes:
    return orjson.dumps(value, default=_fallback, option=_OPTIONS)


class BufferedSingerWriter(GenericSingerWriter[bytes, Message]):
    """JSON-lines Singer writer that flushes stdout only after STATE messages."""

    @override
    def serialize_message(self, message: Message) -> bytes:
        if isinstance(message, RecordMessage):
            return self._record_line(
                message.stream, message.record, message.time_extracted, message.version
            )
        if isinstance(message, StateMessage):
            return _encode({"type": "STATE", "value": message.value})
        return _encode(message.to_dict())

    @staticmethod
    def _record_line(
        stream: str, record: dict[str, Any], time_extracted: datetime | None, version: int | None
    ) -> bytes:
        line: dict[str, Any] = {"type": "RECORD", "stream": stream, "record": record}
        if version is not None:
            line["version"] = version
        if time_extracted is not None:
            line["time_extracted"] = time_extracted
        return _encode(line)

    def write_record(self, stream: str, record: dict[str, Any], time_extracted: datetime) -> None:
        """Write a RECORD message without building the message object first."""
        sys.stdout.buffer.write(self._record_line(stream, record, time_extracted, None))

    def write_state_line(self, line: bytes) -> None:
        """Write an encoded STATE line and flush: everything before it reaches the target."""
        sys.stdout.buffer.write(line)
        sys.stdout.flush()

    @override
    def write_message(self, message: Message) -> None:
        if isinstance(message, StateMessage):
            self.write_state_line(self.format_message(message))
        else:
            sys.stdout.buffer.write(self.format_message(message))


class EncodedStateWriter(StateWriter):
    """Skips a repeated STATE by comparing encoded lines, not by keeping a deep copy.

    The SDK's ``StateWriter`` keeps ``copy.deepcopy(state)`` to spot repeats. With a
    50,000-entry ``known_users`` map that copy costs several times the encoding and
    holds a second copy of the state in memory. The line has to be encoded anyway, it
    is immutable, and equal lines are equal STATE messages.
    """

    def __init__(self, message_writer: BufferedSingerWriter) -> None:
        super().__init__(message_writer)
        self._writer = message_writer
        self._last_line: bytes | None = None

    @override
    def write_state(self, state: TapState) -> None:
        line = self._writer.format_message(StateMessage(value=state))
        if line != self._last_line:
            self._writer.write_state_line(line)
            self._last_line = line
