"""The load test, start to finish: PostgreSQL + Redis + gunicorn on 127.0.0.1, locust twice.

    .venv/bin/python bench/load/run_load.py [--size 0.3] [--users 50,200] [--duration 60]

1. (re)creates the database ``districtops_load`` on 127.0.0.1:5432 (user postgres, trust),
   migrates, loads the demo and ``generate-scale --size``;
2. creates API tokens for leaders, staff with open matters and statisticians (prepare.py);
3. starts gunicorn (``--workers`` processes × 4 threads, production settings, Redis cache) and
   reads every endpoint a few times, so that the workers have loaded their code;
4. runs locust headless for ``--duration`` seconds at each user count, one after the other;
5. stops gunicorn and prints throughput, p50/p95/p99, errors and the load average per run,
   then counts the writes the load test sent, by what came back, against the rows in the
   database: every accepted write stored, the rows beyond them only from sends whose answer
   the client never saw (see prepare.py verify).

Only 127.0.0.1 is contacted. Every step has a time limit; the servers are stopped on any exit.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
DB_NAME = "districtops_load"


def run(cmd, env, timeout, **kwargs):
    print("$", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, timeout=timeout, **kwargs)


def recreate_database():
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def wait_for(url: str, seconds: int = 60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {seconds}s")


def warm_up(port: int, personas: Path, rounds: int = 6):
    """Read every endpoint a few times before measuring, so that each gunicorn worker has loaded
    its code (URL resolvers, API schemas, lazy imports): the first request of a worker takes
    seconds and would otherwise count in the first run's p95. Reads only: no write to count."""
    data = json.loads(personas.read_text())
    leader, staff = data["leaders"][0], data["staff"][0]
    paths = [
        (leader, f"/api/v1/cockpit/{leader['district']}"),
        (leader, f"/api/v1/cockpit/{leader['district']}?period=2021-02"),
        (staff, "/api/v1/supervision/todo"),
        (staff, "/api/v1/supervision/todo/lead?limit=20"),
        (staff, f"/api/v1/supervision/matters/{staff['matters'][0]}"),
    ]
    if data["statisticians"]:
        paths.append((data["statisticians"][0], "/api/v1/economy/indicators"))
    for _ in range(rounds):
        for persona, path in paths:
            request = urllib.request.Request(  # noqa: S310 - loopback only
                f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {persona['token']}"}
            )
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()


def locust_figures(prefix: Path) -> dict:
    with open(f"{prefix}_stats.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    per_endpoint = {
        r["Name"]: {"n": int(r["Request Count"]), "p95": r["95%"], "fail": int(r["Failure Count"])}
        for r in rows
        if r["Name"] != "Aggregated"
    }
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50": total["50%"],
        "p95": total["95%"],
        "p99": total["99%"],
        "endpoints": per_endpoint,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=float, default=0.3, help="generate-scale factor (1.0 = city scale)")
    parser.add_argument("--users", default="50,200")
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-data", action="store_true", help="reuse the database of the last run")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="districtops-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"),
        "DJANGO_SETTINGS_MODULE": "districtops.settings",
        "DISTRICTOPS_TODAY": "2021-03-31",
        "DISTRICTOPS_PRODUCTION": "1",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; TLS ends at the proxy in production
        "SECRET_KEY": "load-test-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_CONN_MAX_AGE": "60",
        "DISTRICTOPS_VAR": str(work / "var"),
    }
    started = time.time()
    if not args.skip_data:
        recreate_database()
        run([PYTHON, "manage.py", "migrate", "-v", "0"], env, 600)
        run([PYTHON, "manage.py", "demo"], env, 900, stdout=subprocess.DEVNULL)
        run([PYTHON, "manage.py", "generate-scale", "--size", str(args.size)], env, 1800)
    personas = work / "personas.json"
    persona_counts = (
        run(
            [PYTHON, str(HERE / "prepare.py"), "personas", str(personas)],
            env,
            300,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print("setup", f"{time.time() - started:.0f}s; load average before the runs {before}", flush=True)
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "districtops.wsgi", "-b", f"127.0.0.1:{args.port}", "-w", str(args.workers),
         "-k", "gthread", "--threads", "4", "--timeout", "60", "--log-level", "warning",
         # Longer than the users' think time (at most 5 s): with gunicorn's default 2 s the server
         # closes idle keep-alive connections just as a client reuses them (connection resets).
         "--keep-alive", "10"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    results = {}
    mark = run(
        [PYTHON, str(HERE / "prepare.py"), "mark"], env, 120, capture_output=True, text=True
    ).stdout.split()[-1]
    try:
        wait_for(f"http://127.0.0.1:{args.port}/healthz")
        warm_up(args.port, personas)
        for users in [int(u) for u in args.users.split(",")]:
            prefix = work / f"u{users}"
            run(
                [str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(users),
                 "-r", str(max(10, users // 5)), "-t", f"{args.duration}s", "--host", f"http://127.0.0.1:{args.port}",
                 "--csv", str(prefix), "--only-summary", "--stop-timeout", "10", "--exit-code-on-error", "0"],
                {**env, "LOAD_PERSONAS": str(personas), "LOAD_WRITES": f"{prefix}_writes.json"},
                args.duration + 120, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            results[users] = locust_figures(prefix)
            results[users]["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    merged: dict = {"progress": {}, "imports": {}}
    for users in results:
        data = json.loads((work / f"u{users}_writes.json").read_text())
        for outcome, per_matter in data["progress"].items():
            into = merged["progress"].setdefault(outcome, {})
            for matter, n in per_matter.items():
                into[matter] = into.get(matter, 0) + n
        for key, n in data["imports"].items():
            merged["imports"][key] = merged["imports"].get(key, 0) + n
    writes = work / "writes.json"
    writes.write_text(json.dumps(merged))
    check = subprocess.run(
        [PYTHON, str(HERE / "prepare.py"), "verify", str(writes), mark],
        cwd=ROOT, env=env, check=True, timeout=300, capture_output=True, text=True,
    )  # fmt: skip
    verdict = json.loads(check.stdout.strip().splitlines()[-1])
    print()
    data = "data of the previous run" if args.skip_data else f"generate-scale --size {args.size}"
    print(f"Load test: gunicorn {args.workers}×4 threads, PostgreSQL, Redis, {data}; {os.cpu_count()} CPUs")
    print(f"  load average before the runs: {before}")
    print(f"  personas: {persona_counts}")
    for users, r in results.items():
        print(
            f"  {users:>4} users, {args.duration}s: {r['requests']} requests, {r['rps']:.1f} req/s, "
            f"p50 {r['p50']} ms, p95 {r['p95']} ms, p99 {r['p99']} ms, errors {r['failures']}; "
            f"load average at the end {r['load']}"
        )
        for name, e in sorted(r["endpoints"].items()):
            print(f"         {name:<45} n={e['n']:<6} p95 {e['p95']} ms  errors {e['fail']}")
    v = verdict
    print(
        f"  progress reports sent {v['sent']}: {v['accepted']} answered 200, {v['refused_conflicts']} refused "
        f"as conflicts (409), {v['failed']} other HTTP errors, {v['unanswered']} without an answer, "
        f"{v['cut_off']} cut off when locust stopped"
    )
    print(
        f"  database: {v['stored']} event rows = {v['accepted'] - v['lost']} of the 200s + {v['unacknowledged']} "
        f"whose answer the client never saw (or saw an error) + {v['extra']} nobody sent; "
        f"lost {v['lost']} {v['lost_examples'] or ''}{v['extra_examples'] or ''}"
    )
    print(
        f"  imports sent {v['imports_sent']}: {v['imports_accepted']} accepted ({v['import_rows_sent']} rows), "
        f"{v['imports_refused']} refused or failed, {v['imports_unanswered']} without an answer or cut off; database: "
        f"{v['imports_stored']} batches ({v['import_rows_stored']} rows), lost {v['imports_lost']}, "
        f"extra {v['imports_extra']}; {v['figures_held']} figures held now (later files replace the same month)"
    )
    lost = v["lost"] or v["extra"] or v["imports_lost"] or v["imports_extra"]
    lost = lost or v["import_rows_sent"] > v["import_rows_stored"]
    print("  WRITES LOST OR UNACCOUNTED FOR" if lost else "  no write lost, none unaccounted for")
    print(f"  total {time.time() - started:.0f}s; files in {work}")


if __name__ == "__main__":
    main()
