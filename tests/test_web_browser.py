"""`monitor web` in a real browser: headless Chromium (Debian's chromium and chromium-driver,
driven by Selenium) against the `monitor web` process on loopback. One browser for the session.
Under CI=true a missing browser fails these tests instead of skipping them."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from monitor.app import open_monitor
from monitor.cli import main
from monitor.config import Settings
from monitor.store.models import Alert, Statement
from tests.alert_fixtures import add_alert, alert_settings, alert_status
from tests.web_fixtures import NOW, Sample, add_sample, web_process

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1000")
XSS_TITLE = '<script>window.__xss = "title"</script><img src=x onerror="window.__xss = \'img\'">'
XSS_TEXT = 'NATO said <script>window.__xss = "text"</script> and <a href="javascript:window.__xss=1">click</a>.'
XSS_URL = "javascript:window.__xss='url'"
XSS_EVIDENCE = {"<b>cue</b>": ["<script>window.__xss = 'evidence'</script>", {"weight": 0.123456, "link": XSS_URL}],
                "score": 2.5, "flags": [True, None], "deep": {"a": {"b": {"c": {"d": {"e": "<i>deep</i>"}}}}},
                "features": [["<img src=x onerror=\"window.__xss = 'feature'\">", 1.25], ["w:nato", -0.5]]}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    if missing:
        why = f"{', '.join(missing)} missing: apt-get install chromium chromium-driver"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run under CI: {why}")
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="monitor-chromium-")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)  # never a downloaded driver
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@dataclass(frozen=True)
class Site:
    url: str
    settings: Settings
    sample: Sample
    xss: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("web")
    settings = alert_settings(tmp, f"sqlite:///{tmp / 'monitor.db'}")
    with open_monitor(settings) as m:
        sample = add_sample(m)
        xss = add_alert(m, NOW, speaker="<b>Bold</b> Speaker", title=XSS_TITLE, text=XSS_TEXT, url=XSS_URL,
                        outlet="<i>Outlet</i>")
        with m.session() as s:  # evidence of any shape, with markup in its keys and values
            s.execute(update(Alert).where(Alert.id == xss).values(evidence=XSS_EVIDENCE))
            s.execute(update(Statement).where(Statement.text == XSS_TEXT).values(evidence=XSS_EVIDENCE,
                                                                                 speaker_cue="<u>cue</u>"))
    env = {k: v for k, v in os.environ.items() if k != "MONITOR_WEB_TOKEN"}
    with web_process(Path(settings.config_path or ""), env=env) as url:
        yield Site(url, settings, sample, xss)


def _status(site: Site, alert_id: int) -> str:
    with open_monitor(site.settings) as m:
        return alert_status(m, alert_id)


def _table_ids(driver: Any) -> list[int]:
    from selenium.webdriver.common.by import By

    return [int(r.get_attribute("data-id")) for r in driver.find_elements(By.CSS_SELECTOR, "#alerts tbody tr[data-id]")]


def _navigate(driver: Any, action: Any) -> None:
    """Run ``action`` (a click or submit that loads a page) and wait for the new page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    action()
    WebDriverWait(driver, 15).until(lambda _d: _left_the_page(old))
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _left_the_page(element: Any) -> bool:
    """True once ``element`` belongs to a page that is gone. Mid-navigation, chromedriver may answer
    "Node with given id does not belong to the document" instead of a stale-element error: that too
    means the old page is gone."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc):
            return True
        raise
    return False


def test_table_lists_exactly_what_monitor_alerts_lists(browser: Any, site: Site) -> None:
    cli = CliRunner().invoke(main, ["--config", site.settings.config_path or "", "alerts", "--format", "json"])
    listed = [r["id"] for r in json.loads(cli.stdout)]
    browser.get(site.url + "/")
    assert sorted(_table_ids(browser)) == sorted(listed) and len(listed) == 6
    assert browser.find_element("id", "count").text.startswith("6 alerts")
    assert browser.get_log("browser") == []  # no CSP violation, no failed request, no script error


def test_filters_narrow_the_table(browser: Any, site: Site) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    s = site.sample
    browser.get(site.url + "/")
    Select(browser.find_element(By.NAME, "demand")).select_by_value("nato_expansion")
    browser.find_element(By.NAME, "speaker").send_keys("sergei")
    _navigate(browser, browser.find_element(By.CSS_SELECTOR, ".filters button[type=submit]").click)
    assert sorted(_table_ids(browser)) == sorted([s.lavrov])  # Sergei Ryabkov is on posture_1997
    _navigate(browser, browser.find_element(By.LINK_TEXT, "Reset").click)
    browser.find_element(By.NAME, "q").send_keys("open door")
    _navigate(browser, browser.find_element(By.NAME, "q").submit)
    assert _table_ids(browser) == [s.blinken]


def test_ack_and_mute_through_the_pages_change_the_database_and_survive_reload(browser: Any, site: Site) -> None:
    from selenium.webdriver.common.by import By

    s = site.sample
    browser.get(site.url + "/?status=new")
    for alert_id in (s.peskov, s.posture):
        browser.find_element(By.CSS_SELECTOR, f'input[name=id][value="{alert_id}"]').click()
    assert browser.find_element(By.ID, "selected-count").text == "2 selected"
    _navigate(browser, browser.find_element(By.ID, "bulk-ack").click)
    assert "2 alerts acknowledged." in browser.find_element(By.CSS_SELECTOR, ".notice").text
    assert _status(site, s.peskov) == _status(site, s.posture) == "acknowledged"
    assert s.peskov not in _table_ids(browser)  # the view keeps its filter: only new alerts
    browser.get(site.url + "/?status=acknowledged")
    assert sorted(_table_ids(browser)) == sorted([s.peskov, s.posture])

    browser.get(f"{site.url}/alerts/{s.old}")
    browser.find_element(By.ID, "reason").send_keys("seen it before")
    _navigate(browser, browser.find_element(By.ID, "mute").click)
    assert _status(site, s.old) == "muted"
    browser.refresh()
    assert "seen it before" in browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    last = browser.find_elements(By.CSS_SELECTOR, "#history li")[-1].text
    assert "→ muted" in last and "seen it before" in last
    _navigate(browser, browser.find_element(By.ID, "unmute").click)
    assert _status(site, s.old) == "new"
    browser.refresh()
    assert browser.find_element(By.CSS_SELECTOR, "h1 .badge").text == "new"


def test_script_and_javascript_links_show_as_text_and_run_nothing(browser: Any, site: Site) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    for path in ("/", f"/alerts/{site.xss}"):
        browser.get(site.url + path)
        assert browser.execute_script("return window.__xss === undefined")
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018
        page = browser.find_element(By.TAG_NAME, "main").text
        assert '<script>window.__xss = "text"</script>' in page and "<b>Bold</b> Speaker" in page
        hrefs = [a.get_attribute("href") or "" for a in browser.find_elements(By.TAG_NAME, "a")]
        assert not [h for h in hrefs if not h.startswith("http")], hrefs
        for a in browser.find_elements(By.CSS_SELECTOR, "a[target=_blank]"):
            assert set((a.get_attribute("rel") or "").split()) >= {"noopener", "noreferrer"}
    assert XSS_TITLE in browser.find_element(By.ID, "sources").text
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "<b>cue</b>" in page and "<script>window.__xss = 'evidence'</script>" in page and "0.123" in page
    assert browser.find_element(By.ID, "speaker-cue").text == "<u>cue</u>"
    assert not browser.find_elements(By.CSS_SELECTOR, "main script, main img")


def test_a_post_from_another_origin_is_refused(browser: Any, site: Site) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    target = site.sample.lavrov
    browser.get(site.url + "/")
    csrf = browser.find_element(By.CSS_SELECTOR, "#triage input[name=csrf]").get_attribute("value")
    # even holding a valid CSRF token (and the browser sending the cookie: 127.0.0.1 is one site
    # across ports), a page of another origin cannot change anything
    evil = (f'<form id="f" method="post" action="{site.url}/alerts/triage">'
            f'<input name="csrf" value="{csrf}"><input name="action" value="acknowledge">'
            f'<input name="id" value="{target}"></form><script>document.getElementById("f").submit()</script>')
    with _page_server(evil) as evil_url:
        browser.get(evil_url)
        WebDriverWait(browser, 15).until(lambda d: d.current_url.startswith(site.url))
        body = browser.find_element(By.TAG_NAME, "body").text
    assert "Refused" in body and "another origin" in body
    assert _status(site, target) == "new"


class _Evil(BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def _page_server(html: str) -> Iterator[str]:
    """Another origin: a page on another loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Evil,), {"page": html.encode()}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
