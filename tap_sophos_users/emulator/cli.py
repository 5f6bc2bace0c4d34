"""Command line: ``serve`` (default), ``mutate`` a running emulator, ``dump`` a dataset.

``serve`` exists for out-of-process use (``make demo``): it prints one ready line with
the URLs (never the secret), can write the tap config to a file, and exits cleanly on
SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, cast

import orjson

from tap_sophos_users.emulator.data import (
    CREDENTIAL_KINDS,
    SHAPES,
    CredentialKind,
    Dataset,
    generate_dataset,
)
from tap_sophos_users.emulator.emulator import Emulator
from tap_sophos_users.emulator.faults import MALFORMED_KINDS, Faults

PROG = "sophos-central-emulator"
SUBCOMMANDS = ("serve", "mutate", "dump")


def _counts(raw: str) -> int | list[int]:
    """``30`` for every tenant, or ``0,1,100`` for one count per tenant."""
    try:
        parts = [int(p) for p in raw.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a count or a list of counts: {raw!r}") from None
    return parts[0] if "," not in raw else parts


def _data_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("generated data")
    group.add_argument("--seed", type=int, default=0, help="generator seed (default: 0)")
    group.add_argument(
        "--regions",
        default="eu01,us03",
        help="comma-separated data regions, one port each (default: eu01,us03)",
    )
    group.add_argument(
        "--tenants-per-region", type=int, default=2, help="tenants in each region (default: 2)"
    )
    group.add_argument(
        "--users-per-tenant",
        type=_counts,
        default=30,
        help="users per tenant, or a comma-separated count per tenant in creation order "
        "(default: 30)",
    )
    group.add_argument(
        "--credential-kind",
        choices=CREDENTIAL_KINDS,
        help="the default credential's kind (default: partner, or the --data file's); "
        "all three kinds always exist",
    )
    return parent


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Local emulator of the Sophos Central APIs used by tap-sophos-users: "
        "a global host (token, whoami, tenant listings) and one port per data region "
        "(directory users). Without a subcommand, 'serve' runs.",
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="store_true", help="show every option and exit")
    sub = parser.add_subparsers(dest="command", metavar="{serve,mutate,dump}")
    data = _data_options()

    serve = sub.add_parser(
        "serve", parents=[data], help="run the emulator until SIGINT/SIGTERM", prog=f"{PROG} serve"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=0, help="global host port; 0 picks a free one (default: 0)"
    )
    serve.add_argument(
        "--data", type=Path, help="load the dataset from this JSON file instead of generating"
    )
    serve.add_argument(
        "--token-ttl", type=float, default=3600.0, help="token lifetime, seconds (default: 3600)"
    )
    serve.add_argument(
        "--forbidden-tenant",
        action="append",
        default=[],
        metavar="ID",
        help="tenant id or name listed but answering 403 on users (repeatable)",
    )
    serve.add_argument(
        "--config-out",
        type=Path,
        help="write the tap config JSON (with the secret) here once bound",
    )
    faults = serve.add_argument_group("faults (all off by default)")
    faults.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    faults.add_argument(
        "--throttle-every", type=int, default=0, help="answer 429 to every Nth matching request"
    )
    faults.add_argument(
        "--retry-after", type=float, help="Retry-After seconds on those 429s (default: none)"
    )
    faults.add_argument(
        "--rate-limit",
        action="store_true",
        help="enforce 10 requests/s and 100/min per credential with real 429s",
    )
    faults.add_argument(
        "--rate-limit-per-second",
        type=int,
        default=10,
        help="--rate-limit: requests per second per credential (default: 10)",
    )
    faults.add_argument(
        "--rate-limit-per-minute",
        type=int,
        default=100,
        help="--rate-limit: requests per minute per credential (default: 100)",
    )
    faults.add_argument(
        "--rate-limit-retry-after",
        action="store_true",
        help="--rate-limit: send Retry-After with the real wait on its 429s",
    )
    faults.add_argument(
        "--error-every", type=int, default=0, help="answer --error-status to every Nth request"
    )
    faults.add_argument(
        "--error-status",
        type=int,
        default=503,
        help="status of injected errors, e.g. 500, 502, 503 (default: 503)",
    )
    faults.add_argument(
        "--malformed-every", type=int, default=0, help="damage every Nth matching response"
    )
    faults.add_argument(
        "--malformed-kind",
        choices=MALFORMED_KINDS,
        default="truncated",
        help="how responses are damaged (default: truncated)",
    )
    faults.add_argument(
        "--fault-path-prefix",
        help="apply faults only to paths starting with this, e.g. /common/v1/directory/users",
    )

    mutate = sub.add_parser(
        "mutate", help="change the data of a running emulator", prog=f"{PROG} mutate"
    )
    mutate.add_argument("--url", required=True, help="the running emulator's global URL")
    mutate.add_argument("--touch", type=int, default=0, help="set updatedAt=now on N oldest users")
    mutate.add_argument("--add", type=int, default=0, help="add N generated users")
    mutate.add_argument("--delete", type=int, default=0, help="delete the N newest users")
    mutate.add_argument("--tenant-id", help="tenant to change (default: the first)")
    mutate.add_argument("--remove-tenant", metavar="ID", help="remove this tenant")
    mutate.add_argument("--forbid", metavar="ID", help="make this tenant answer 403")
    mutate.add_argument("--revoke-tokens", action="store_true", help="invalidate every token")

    dump = sub.add_parser(
        "dump", parents=[data], help="write a generated dataset as JSON", prog=f"{PROG} dump"
    )
    dump.add_argument("--out", type=Path, required=True, help="output JSON file")
    parser.epilog = f"User shapes generated: {', '.join(SHAPES)}."
    return parser


def _full_help(parser: argparse.ArgumentParser) -> str:
    """The top-level help followed by every subcommand's, so --help documents every option."""
    parts = [parser.format_help()]
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        choices = cast("dict[str, argparse.ArgumentParser]", action.choices or {})
        parts.extend(
            f"\n{'=' * 8} {name} {'=' * 8}\n{p.format_help()}" for name, p in choices.items()
        )
    return "".join(parts)


def _dataset(args: argparse.Namespace) -> Dataset:
    if getattr(args, "data", None):
        dataset = Dataset.from_json(args.data)
        if args.credential_kind:
            dataset.credential_kind = cast("CredentialKind", args.credential_kind)
        return dataset
    regions = tuple(r.strip() for r in args.regions.split(",") if r.strip())
    return generate_dataset(
        seed=args.seed,
        regions=regions,
        tenants_per_region=args.tenants_per_region,
        users_per_tenant=args.users_per_tenant,
        credential_kind=cast("CredentialKind", args.credential_kind or "partner"),
    )


def _resolve_tenant(dataset: Dataset, ref: str) -> str:
    if ref in dataset.tenants:
        return ref
    for tenant in dataset.tenants.values():
        if tenant.fields.get("name") == ref:
            return tenant.id
    raise SystemExit(f"{PROG}: no tenant with id or name {ref!r}")


def _serve(args: argparse.Namespace) -> int:
    dataset = _dataset(args)
    faults = Faults(
        latency=args.latency,
        throttle_every=args.throttle_every,
        retry_after=args.retry_after,
        rate_limit=args.rate_limit,
        rate_limit_per_second=args.rate_limit_per_second,
        rate_limit_per_minute=args.rate_limit_per_minute,
        rate_limit_retry_after=args.rate_limit_retry_after,
        error_every=args.error_every,
        error_status=args.error_status,
        malformed_every=args.malformed_every,
        malformed_kind=args.malformed_kind,
        path_prefix=args.fault_path_prefix,
    )
    forbidden = [_resolve_tenant(dataset, ref) for ref in args.forbidden_tenant]
    emulator = Emulator(
        dataset, token_ttl=args.token_ttl, faults=faults, host=args.host, port=args.port
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    emulator.start()
    try:
        for tenant_id in forbidden:
            emulator.set_forbidden(tenant_id)
        if args.config_out:
            args.config_out.write_bytes(
                orjson.dumps(emulator.tap_config(), option=orjson.OPT_INDENT_2)
            )
        regions = ",".join(f"{r}={u}" for r, u in emulator.region_urls.items())
        users = sum(len(t.users) for t in dataset.tenants.values())
        print(
            f"{PROG} ready global={emulator.global_url} token_url={emulator.token_url} "
            f"regions={regions} kind={dataset.credential_kind} "
            f"client_id={dataset.default_credential.client_id} "
            f"tenants={len(dataset.tenants)} users={users}",
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


def _mutate(args: argparse.Namespace) -> int:
    spec: dict[str, Any] = {"touch": args.touch, "add": args.add, "delete": args.delete}
    options = {
        "tenant_id": args.tenant_id,
        "remove_tenant": args.remove_tenant,
        "forbid": args.forbid,
    }
    spec.update({key: value for key, value in options.items() if value})
    if args.revoke_tokens:
        spec["revoke_tokens"] = True
    url = args.url.rstrip("/") + "/_emulator/mutate"
    if not url.startswith(("http://", "https://")):
        raise SystemExit(f"{PROG}: --url must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=orjson.dumps(spec), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            sys.stdout.write(response.read().decode() + "\n")
    except urllib.error.HTTPError as exc:
        sys.stderr.write(f"{PROG}: mutate failed: {exc.code} {exc.read().decode()}\n")
        return 1
    except urllib.error.URLError as exc:
        sys.stderr.write(f"{PROG}: cannot reach {args.url}: {exc.reason}\n")
        return 1
    return 0


def _dump(args: argparse.Namespace) -> int:
    dataset = _dataset(args)
    dataset.to_json(args.out)
    users = sum(len(t.users) for t in dataset.tenants.values())
    sys.stdout.write(f"wrote {len(dataset.tenants)} tenants, {users} users to {args.out}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sophos-central-emulator``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    if args_list in (["-h"], ["--help"]):
        sys.stdout.write(_full_help(parser))
        return 0
    if not args_list or args_list[0] not in SUBCOMMANDS:
        args_list.insert(0, "serve")
    args = parser.parse_args(args_list)
    if args.command == "mutate":
        return _mutate(args)
    if args.command == "dump":
        return _dump(args)
    try:
        return _serve(args)
    except (OSError, ValueError) as exc:
        _fail(str(exc))


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"{PROG}: {message}\n")
    raise SystemExit(2)
