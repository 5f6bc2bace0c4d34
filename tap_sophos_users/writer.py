"""Singer message writer: msgspec encoding, one flush per STATE instead of one per message.

Every message of the stock writers is its own write system call. Records only need to
reach the target before the STATE that covers them, so flushing on STATE keeps that
order guarantee (and interrupt-safety) while batching records into full buffers.
"""

from __future__ import annotations

import sys

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import StateMessage
from singer_sdk.singerlib.encoding.simple import Message
from typing_extensions import override


class BufferedMsgSpecWriter(MsgSpecWriter):
    """``MsgSpecWriter`` that flushes stdout only after STATE messages."""

    @override
    def write_message(self, message: Message) -> None:
        sys.stdout.buffer.write(self.format_message(message))
        if isinstance(message, StateMessage):
            sys.stdout.flush()
