"""Guards on the private singer-sdk members this tap overrides or calls.

singer-sdk is pinned exactly. Each private member the tap relies on is fingerprinted
here: if an SDK upgrade changes one, its test fails and names the override to revisit,
before behaviour silently drifts. Behaviour itself is tested end to end.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import pytest
from singer_sdk import Stream, Tap
from singer_sdk.helpers._state import StateWriter
from singer_sdk.streams.rest import _HTTPStream

from tap_sophos_users.streams import UsersStream
from tap_sophos_users.tap import TapSophosUsers
from tap_sophos_users.writer import EncodedStateWriter

#: SDK member -> (sha256 prefix of its source in 0.54.9, what in this tap depends on it).
FINGERPRINTS: list[tuple[Callable[..., Any], str, str]] = [
    (
        Stream._process_record,
        "8529b9f3ce2f849d",
        "UsersStream._process_record: keeps partition keys out of OCSF records",
    ),
    (
        Stream._write_record_message,
        "292b7bed39883bd9",
        "UsersStream._write_record_message: the one-step path for plain records",
    ),
    (
        Stream._generate_record_messages,
        "9b5f9fbcdedb7a1a",
        "UsersStream._write_record_message: the bytes its one-step path must equal",
    ),
    (
        Stream._write_state_message,
        "f82ecd8d16986823",
        "UsersStream._write_state_message: throttled STATE",
    ),
    (
        Stream._sync_records,
        "8928dc7f50e9bf57",
        "UsersStream.get_records commits known_users after the SDK wrote the RECORD",
    ),
    (
        Tap._validate_config,
        "0584b9e347e353fa",
        "TapSophosUsers._validate_config: secrets kept out of messages",
    ),
    (
        _HTTPStream._request,
        "be6df60d23d63d96",
        "SophosStream.get_json: whoami through the checked, retried request",
    ),
    (
        _HTTPStream.__init__,
        "c21d5967f654aea6",
        "SophosStream.__init__ replaces the session it creates with a ProxyCachingSession",
    ),
    (
        Tap.__init__,
        "ba24f58616a2c174",
        "TapSophosUsers.__init__ replaces the _state_writer it creates",
    ),
    (
        StateWriter.write_state,
        "40a241228848eb2c",
        "EncodedStateWriter.write_state: the same skip-repeats contract, without a deep copy",
    ),
]


def test_sdk_version_is_the_pinned_one() -> None:
    assert version("singer-sdk") == "0.54.9"


@pytest.mark.parametrize(
    ("member", "fingerprint", "dependent"),
    FINGERPRINTS,
    ids=lambda v: getattr(v, "__qualname__", ""),
)
def test_private_sdk_member_unchanged(
    member: Callable[..., Any], fingerprint: str, dependent: str
) -> None:
    digest = hashlib.sha256(inspect.getsource(member).encode()).hexdigest()[:16]
    assert digest == fingerprint, f"{member.__qualname__} changed in the SDK; revisit {dependent}"


def test_overrides_are_in_place() -> None:
    assert UsersStream._process_record is not Stream._process_record
    assert UsersStream._write_record_message is not Stream._write_record_message
    assert UsersStream._write_state_message is not Stream._write_state_message
    assert TapSophosUsers._validate_config is not Tap._validate_config
    assert EncodedStateWriter.write_state is not StateWriter.write_state
    # The order the known_users commit relies on: record written, then the generator resumes.
    source = inspect.getsource(Stream._sync_records)
    assert source.index("self._write_record_message(record)") < source.index("yield record")
