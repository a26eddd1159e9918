"""Detect the seed articles N times with the shipped model, for instruction counts and profiles.

    valgrind --tool=callgrind python bench/detect_seeds.py N

The difference between the counts of N = 4 and N = 1 is the cost of detecting the seeds three
times, without the start-up; run it from two checkouts to compare two versions of the detector
(the counts are deterministic, unlike timings on a shared machine).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import DEFAULT_CONFIG_NAME, PACKAGE_DATA, load_settings  # noqa: E402
from monitor.detect.learned import analyse_with_model  # noqa: E402
from monitor.detect_step import load_detector  # noqa: E402


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    detector = load_detector(load_settings(PACKAGE_DATA / DEFAULT_CONFIG_NAME, env={}))
    assert detector.model is not None
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    sentences = 0
    for _ in range(repeat):
        for text in texts:
            sentences += len(analyse_with_model(text, detector.resources, detector.model, language="en"))
    print(f"{sentences} sentences in {repeat} pass(es) over {len(texts)} seed articles")


if __name__ == "__main__":
    main()
