"""Shared fixtures: the project's Sophos Central emulator, and a way to run the tap for real."""

from __future__ import annotations

pytest_plugins = ["tap_sophos_users.emulator.pytest_plugin"]
