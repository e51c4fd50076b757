"""Run every benchmark script under bench/ in turn (each prints its own figures)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
scripts = sorted(p for p in HERE.glob("*/bench_*.py"))
failed = 0
for script in scripts:
    print(f"\n### {script.relative_to(HERE.parent)}", flush=True)
    failed += subprocess.call([sys.executable, str(script)]) != 0
sys.exit(1 if failed else 0)
