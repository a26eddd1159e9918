"""CLI start-up benchmark: each command against the bare imports it cannot avoid (figures in bench/RESULTS.md).

    .venv/bin/python bench/bench_cli.py [--runs 15]

Pairs, interleaved in one run (the machine is shared: each pair is timed moments apart, under
the same load):

- ``monitor --help``  vs  ``python -c "import click"``                   target: within 3x
- ``monitor alerts``  vs  ``python -c "import sqlalchemy, click, rich"``  target: within 1.5x

``monitor alerts`` lists the alerts of an existing, migrated, empty SQLite database (created once
before the timing). Reported for wall time and for CPU time (user + system, less sensitive to
other processes on the machine): the median of the per-pair ratios, their range, and the medians.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
MONITOR = str(Path(sys.executable).parent / "monitor")


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def pair(name: str, cmd: list[str], base: list[str], runs: int, env: dict[str, str], target: float) -> None:
    _timed(cmd, env), _timed(base, env)  # warm the file cache
    cmd_t, base_t = [], []
    for _ in range(runs):
        base_t.append(_timed(base, env))
        cmd_t.append(_timed(cmd, env))
    for i, what in ((0, "wall"), (1, "CPU")):
        ratios = sorted(c[i] / b[i] for c, b in zip(cmd_t, base_t, strict=True))
        med = statistics.median(ratios)
        print(f"{name} [{what}]: median ratio {med:.2f}x (range {ratios[0]:.2f}-{ratios[-1]:.2f}, {runs} pairs; "
              f"target <= {target}x: {'met' if med <= target else 'NOT met'}); command median "
              f"{statistics.median(c[i] for c in cmd_t):.3f} s, baseline median "
              f"{statistics.median(b[i] for b in base_t):.3f} s  [python -c '{base[2]}']", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15, help="pairs per command")
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "PREFECT_"))}
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "monitor.toml"
        cfg.write_text(f'data_dir = "{Path(tmp) / "var"}"\n', encoding="utf-8")
        subprocess.run([MONITOR, "--config", str(cfg), "db", "upgrade"], env=env, check=True, capture_output=True)
        pair("monitor --help", [MONITOR, "--help"], [PYTHON, "-c", "import click"], args.runs, env, 3.0)
        pair("monitor alerts", [MONITOR, "--config", str(cfg), "alerts"],
             [PYTHON, "-c", "import sqlalchemy, click, rich"], args.runs, env, 1.5)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
