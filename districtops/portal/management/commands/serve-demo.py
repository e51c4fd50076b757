"""`districtops serve-demo [addr:port]`: the demo's web server and a job worker, as one command.

Without a worker a started job (the monthly briefing, an import) waits 排队中 forever, so
`make demo` runs both. Ctrl-C (SIGINT), SIGTERM or SIGHUP stops both; if either one
exits on its own, the other is stopped too and the command exits with its code. On
Linux the children are also told to die with this process (PR_SET_PDEATHSIG), so a
killed parent leaves no orphan worker holding the database.
"""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 10


def _die_with_parent():  # runs in the child between fork and exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def worker_command() -> list[str]:
    """The one worker command: it serves the configured queue and beats for /readyz."""
    return ["worker"]


class Command(BaseCommand):
    help = "Serve the demo: runserver plus a job worker beside it; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        cli = [sys.executable, "-m", "districtops.cli"]
        commands = {
            "worker": cli + worker_command(),
            "server": cli + ["runserver", addrport, "--noreload"],
        }
        stopping = []

        def request_stop(signum, _frame):
            stopping.append(signum)

        previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
        children = {}
        try:
            for name, command in commands.items():
                children[name] = subprocess.Popen(command, preexec_fn=_die_with_parent)
            self.stdout.write(
                f"serve-demo: worker pid {children['worker'].pid}, server pid {children['server'].pid}"
            )
            exited = None
            while not stopping and exited is None:
                exited = next((n for n, p in children.items() if p.poll() is not None), None)
                time.sleep(0.3)
            if exited is not None:
                self.stderr.write(f"serve-demo: {exited} exited with {children[exited].returncode}; stopping")
                return_code = children[exited].returncode or 1
            else:
                return_code = 0
        finally:
            self._stop(children.values())
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if return_code:
            sys.exit(return_code)

    def _stop(self, processes):
        running = [p for p in processes if p.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + GRACE_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.stdout.write("serve-demo: stopped")
