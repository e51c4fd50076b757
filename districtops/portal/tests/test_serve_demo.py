"""`districtops serve-demo`: the server and the job worker live and die together."""

import importlib
import os
import subprocess
import sys


def test_the_worker_is_the_one_worker_command():
    from django.core.management import get_commands

    module = importlib.import_module("districtops.portal.management.commands.serve-demo")
    assert module.worker_command() == ["worker"] and "worker" in get_commands()


def test_when_the_server_cannot_start_the_worker_is_stopped_too(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": ""}
    done = subprocess.run(
        [sys.executable, "-m", "districtops.cli", "serve-demo", "127.0.0.1:not-a-port"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "server exited" in done.stderr and "serve-demo: stopped" in done.stdout
    worker_pid = int(done.stdout.split("worker pid ")[1].split(",")[0])
    assert not os.path.exists(f"/proc/{worker_pid}") or "zombie" in open(f"/proc/{worker_pid}/status").read()
