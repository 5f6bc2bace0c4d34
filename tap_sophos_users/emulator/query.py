"""Query parameters of the listings: validation, user filters, sort, paging.

Invalid parameters raise :class:`BadRequest` (answered with 400) because the project
assumes Sophos rejects them rather than clamping; a tap bug then shows up in tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_INTEGER = re.compile(r"[+-]?[0-9]{1,9}")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50

SORT_FIELDS = frozenset(
    {"id", "name", "firstName", "lastName", "email", "exchangeLogin", "createdAt", "updatedAt"}
)
SEARCH_FIELDS = frozenset({"name", "firstName", "lastName", "email", "exchangeLogin"})
SOURCE_TYPES = frozenset({"custom", "activeDirectory", "azureActiveDirectory"})
USER_FIELDS = frozenset(
    {
        "id",
        "name",
        "firstName",
        "lastName",
        "email",
        "exchangeLogin",
        "domain",
        "groups",
        "tenant",
        "source",
        "createdAt",
        "updatedAt",
    }
)
TENANT_FIELDS = frozenset(
    {
        "id",
        "name",
        "showAs",
        "dataGeography",
        "dataRegion",
        "billingType",
        "partner",
        "organization",
        "apiHost",
        "status",
        "contact",
        "externalIds",
        "products",
    }
)


class BadRequest(ValueError):
    """An invalid query parameter; the message goes into the 400 body."""


@dataclass(frozen=True)
class Paging:
    """Validated ``page``, ``pageSize`` and ``pageTotal``."""

    page: int
    size: int
    total: bool


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw):
        raise BadRequest(f"{name} must be an integer, got {raw!r}")
    return int(raw)


def parse_paging(params: Mapping[str, str]) -> Paging:
    """``page`` >= 1, 1 <= ``pageSize`` <= 100, ``pageTotal`` true/false."""
    page = _int_param(params, "page", 1)
    if page < 1:
        raise BadRequest("page must be >= 1")
    size = _int_param(params, "pageSize", DEFAULT_PAGE_SIZE)
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
    raw_total = params.get("pageTotal", "false").lower()
    if raw_total not in {"true", "false"}:
        raise BadRequest("pageTotal must be true or false")
    return Paging(page, size, raw_total == "true")


def page_of(items: Sequence[Any], paging: Paging) -> tuple[Sequence[Any], dict[str, int]]:
    """The requested slice and the ``pages`` object (``total``/``items`` only if asked)."""
    start = (paging.page - 1) * paging.size
    pages = {"current": paging.page, "size": paging.size, "maxSize": MAX_PAGE_SIZE}
    if paging.total:
        pages["total"] = -(-len(items) // paging.size)
        pages["items"] = len(items)
    return items[start : start + paging.size], pages


def _csv(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse_fields(params: Mapping[str, str], allowed: frozenset[str]) -> tuple[str, ...] | None:
    """The ``fields`` list, ``id`` always included; ``None`` when absent."""
    raw = params.get("fields")
    if raw is None:
        return None
    fields = _csv(raw)
    unknown = [f for f in fields if f not in allowed]
    if unknown or not fields:
        raise BadRequest(f"invalid fields: {raw!r}")
    return tuple(dict.fromkeys(["id", *fields]))


def project(item: Mapping[str, Any], fields: tuple[str, ...] | None) -> Mapping[str, Any]:
    """A partial object with only ``fields`` (absent keys stay absent)."""
    if fields is None:
        return item
    return {k: item[k] for k in fields if k in item}


def _text(user: Mapping[str, Any], key: str) -> str:
    value = user.get(key)
    return value if isinstance(value, str) else ""


def default_order(users: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The emulator's default order: ``createdAt``, then ``id`` (real order is unspecified)."""
    return sorted(users, key=lambda u: (_text(u, "createdAt"), _text(u, "id")))


def parse_sort(raw: str | None) -> list[tuple[str, bool]]:
    """``field[:asc|desc]`` items, comma-separated, as ``(field, descending)``."""
    if raw is None:
        return []
    keys: list[tuple[str, bool]] = []
    for part in _csv(raw) or [""]:
        name, _, direction = part.partition(":")
        if name not in SORT_FIELDS or direction not in {"", "asc", "desc"}:
            raise BadRequest(f"invalid sort {part!r}")
        keys.append((name, direction == "desc"))
    return keys


def user_filter(params: Mapping[str, str]) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate for search/searchFields, sourceType, groupId, domain and ids."""
    checks: list[Callable[[Mapping[str, Any]], bool]] = []
    search = params.get("search")
    if search is not None:
        fields = _csv(params.get("searchFields", "name"))
        if not fields or any(f not in SEARCH_FIELDS for f in fields):
            raise BadRequest(f"invalid searchFields {params.get('searchFields')!r}")
        needle = search.casefold()
        checks.append(lambda u: any(needle in _text(u, f).casefold() for f in fields))
    source = params.get("sourceType")
    if source is not None:
        if source not in SOURCE_TYPES:
            raise BadRequest(f"invalid sourceType {source!r}")
        checks.append(
            lambda u: isinstance(u.get("source"), dict) and u["source"].get("type") == source
        )
    group = params.get("groupId")
    if group is not None:
        checks.append(lambda u: any(g.get("id") == group for g in _group_items(u)))
    domain = params.get("domain")
    if domain is not None:
        wanted = domain.casefold()
        checks.append(lambda u: _text(u, "domain").casefold() == wanted)
    raw_ids = params.get("ids")
    if raw_ids is not None:
        ids = frozenset(_csv(raw_ids))
        checks.append(lambda u: u.get("id") in ids)
    return lambda u: all(check(u) for check in checks)


def _group_items(user: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    groups = user.get("groups")
    if not isinstance(groups, dict):
        return []
    items = groups.get("items")
    return [g for g in items if isinstance(g, dict)] if isinstance(items, list) else []


def select_users(
    users: Sequence[dict[str, Any]], params: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Filter and sort a tenant's users as the query asks."""
    keep = user_filter(params)
    sort_keys = parse_sort(params.get("sort"))
    selected = [u for u in default_order(users) if keep(u)]
    # Stable sorts applied last key first give a multi-key sort with mixed directions.
    for name, descending in reversed(sort_keys):
        selected.sort(key=_text_of(name), reverse=descending)
    return selected


def _text_of(key: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda user: _text(user, key)
