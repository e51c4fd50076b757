"""Where the test suite spends its time: wall and CPU per test phase (setup, call, teardown).

Wall time on a shared machine says more about the neighbours than about the suite, so this
records, for every test and phase, the wall time, this process's CPU (``time.process_time``:
the test, the live server's thread) and the CPU of the child processes it waited for
(LibreOffice, subprocesses; Chromium is counted when its browser closes). Run the suite with it
as a plugin, then print the sums and the costliest tests:

    PYTHONPATH=bench/suite PHASES_OUT=var/phases.jsonl .venv/bin/pytest -q -n 2 -p phases
    .venv/bin/python bench/suite/phases.py var/phases.jsonl [how many tests to list]

Give the whole run's CPU too (``/usr/bin/time -f "%e s wall %U s user %S s sys" pytest …``):
a Chromium kept for the session is reaped after the last test, outside every phase.
"""

import collections
import json
import os
import resource
import sys
import time

_OUT = os.environ.get("PHASES_OUT", "phases.jsonl")


def _cpu():
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time(), children.ru_utime + children.ru_stime


def _recorder(phase):
    import pytest

    @pytest.hookimpl(hookwrapper=True)
    def hook(item, *args, **kwargs):
        wall, (cpu, child) = time.perf_counter(), _cpu()
        yield
        cpu_after, child_after = _cpu()
        row = {
            "id": item.nodeid,
            "phase": phase,
            "wall": time.perf_counter() - wall,
            "cpu": cpu_after - cpu,
            "child": child_after - child,
        }
        with open(_OUT, "a") as out:  # one write per line: xdist workers append side by side
            out.write(json.dumps(row) + "\n")

    return hook


if "pytest" in sys.modules:
    pytest_runtest_setup = _recorder("setup")
    pytest_runtest_call = _recorder("call")
    pytest_runtest_teardown = _recorder("teardown")


def report(path: str, top: int = 30) -> None:
    rows = [json.loads(line) for line in open(path)]
    totals = collections.defaultdict(float)
    per_test = collections.defaultdict(lambda: collections.defaultdict(float))
    for row in rows:
        for key in ("wall", "cpu", "child"):
            totals[row["phase"], key] += row[key]
            per_test[row["id"]][key] += row[key]
            per_test[row["id"]][row["phase"]] += row["wall"] if key == "wall" else 0
    print(f"{len(per_test)} tests")
    for phase in ("setup", "call", "teardown"):
        print(
            f"{phase:9s} wall {totals[phase, 'wall']:7.1f} s  cpu {totals[phase, 'cpu']:7.1f} s"
            f"  children's cpu {totals[phase, 'child']:6.1f} s"
        )
    wall, cpu, child = (
        sum(totals[p, k] for p in ("setup", "call", "teardown")) for k in ("wall", "cpu", "child")
    )
    print(
        f"sum       wall {wall:7.1f} s  cpu {cpu:7.1f} s  children's cpu {child:6.1f} s  cpu+children {cpu + child:.1f} s"
    )
    for test, d in sorted(per_test.items(), key=lambda kv: -kv[1]["wall"])[:top]:
        print(
            f"{d['wall']:6.2f} s wall {d['cpu']:6.2f} s cpu {d['child']:5.1f} s children"
            f"  (setup {d['setup']:.2f} call {d['call']:.2f} teardown {d['teardown']:.2f})  {test}"
        )


if __name__ == "__main__":
    report(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30)
