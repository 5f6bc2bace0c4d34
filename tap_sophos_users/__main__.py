"""``python -m tap_sophos_users``: the same as the ``tap-sophos-users`` command."""

from tap_sophos_users.tap import main

main()
