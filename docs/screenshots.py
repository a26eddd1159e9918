"""Take the README's screenshots of `monitor web` (docs/web.png, docs/web-alert.png).

    .venv/bin/python docs/screenshots.py [--out docs]

Ingests the seed articles into a new SQLite database in a temporary folder (the articles are
copied there, so the pages show neutral paths), detects with the shipped model, serves
`monitor web` on a free loopback port and photographs the alert table and the alert with the
most sources in headless Chromium (Debian's chromium and chromium-driver, never a downloaded
driver). Nothing is kept but the two images.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).parents[1]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    args = ap.parse_args()
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    if missing:
        sys.exit(f"{', '.join(missing)} missing: apt-get install chromium chromium-driver")
    work = Path(tempfile.mkdtemp(prefix="monitor-demo-"))
    try:
        shutil.copytree(ROOT / "seeds", work / "seeds")
        config = work / "monitor.toml"
        config.write_text(f'data_dir = "{work / "data"}"\n', encoding="utf-8")
        cli = [sys.executable, "-m", "flows.cli", "--config", str(config)]
        for step in (["db", "upgrade"], ["ingest", str(work / "seeds")], ["detect"]):
            subprocess.run([*cli, *step], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        web = subprocess.Popen([*cli, "web", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            assert web.stdout is not None
            found = re.search(r"http://\S+/", web.stdout.readline())
            if not found:
                sys.exit("`monitor web` did not start")
            _photograph(found.group(0).rstrip("/"), args.out, work)
        finally:
            web.terminate()
            web.wait(10)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _photograph(url: str, out: Path, work: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1440,1100",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={work / 'chromium'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(url + "/?sort=sources&order=desc")
        out.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(out / "web.png"))
        first = driver.find_element(By.CSS_SELECTOR, "#alerts tbody tr[data-id]").get_attribute("data-id")
        driver.get(f"{url}/alerts/{first}")
        driver.save_screenshot(str(out / "web-alert.png"))
    finally:
        driver.quit()
    print(f"wrote {out / 'web.png'} and {out / 'web-alert.png'}")


if __name__ == "__main__":
    main()
