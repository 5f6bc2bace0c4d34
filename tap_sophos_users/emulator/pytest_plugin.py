"""Pytest fixtures that start emulators and always stop them.

Load with ``pytest_plugins = ["tap_sophos_users.emulator.pytest_plugin"]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import pytest

from tap_sophos_users.emulator.data import Dataset, generate_dataset
from tap_sophos_users.emulator.emulator import Emulator


class EmulatorFactory(Protocol):
    """``factory(dataset=None, **emulator_kwargs)`` returns a started :class:`Emulator`."""

    def __call__(self, dataset: Dataset | None = None, **kwargs: Any) -> Emulator: ...


@pytest.fixture
def sophos_emulator_factory() -> Iterator[EmulatorFactory]:
    """Start emulators on demand (default dataset when none is given); stop all at teardown."""
    started: list[Emulator] = []

    def factory(dataset: Dataset | None = None, **kwargs: Any) -> Emulator:
        emulator = Emulator(dataset if dataset is not None else default_dataset(), **kwargs)
        started.append(emulator.start())
        return emulator

    yield factory
    for emulator in started:
        emulator.stop()


def default_dataset() -> Dataset:
    """Partner credential, regions eu01 and us03, two tenants each, 30 users per tenant."""
    return generate_dataset(
        seed=1, regions=("eu01", "us03"), tenants_per_region=2, users_per_tenant=30
    )


@pytest.fixture
def sophos_emulator(sophos_emulator_factory: EmulatorFactory) -> Emulator:
    """A started emulator over :func:`default_dataset`."""
    return sophos_emulator_factory(default_dataset())
