"""Map one Sophos directory user to an OCSF 1.6.0 User Inventory Info (5003) record.

Pure functions, no SDK imports: the rules are those of ``ocsf-mapping.md`` and are
tested alone. The mapper never raises on odd input; a user it cannot map yields
``None`` together with the reason, and the caller decides how to report it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Final

from dateutil.parser import isoparse

OCSF_VERSION: Final = "1.6.0"

#: Constant fields of every record, in the order the reference connector prints them.
_HEADER: Final[dict[str, Any]] = {
    "activity_id": 2,
    "activity_name": "Collect",
    "category_name": "Discovery",
    "category_uid": 5,
    "class_name": "User Inventory Info",
    "class_uid": 5003,
    "type_name": "User Inventory Info: Collect",
    "type_uid": 500302,
    "severity": "Informational",
    "severity_id": 1,
}

USER_TYPE_ID: Final = 1
USER_TYPE: Final = "User"
ACCOUNT_UNKNOWN: Final = (0, "Unknown")
ACCOUNT_WINDOWS: Final = (2, "Windows Account")

#: OCSF 1.6.0 ``email_t`` pattern, verbatim from the schema (a test compares them).
EMAIL_PATTERN: Final = r"^[a-zA-Z0-9!#$%&'*+-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$"
_EMAIL_RE: Final = re.compile(EMAIL_PATTERN)


@dataclass(frozen=True)
class Mapped:
    """The outcome of mapping one user: a record, or the reason there is none."""

    record: dict[str, Any] | None
    reason: str | None = None


def _metadata() -> dict[str, Any]:
    # A fresh dict per record: records are mutable downstream (stream maps, selection).
    return {"product": {"name": "Sophos EDR", "version": "N/A"}, "version": OCSF_VERSION}


def _text(value: Any) -> str | None:
    """A non-empty string, or None for anything else (missing, null, "", non-string)."""
    return value if isinstance(value, str) and value else None


def checkpoint(user: dict[str, Any]) -> str:
    """The raw change-detection value of a user: ``updatedAt or createdAt or ""``."""
    return _text(user.get("updatedAt")) or _text(user.get("createdAt")) or ""


def _parse_time(value: Any) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        # The C parser takes Sophos's usual form (…T…Z with milliseconds) on Python >= 3.11;
        # dateutil covers the rest of ISO-8601, and Python 3.10.
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = isoparse(text)
        except (ValueError, OverflowError):
            return None
    # A value without an offset is UTC by rule 9.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def event_time(user: dict[str, Any], now: datetime) -> datetime:
    """``updatedAt``, else ``createdAt``, else the extraction time (rule 9)."""
    return _parse_time(user.get("updatedAt")) or _parse_time(user.get("createdAt")) or now


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _epoch_micros(moment: datetime) -> int:
    # Integer arithmetic: float seconds must print as the seed does (1686927656.87).
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _groups(user: dict[str, Any]) -> list[dict[str, str]]:
    block = user.get("groups")
    items = block.get("items") if isinstance(block, dict) else None
    if not isinstance(items, list):
        return []
    groups = []
    for item in items:
        if not isinstance(item, dict) or (uid := _text(item.get("id"))) is None:
            continue  # rule 7: items without an id are dropped
        name = _text(item.get("name")) or _text(item.get("displayName")) or ""
        groups.append({"uid": uid, "name": name})
    return groups


def to_ocsf(user: Any, *, strict: bool, now: datetime) -> Mapped:
    """Map one Sophos user item; ``now`` is the extraction time (rule 9's last resort)."""
    if not isinstance(user, dict):
        return Mapped(None, "not a JSON object")
    uid = _text(user.get("id"))
    name = _text(user.get("name"))
    if uid is None:
        return Mapped(None, "missing id")
    if name is None:
        return Mapped(None, "missing name")

    email = _text(user.get("email"))
    account_type_id, account_type = (
        ACCOUNT_WINDOWS if "\\" in name and email is None else ACCOUNT_UNKNOWN
    )
    ocsf_user: dict[str, Any] = {"uid": uid, "name": name}
    full_name = " ".join(
        p for p in (_text(user.get("firstName")), _text(user.get("lastName"))) if p
    )
    if full_name:
        ocsf_user["full_name"] = full_name
    if email is not None and (not strict or _EMAIL_RE.search(email)):
        ocsf_user["email_addr"] = email
    ocsf_user["type_id"] = USER_TYPE_ID
    ocsf_user["type"] = USER_TYPE
    ocsf_user["account"] = {
        "name": name,
        "type_id": account_type_id,
        "type": account_type,
        "uid": uid,
    }
    groups = _groups(user)
    if groups:
        ocsf_user["groups"] = groups
    elif not strict:
        ocsf_user["groups"] = None  # the reference connector prints null, never []
    tenant = user.get("tenant")
    if isinstance(tenant, dict) and (org := _text(tenant.get("id"))) is not None:
        ocsf_user["org"] = {"uid": org, "name": org}

    micros = _epoch_micros(event_time(user, now))
    record = dict(_HEADER)
    record["time"] = micros // 1000 if strict else micros / 1_000_000
    record["metadata"] = _metadata()
    record["user"] = ocsf_user
    return Mapped(record)
