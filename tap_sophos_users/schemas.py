"""JSON schemas of the two streams: Sophos tenants as listed, and OCSF 5003 user records.

The users schema is the OCSF record exactly (nested objects closed, exact types), in the
output mode the config asks for, so ``--discover``, stream maps and flattening see the
real shape. As everywhere in the SDK, an optional property also admits null.
"""

from __future__ import annotations

from typing import Any

from singer_sdk import typing as th

_REF = th.ObjectType(th.Property("id", th.StringType), additional_properties=True)

TENANTS_SCHEMA: dict[str, Any] = th.PropertiesList(
    th.Property("id", th.StringType, required=True, description="Tenant id (X-Tenant-ID)"),
    th.Property("name", th.StringType),
    th.Property("showAs", th.StringType, description="Display name"),
    th.Property("dataRegion", th.StringType, description="Short region code, e.g. eu02"),
    th.Property("dataGeography", th.StringType),
    th.Property("billingType", th.StringType),
    th.Property("status", th.StringType),
    th.Property("apiHost", th.StringType, description="Regional API base URL"),
    th.Property("partner", _REF),
    th.Property("organization", _REF),
).to_dict()

#: Tenant fields copied to the tenants stream; everything else Sophos sends is dropped.
TENANT_FIELDS: tuple[str, ...] = tuple(TENANTS_SCHEMA["properties"])


def _closed(*properties: th.Property[Any], **kwargs: Any) -> th.ObjectType:
    return th.ObjectType(*properties, additional_properties=False, **kwargs)


def users_schema(*, strict: bool) -> dict[str, Any]:
    """The OCSF User Inventory Info record; ``strict`` picks the OCSF-native types."""
    group = _closed(
        th.Property("uid", th.StringType, required=True),
        th.Property("name", th.StringType, required=True),
    )
    user = _closed(
        th.Property("uid", th.StringType, required=True, description="Sophos user id"),
        th.Property("name", th.StringType, required=True),
        th.Property("full_name", th.StringType),
        th.Property("email_addr", th.StringType),
        th.Property("type_id", th.IntegerType, required=True),
        th.Property("type", th.StringType, required=True),
        th.Property(
            "account",
            _closed(
                th.Property("name", th.StringType, required=True),
                th.Property("type_id", th.IntegerType, required=True),
                th.Property("type", th.StringType, required=True),
                th.Property("uid", th.StringType, required=True),
            ),
            required=True,
        ),
        # Default mode: always present, null when empty. Strict: omitted when empty.
        th.Property("groups", th.ArrayType(group), required=not strict, nullable=not strict),
        th.Property(
            "org",
            _closed(
                th.Property("uid", th.StringType, required=True),
                th.Property("name", th.StringType, required=True),
            ),
            description="The Sophos tenant",
        ),
    )
    metadata = _closed(
        th.Property(
            "product",
            _closed(
                th.Property("name", th.StringType, required=True),
                th.Property("version", th.StringType, required=True),
            ),
            required=True,
        ),
        th.Property("version", th.StringType, required=True),
    )
    time_type = th.IntegerType if strict else th.NumberType
    time_doc = "epoch milliseconds" if strict else "epoch seconds (float)"
    return th.PropertiesList(
        th.Property("activity_id", th.IntegerType, required=True),
        th.Property("activity_name", th.StringType, required=True),
        th.Property("category_name", th.StringType, required=True),
        th.Property("category_uid", th.IntegerType, required=True),
        th.Property("class_name", th.StringType, required=True),
        th.Property("class_uid", th.IntegerType, required=True),
        th.Property("type_name", th.StringType, required=True),
        th.Property("type_uid", th.IntegerType, required=True),
        th.Property("severity", th.StringType, required=True),
        th.Property("severity_id", th.IntegerType, required=True),
        th.Property("time", time_type, required=True, description=time_doc),
        th.Property("metadata", metadata, required=True),
        th.Property("user", user, required=True),
    ).to_dict()
