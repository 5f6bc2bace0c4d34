"""What happened to each tenant in a run, for the closing summary and the exit status."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum

from tap_sophos_users.known_users import TenantCounts


class Outcome(str, Enum):
    """How a tenant's listing ended."""

    PENDING = "pending"
    COMPLETE = "complete"
    FORBIDDEN = "forbidden"
    FAILED = "failed"


@dataclass
class TenantReport:
    """One tenant's line in the summary."""

    tenant_id: str
    name: str | None
    outcome: Outcome = Outcome.PENDING
    reason: str | None = None
    counts: TenantCounts = field(default_factory=TenantCounts)

    @property
    def label(self) -> str:
        return f"tenant {self.tenant_id} ({self.name})" if self.name else f"tenant {self.tenant_id}"


class RunReport:
    """Per-tenant outcomes and counts, shared by the streams of one run."""

    def __init__(self) -> None:
        self.tenants: dict[str, TenantReport] = {}

    def tenant(self, tenant_id: str, name: str | None = None) -> TenantReport:
        """The report of a tenant, created on first sight."""
        report = self.tenants.get(tenant_id)
        if report is None:
            report = self.tenants[tenant_id] = TenantReport(tenant_id, name)
        elif name and not report.name:
            report.name = name
        return report

    def tenant_label(self, tenant_id: str) -> str:
        """``tenant <id> (<name>)`` for messages."""
        return self.tenant(tenant_id).label

    @property
    def failed(self) -> list[TenantReport]:
        """Tenants whose users could not be read (403s are warnings, not failures)."""
        return [t for t in self.tenants.values() if t.outcome is Outcome.FAILED]

    def log_summary(self, logger: logging.Logger) -> None:
        """One line per tenant: users listed, emitted, unchanged and invalid."""
        for report in self.tenants.values():
            if report.outcome is Outcome.PENDING:
                continue
            counts = report.counts
            line = (
                f"Summary: {report.label}: {report.outcome.value}; users listed "
                f"{counts.listed}, emitted {counts.emitted}, skipped unchanged "
                f"{counts.unchanged}, skipped invalid {counts.invalid}"
            )
            if report.reason:
                line += f"; {report.reason}"
            level = logging.ERROR if report.outcome is Outcome.FAILED else logging.INFO
            logger.log(level, "%s", line)

    def failure_message(self) -> str | None:
        """The closing error of a run with failed tenants, or None."""
        failed = self.failed
        if not failed:
            return None
        names = "; ".join(f"{t.label}: {t.reason}" for t in failed)
        return (
            f"{len(failed)} of {len(self.tenants)} tenants failed and were left for the next "
            f"run (their state is unchanged): {names}"
        )
