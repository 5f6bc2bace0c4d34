"""``python -m tap_sophos_users.emulator`` runs the CLI."""

from tap_sophos_users.emulator.cli import main

raise SystemExit(main())
