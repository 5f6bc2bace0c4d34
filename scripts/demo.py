"""``make demo``: the tap under Meltano against the bundled Sophos Central emulator.

1. Start ``sophos-central-emulator serve`` (partner credential, 3 regions, 6 tenants, 360 users)
   as a separate process and wait for its ready line.
2. Run 1, fresh state: ``meltano --environment=demo run tap-sophos-users target-jsonl``.
3. Mutate the emulator (touch 3, add 2, delete 1) and run again: only the 5 changed users come out.
4. Show the saved state (``known_users`` per tenant partition).
5. ``--full-refresh`` into DuckDB (target-duckdb) and query users per tenant and account type.

The emulator is stopped on exit, Ctrl-C and SIGTERM. Run with the tap's venv python after
``make install meltano-install``; ``make demo`` does all of that.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MELTANO = ROOT / ".venv-meltano" / "bin" / "meltano"
EMULATOR = Path(sys.executable).parent / "sophos-central-emulator"
DUCKDB_PYTHON = ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
OUTPUT = ROOT / "output"
DUCKDB_FILE = OUTPUT / "warehouse.duckdb"  # meltano.yml: target-duckdb filepath
STATE_ID = "demo:tap-sophos-users-to-target-jsonl"
READY_TIMEOUT = 60.0
EMULATOR_ARGS = [
    "serve",
    "--credential-kind", "partner",
    "--regions", "eu01,us03,eu02",
    "--tenants-per-region", "2",
    "--users-per-tenant", "60",
    "--seed", "42",
    "--port", "0",
]  # fmt: skip
MUTATION = {"touch": 3, "add": 2, "delete": 1}

DUCKDB_QUERY = """
select t.showAs as tenant,
       u."user"->>'$.account.type' as account_type,
       count(*) as users
from sophos.users u
join sophos.tenants t on t.id = (u."user"->>'$.org.uid')
group by all
order by tenant, account_type
"""


class DemoError(Exception):
    """A step failed; the message says which and where its log is."""


def say(text: str = "") -> None:
    print(text, flush=True)


def step(title: str) -> None:
    say(f"\n==> {title}")


def start_emulator(workdir: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any], str]:
    config_out = workdir / "emulator-config.json"
    log = workdir / "emulator.log"
    cmd = [str(EMULATOR), *EMULATOR_ARGS, "--config-out", str(config_out)]
    say("$ " + " ".join(cmd))
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        ready = next((ln for ln in text.splitlines() if " ready " in ln), None)
        if ready:
            say(ready)
            config = json.loads(config_out.read_text())
            global_url = ready.split("global=", 1)[1].split()[0]
            return proc, config, global_url
        if proc.poll() is not None:
            raise DemoError(f"the emulator exited with {proc.returncode}:\n{text}")
        time.sleep(0.1)
    proc.terminate()
    raise DemoError(f"the emulator was not ready after {READY_TIMEOUT:.0f}s; see {log}")


def stop_emulator(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    say(f"emulator (pid {proc.pid}) stopped")


def run(cmd: list[str], env: dict[str, str], log: Path, *, show: bool = True) -> str:
    """Run a command, its stderr (Meltano's log) to ``log``; return stdout."""
    if show:
        say("$ " + " ".join(str(c) for c in cmd))
    started = time.monotonic()
    with log.open("ab") as sink:
        result = subprocess.run(  # noqa: S603
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=sink, check=False
        )
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
        raise DemoError(f"{cmd[0]} exited with {result.returncode} ({log}); last lines:\n{tail}")
    if show:
        say(f"   ok in {time.monotonic() - started:.1f}s")
    return result.stdout.decode()


def meltano(*args: str, env: dict[str, str], log: Path, show: bool = True) -> str:
    return run([str(MELTANO), *args], env, log, show=show)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def clear_jsonl() -> None:
    for name in ("tenants.jsonl", "users.jsonl"):
        (OUTPUT / name).unlink(missing_ok=True)


def summarize(run_name: str) -> list[dict[str, Any]]:
    tenants = read_jsonl(OUTPUT / "tenants.jsonl")
    users = read_jsonl(OUTPUT / "users.jsonl")
    per_tenant: dict[str, int] = {}
    for record in users:
        org = (record.get("user") or {}).get("org") or {}
        per_tenant[org.get("uid", "?")] = per_tenant.get(org.get("uid", "?"), 0) + 1
    names = {t["id"]: t.get("showAs") or t.get("name") or t["id"] for t in tenants}
    say(f"{run_name}: {len(tenants)} tenants, {len(users)} users written")
    for org, count in sorted(per_tenant.items(), key=lambda kv: names.get(kv[0], kv[0])):
        say(f"   {names.get(org, org):<18} {count:>4} users")
    say(f"   files: {OUTPUT / 'tenants.jsonl'}, {OUTPUT / 'users.jsonl'}")
    return users


def mutate(global_url: str, env: dict[str, str], log: Path) -> dict[str, Any]:
    cmd = [str(EMULATOR), "mutate", "--url", global_url]
    for key, value in MUTATION.items():
        cmd += [f"--{key}", str(value)]
    out = run(cmd, env, log)
    say("   " + out.strip())
    try:
        parsed: dict[str, Any] = json.loads(out)
    except json.JSONDecodeError:
        return {}
    return parsed


def _ids(value: Any) -> set[str]:
    """User ids out of the mutate answer, whatever its exact shape."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {i for v in value for i in _ids(v)}
    if isinstance(value, dict):
        return {i for v in value.values() for i in _ids(v)}
    return set()


def show_state(env: dict[str, str], log: Path) -> None:
    out = meltano("--environment=demo", "state", "get", STATE_ID, env=env, log=log)
    state = json.loads(out)
    partitions = state["singer_state"]["bookmarks"]["users"]["partitions"]
    say(f"   singer_state.bookmarks.users: {len(partitions)} partitions; known_users per tenant:")
    for partition in partitions:
        known = partition.get("known_users") or {}
        tenant = partition.get("context", {}).get("tenant_id", "?")
        say(f"   tenant_id={tenant}  known_users: {len(known)} entries")
    first = partitions[0] if partitions else {}
    excerpt = dict(first)
    known = excerpt.get("known_users") or {}
    excerpt["known_users"] = dict(list(known.items())[:2]) | (
        {"...": f"{len(known) - 2} more"} if len(known) > 2 else {}
    )
    say(textwrap.indent(json.dumps(excerpt, indent=2), "   "))


DUCKDB_COUNT = """
select count(*) as users, count(distinct "user"->>'$.uid') as distinct_uids from sophos.users
"""
# Runs in the loader's venv, which has the duckdb package target-duckdb wrote the file with.
DUCKDB_SCRIPT = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
for query in sys.argv[2:]:
    print(con.sql(query))
"""


def duckdb_query(*queries: str) -> str:
    result = subprocess.run(  # noqa: S603
        [str(DUCKDB_PYTHON), "-c", DUCKDB_SCRIPT, str(DUCKDB_FILE), *queries],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DemoError(f"the DuckDB query failed:\n{result.stderr}")
    return result.stdout


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def check_run2(
    first: list[dict[str, Any]], second: list[dict[str, Any]], answer: dict[str, Any]
) -> None:
    emitted = {r["user"]["uid"] for r in second}
    changed = _ids({k: v for k, v in answer.items() if k in ("touched", "added")})
    total = len(first) + MUTATION["add"] - MUTATION["delete"]
    say(
        f"   run 2 emitted {len(second)} of {total} users: the {MUTATION['touch']} touched"
        f" + {MUTATION['add']} added (deleted users leave known_users; they are not emitted)"
    )
    if changed and emitted != changed:
        raise DemoError(f"run 2 emitted {sorted(emitted)}, expected {sorted(changed)}")
    if len(second) != MUTATION["touch"] + MUTATION["add"]:
        raise DemoError(f"run 2 emitted {len(second)} users, expected 5")


def incremental_runs(global_url: str, env: dict[str, str], log: Path) -> None:
    step(f"Run 1: fresh state ({STATE_ID}), everything is new")
    meltano("--environment=demo", "state", "clear", "--force", STATE_ID, env=env, log=log)
    OUTPUT.mkdir(exist_ok=True)
    clear_jsonl()
    meltano("--environment=demo", "run", "tap-sophos-users", "target-jsonl", env=env, log=log)
    first = summarize("run 1")

    step("Mutating the emulator: touch 3, add 2, delete 1 (first tenant)")
    answer = mutate(global_url, env, log)

    step("Run 2: incremental, from the saved state")
    clear_jsonl()
    meltano("--environment=demo", "run", "tap-sophos-users", "target-jsonl", env=env, log=log)
    check_run2(first, summarize("run 2"), answer)

    step(f"Saved state: meltano state get {STATE_ID}")
    show_state(env, log)


def load_duckdb(env: dict[str, str], log: Path) -> None:
    step("Full refresh into DuckDB (target-duckdb)")
    DUCKDB_FILE.unlink(missing_ok=True)
    meltano(
        "--environment=demo",
        "run",
        "tap-sophos-users",
        "target-duckdb",
        "--full-refresh",
        env=env,
        log=log,
    )
    say(f"$ {DUCKDB_PYTHON.relative_to(ROOT)}  # import duckdb; con.sql(...)")
    say(textwrap.indent(DUCKDB_QUERY.strip(), "   "))
    say(duckdb_query(DUCKDB_QUERY, DUCKDB_COUNT).rstrip())
    say(f"   database: {DUCKDB_FILE} (schema sophos, tables tenants and users)")


def demo_env(config: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_SOPHOS_USERS_")}
    env |= {
        "TAP_SOPHOS_USERS_API_HOST": config["api_host"],
        "TAP_SOPHOS_USERS_OAUTH2_AUTHORIZATION_URL": config["oauth2_authorization_url"],
        "TAP_SOPHOS_USERS_CLIENT_ID": config["client_id"],
        "TAP_SOPHOS_USERS_CLIENT_SECRET": config["client_secret"],
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    say("exported TAP_SOPHOS_USERS_{API_HOST,OAUTH2_AUTHORIZATION_URL,CLIENT_ID,CLIENT_SECRET}")
    return env


def main() -> int:
    for tool in (MELTANO, EMULATOR, DUCKDB_PYTHON):
        if not tool.exists():
            say(f"missing {tool}: run `make install meltano-install` (or just `make demo`)")
            return 2
    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGHUP, on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="tap-sophos-demo-"))
    log = workdir / "meltano.log"
    proc: subprocess.Popen[bytes] | None = None
    started = time.monotonic()
    try:
        step("Starting the Sophos Central emulator")
        proc, config, global_url = start_emulator(workdir)
        env = demo_env(config)
        say(f"Meltano's log: {log}")
        incremental_runs(global_url, env, log)
        load_duckdb(env, log)
    except DemoError as exc:
        say(f"\ndemo failed: {exc}")
        return 1
    except KeyboardInterrupt:
        say("\ninterrupted")
        return 130
    finally:
        stop_emulator(proc)
    say(f"\ndemo finished in {time.monotonic() - started:.1f}s; logs in {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
