"""tap-sophos-users: Sophos Central directory users as OCSF 1.6.0 User Inventory Info records."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tap-sophos-users")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
