"""A local emulator of the Sophos Central APIs the tap uses (token, whoami, tenants, users).

Used by the tap's tests, benchmarks and demo; see ``sophos-central-emulator --help``.
"""

from tap_sophos_users.emulator.data import (
    CLIENT_IDS,
    CLIENT_SECRETS,
    ORGANIZATION_ID,
    PARTNER_ID,
    SHAPES,
    Credential,
    Dataset,
    Tenant,
    generate_dataset,
)
from tap_sophos_users.emulator.emulator import Emulator
from tap_sophos_users.emulator.faults import Faults
from tap_sophos_users.emulator.requestlog import LoggedRequest, minimum_requests

__all__ = [
    "CLIENT_IDS",
    "CLIENT_SECRETS",
    "ORGANIZATION_ID",
    "PARTNER_ID",
    "SHAPES",
    "Credential",
    "Dataset",
    "Emulator",
    "Faults",
    "LoggedRequest",
    "Tenant",
    "generate_dataset",
    "minimum_requests",
]
