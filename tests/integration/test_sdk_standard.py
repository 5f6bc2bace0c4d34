"""singer-sdk's standard tap tests, pointed at the emulator over HTTP."""

from __future__ import annotations

import atexit

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_sophos_users.emulator import Emulator, generate_dataset
from tap_sophos_users.tap import TapSophosUsers
from tests.tapctl import FAST

# The test class is built at import time (it lists the streams), so the emulator must be
# up before it; the config holds only loopback URLs and the emulator's own demo credential.
_EMULATOR = Emulator(
    generate_dataset(seed=17, regions=("eu01", "us03"), tenants_per_region=2, users_per_tenant=12)
).start()
atexit.register(_EMULATOR.stop)

TestTapSophosUsers = get_tap_test_class(
    TapSophosUsers,
    config={**FAST, **_EMULATOR.tap_config()},
    parse_env_config=False,
    suite_config=SuiteConfig(max_records_limit=20),
)
