"""The two streams: ``tenants`` (whoami + tenant listing) and its child ``users`` (OCSF records)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

import requests
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context, Record
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.streams.rest import HTTPRequest, PageContext
from typing_extensions import override

from tap_sophos_users.client import SophosStream, one_line, page_body
from tap_sophos_users.errors import (
    ApiError,
    ForbiddenError,
    TenantsFailedError,
    UntrustedHostError,
)
from tap_sophos_users.known_users import KNOWN_USERS, ChangeTracker, Emit, stale_partitions
from tap_sophos_users.report import Outcome
from tap_sophos_users.schemas import TENANT_FIELDS, TENANTS_SCHEMA, users_schema
from tap_sophos_users.whoami import Whoami, parse_whoami
from tap_sophos_users.writer import BufferedSingerWriter

#: Errors that end one tenant's listing; anything else is a bug and stops the run.
_TENANT_ERRORS = (ApiError, RetriableAPIError, requests.RequestException, UntrustedHostError)


class TenantsStream(SophosStream):
    """Every tenant the credential can see; the parent of ``users``."""

    name = "tenants"
    primary_keys = ("id",)
    schema = TENANTS_SCHEMA
    # post_process builds the record from the schema's own fields and types.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._whoami: Whoami | None = None

    @override
    def get_http_request(self, *, page: PageContext[int]) -> HTTPRequest:
        request = super().get_http_request(page=page)  # url_base + path: the listing
        whoami = self._require_whoami()
        request.headers[whoami.identity_header] = whoami.id
        return request

    @property
    def path(self) -> str:  # type: ignore[override]
        """The listing of this credential's kind (before whoami: whoami itself)."""
        return self._whoami.listing_path if self._whoami else "/whoami/v1"

    @property
    def _account(self) -> str:
        name = self.runtime.account_name
        return f"Sophos account {name!r}" if name else "Sophos account"

    def _require_whoami(self) -> Whoami:
        if self._whoami is None:  # pragma: no cover - get_records sets it first
            raise RuntimeError("whoami has not been called")
        return self._whoami

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        whoami = self._whoami = parse_whoami(self.get_json(f"{self.url_base}/whoami/v1"))
        tenants: Iterable[Any]
        if whoami.kind == "tenant":
            self.logger.info("%s: tenant credential %s, 1 tenant", self._account, whoami.id)
            tenants = [{"id": whoami.id, "apiHost": whoami.data_region_host}]
        else:
            tenants = self.request_records(context)
        yield from self._select(tenants)

    def _select(self, tenants: Iterable[Any]) -> Iterator[dict[str, Any]]:
        """Yield the tenants to sync; once the listing is complete, forget unlisted ones."""
        wanted = self.runtime.tenant_ids
        listed: set[str] = set()
        for tenant in tenants:
            tenant_id = tenant.get("id") if isinstance(tenant, dict) else None
            if not isinstance(tenant_id, str) or not tenant_id:
                self.logger.warning("Skipping a tenant listing item without an id")
                continue
            listed.add(tenant_id)
            name = tenant.get("showAs") or tenant.get("name")
            self.runtime.report.tenant(tenant_id, name if isinstance(name, str) else None)
            if wanted is None or tenant_id in wanted:
                yield tenant
        # Reached only when the whole listing was walked (every child has synced by now).
        self._forget_unlisted(listed)
        for missing in sorted((wanted or set()) - listed):
            self.logger.warning("tenant_ids: %s is not visible to this credential", missing)

    def _forget_unlisted(self, listed: set[str]) -> None:
        users = self.child_streams[0]
        partitions = users.stream_state.get("partitions", [])
        for index in stale_partitions(partitions, listed):
            gone = partitions.pop(index)
            self.logger.info(
                "tenant %s is no longer listed; its state partition was removed",
                gone["context"]["tenant_id"],
            )
            users.state_manager.is_flushed = False

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        items = self.items_of(response)
        pages = page_body(response).get("pages") or {}
        if pages.get("current") == 1:
            whoami = self._require_whoami()
            self.logger.info(
                "%s: %s credential %s, %s tenants",
                self._account,
                whoami.kind,
                whoami.id,
                pages.get("items", "?"),
            )
        return items

    @override
    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        return {key: row[key] for key in TENANT_FIELDS if key in row}

    @override
    def get_child_context(self, record: Record, context: Context | None) -> Context | None:
        report = self.runtime.report.tenant(record["id"])
        try:
            host = self.runtime.hosts.check(record.get("apiHost"), report.label)
        except UntrustedHostError as exc:
            report.outcome, report.reason = Outcome.FAILED, str(exc)
            self.logger.error("%s", exc)  # noqa: TRY400 - one line, no traceback
            return None
        return {"tenant_id": record["id"], "tenant_api_host": host}

    @override
    def finalize_state_progress_markers(self, state: dict[str, Any] | None = None) -> None:
        super().finalize_state_progress_markers(state)  # writes the final STATE first
        report = self.runtime.report
        report.log_summary(self.logger)
        message = report.failure_message()
        if message:
            raise TenantsFailedError(message)


class UsersStream(SophosStream):
    """Each tenant's directory users as OCSF 5003 records; only new or changed ones."""

    name = "users"
    path = "/common/v1/directory/users"
    parent_stream_type = TenantsStream
    primary_keys = ()  # pure OCSF; add a key with a stream map for upserts (see README)
    # The host is not part of the partition: a tenant that moves keeps its known_users.
    state_partitioning_keys = ("tenant_id",)
    # ocsf.to_ocsf already yields the schema's exact JSON types.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    #: STATE with every tenant's map is large: write it at most this often (and at the end).
    STATE_INTERVAL_SECONDS = 30.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        runtime = kwargs["runtime"]
        super().__init__(*args, schema=users_schema(strict=runtime.strict), **kwargs)
        self._last_state_write = time.monotonic()
        self._finalizing = False

    @property
    def page_size(self) -> int:
        return self.runtime.page_size  # the page_size setting

    @override
    def get_http_request(self, *, page: PageContext[int]) -> HTTPRequest:
        request = super().get_http_request(page=page)
        tenant = page.stream_context or {}
        request.url = tenant["tenant_api_host"] + self.path
        request.headers["X-Tenant-ID"] = tenant["tenant_id"]
        return request

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        if context is None:  # pragma: no cover - the parent always passes a tenant
            return
        report = self.runtime.report.tenant(context["tenant_id"])
        known = self.get_context_state(context).setdefault(KNOWN_USERS, {})
        tracker = ChangeTracker(known, strict=self.runtime.strict, now=datetime.now(timezone.utc))
        report.counts = tracker.counts
        try:
            for user in self.request_records(context):
                outcome = tracker.observe(user)
                if isinstance(outcome, Emit):
                    yield outcome.record
                    tracker.commit(outcome)  # only now: the RECORD has been written
                elif outcome is not None:
                    self.logger.warning(
                        "%s: skipped user %s: %s",
                        report.label,
                        outcome.user_id or "(no id)",
                        outcome.reason,
                    )
        except ForbiddenError as exc:
            tracker.abandon()
            report.outcome, report.reason = Outcome.FORBIDDEN, "HTTP 403, skipped"
            self.logger.warning(
                "%s: skipped: %s (a trial or unmanaged tenant, or no Partner Assistance?)",
                report.label,
                exc,
            )
            return
        except _TENANT_ERRORS as exc:
            tracker.abandon()
            report.outcome, report.reason = Outcome.FAILED, one_line(exc)
            self.logger.error("%s failed: %s", report.label, one_line(exc))  # noqa: TRY400
            return
        if tracker.finish():
            self.state_manager.is_flushed = False  # deletions changed the state
        report.outcome = Outcome.COMPLETE

    @override
    def _process_record(
        self,
        record: Record,
        child_context: Context | None = None,
        partition_context: Context | None = None,
    ) -> None:
        """Keep the record pure OCSF.

        The SDK's version copies the partition keys (``tenant_id``) into the record and
        syncs child streams; ``users`` has no children, so nothing is left to do.
        """

    @cached_property
    def _one_step_writer(self) -> BufferedSingerWriter | None:
        """The writer, when records go out exactly as built: no deselection, map or flattening."""
        writer = self._tap.message_writer
        maps = self.stream_maps
        plain = (
            all(self.mask.values())
            and len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and not maps[0].flattening_enabled
            and maps[0].stream_alias == self.name
            and self._stream_version is None
        )
        return writer if plain and isinstance(writer, BufferedSingerWriter) else None

    @override
    def _write_record_message(self, record: Record) -> None:
        """Write a plain record in one step; anything else takes the SDK's path.

        The SDK's path walks every record for property selection and type conformance
        and builds a message object before encoding it. When nothing is deselected or
        mapped, that work changes nothing (the OCSF record already has the schema's JSON
        types), and the bytes written are the same.
        """
        writer = self._one_step_writer
        if writer is None:
            super()._write_record_message(record)
            return
        writer.write_record(self.name, record, utc_now())
        self.state_manager.is_flushed = False

    @override
    def _write_state_message(self) -> None:
        """Write STATE at most every ``STATE_INTERVAL_SECONDS``, and always when finalizing.

        The SDK writes the whole tap state after every tenant, which is quadratic in the
        number of tenants. A skipped write leaves the stream unflushed, so the next call
        writes; a kill re-emits users since the last STATE, it never loses one.
        """
        now = time.monotonic()
        if self._finalizing or now - self._last_state_write >= self.STATE_INTERVAL_SECONDS:
            super()._write_state_message()
            self._last_state_write = now

    @override
    def finalize_state_progress_markers(self, state: dict[str, Any] | None = None) -> None:
        self._finalizing = True
        super().finalize_state_progress_markers(state)
