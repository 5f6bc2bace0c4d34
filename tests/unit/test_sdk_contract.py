"""Guards on the private singer-sdk members this tap relies on.

The tap overrides or calls a few private SDK members (see each test). The SDK is pinned
exactly; if an upgrade changes any of them, these tests fail before behaviour silently
does. Behaviour itself is covered end to end in tests/integration.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

from singer_sdk import Stream, Tap
from singer_sdk.helpers._state import StateWriter
from singer_sdk.streams.rest import _HTTPStream

from tap_sophos_users.streams import UsersStream


def _params(func: object) -> list[str]:
    return list(inspect.signature(func).parameters)  # type: ignore[arg-type]


def test_sdk_version_is_the_pinned_one() -> None:
    assert version("singer-sdk") == "0.54.9"


def test_process_record_contract() -> None:
    # UsersStream overrides it to keep partition keys out of the OCSF record.
    assert _params(Stream._process_record) == [
        "self",
        "record",
        "child_context",
        "partition_context",
    ]
    source = inspect.getsource(Stream._sync_records)
    assert "self._process_record(" in source
    assert "self._write_record_message(record)" in source
    assert UsersStream._process_record is not Stream._process_record


def test_write_state_message_contract() -> None:
    # UsersStream throttles it; the SDK must still route per-partition writes through it.
    assert _params(Stream._write_state_message) == ["self"]
    assert "self._write_state_message()" in inspect.getsource(Stream._sync_records)
    assert "is_flushed" in inspect.getsource(Stream._write_state_message)
    assert "write_state" in inspect.getsource(StateWriter)


def test_validate_config_contract() -> None:
    # The tap wraps it to keep secrets out of validation messages.
    assert _params(Tap._validate_config) == ["self", "raise_errors"]


def test_request_contract() -> None:
    # SophosStream.get_json sends whoami through the same checked, retried call.
    assert _params(_HTTPStream._request) == ["self", "prepared_request", "context"]
    assert "self.validate_response(response)" in inspect.getsource(_HTTPStream._request)
