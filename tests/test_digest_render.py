"""Digest rendering and header sanitising (pure): escaping, grouping, caps, injection attempts."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest

from monitor.alerts.delivery import message_bytes
from monitor.alerts.digest import build_message, digest_subject, http_url, render_digest
from monitor.alerts.headers import header_text
from monitor.alerts.values import AlertItem, FailingSource, SourceRef

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
HOSTILE_TITLE = (
    '<script>alert(1)</script> {{ config }} {% for x in [] %}{% endfor %} '
    "=?UTF-8?Q?=0A?=Bcc: evil@attacker.example\r\nX-Injected: 1\u2028Reply-To: evil@attacker.example"
)
EXPECTED_HEADERS = ["Subject", "From", "To", "Date", "Message-ID", "Auto-Submitted", "MIME-Version", "Content-Type"]


def item(i: int, demand: str = "nato_expansion", *, title: str = "Title", url: str = "https://ex.example/a",
         text: str = "NATO must not expand.", speaker: str | None = "Lavrov", count: int = 1) -> AlertItem:
    src = SourceRef(i, "TASS", title, url, NOW, NOW)
    return AlertItem(i, i, demand, (demand,), "new", NOW, text, speaker, "against", src, count)


HEADER_CASES = {
    "CR LF": ("a\r\nBcc: x@y", "a Bcc: x@y"),
    "bare LF": ("a\nB", "a B"),
    "unicode line separator": ("a\u2028b\u2029c\x85d", "a b c d"),
    "encoded word opener": ("=?UTF-8?Q?=0A?=Bcc: x", "= ?UTF-8?Q? =0A? =Bcc: x"),
    "control and format chars": ("a\x00b\x1bc\u200bd\u202ee", "a b c d e"),
    "whitespace collapsed": ("  a \t  b  ", "a b"),
}


@pytest.mark.parametrize("raw, expected", HEADER_CASES.values(), ids=list(HEADER_CASES))
def test_header_text(raw: str, expected: str) -> None:
    assert header_text(raw) == expected


def test_header_text_caps_length() -> None:
    out = header_text("x" * 5000)
    assert len(out) == 200 and out.endswith("…")


URL_CASES = {
    "https": ("https://ex.example/a?b=1&c=2", True),
    "http": ("http://ex.example/", True),
    "javascript": ("javascript:alert(1)", False),
    "data": ("data:text/html,<script>", False),
    "quote breaks attribute": ('https://ex.example/"onmouseover="x', False),
    "no host": ("https:///path", False),
    "file": ("file:///etc/passwd", False),
}


@pytest.mark.parametrize("url, ok", URL_CASES.values(), ids=list(URL_CASES))
def test_http_url(url: str, ok: bool) -> None:
    assert (http_url(url) == url) is ok


def test_digest_groups_by_demand_with_counts_in_subject() -> None:
    items = [item(1), item(2, "deployments"), item(3), item(4, "posture_1997", count=4)]
    d = render_digest(items, now=NOW, labels={"nato_expansion": "NATO expansion"})
    assert d.subject == "monitor: 4 new statements (NATO expansion 2, deployments 1, posture_1997 1)"
    assert d.counts == {"nato_expansion": 2, "deployments": 1, "posture_1997": 1}
    text = d.text
    assert text.index("== NATO expansion (2) ==") < text.index("== deployments (1) ==")
    assert "Repeated by 3 other sources." in text
    assert d.html.count("<h2") == 3


def test_hostile_title_is_escaped_and_never_a_template() -> None:
    d = render_digest([item(1, title=HOSTILE_TITLE, url="javascript:alert(1)")], now=NOW)
    assert "<script>" not in d.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in d.html
    assert "{{ config }}" in d.html and "{% for x in [] %}" in d.text  # shown literally, not evaluated
    assert 'href="javascript' not in d.html and "<img" not in d.html and "src=" not in d.html


def test_links_only_http_and_escaped() -> None:
    d = render_digest([item(1, url="https://ex.example/a?b=1&c=<2>")], now=NOW)
    assert "<a href" not in d.html  # '<' in a URL: not rendered as a link at all
    d = render_digest([item(1, url="https://ex.example/a?b=1&c=2")], now=NOW)
    assert '<a href="https://ex.example/a?b=1&amp;c=2">' in d.html


def test_cap_items_with_more_in_the_alert_table() -> None:
    items = [item(i) for i in range(1, 251)]
    d = render_digest(items, now=NOW, max_items=200)
    assert len(d.alert_ids) == 200 and d.omitted == 50
    assert "50 more in the alert table" in d.text and "50 more in the alert table" in d.html
    assert "250 new statements" in d.subject


def test_failing_sources_listed_at_the_end() -> None:
    failing = [FailingSource("feed-<x>", "timeout\r\nafter 30 s", 3, NOW)]
    d = render_digest([item(1)], now=NOW, failing=failing)
    assert d.text.rstrip().split("Sources that failed")[1].count("feed-<x>: timeout after 30 s (3x") == 1
    assert "feed-&lt;x&gt;" in d.html


def test_empty_digest() -> None:
    d = render_digest([], now=NOW)
    assert d.subject == "monitor: no new statements" and "No new statements" in d.text


def test_message_has_only_the_expected_headers_despite_injection() -> None:
    hostile = item(1, demand=HOSTILE_TITLE, title=HOSTILE_TITLE, speaker=HOSTILE_TITLE)
    d = render_digest([hostile], now=NOW, labels={HOSTILE_TITLE: HOSTILE_TITLE})
    msg = build_message(d, from_addr="monitor@example.org", to=["ops@example.org"],
                        message_id="<m1@example.org>", date=NOW)
    raw = message_bytes(msg)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert list(parsed.keys()) == EXPECTED_HEADERS
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    for bad in ("Bcc:", "Reply-To:", "X-Injected:"):
        assert f"\r\n{bad}" not in head and not head.startswith(bad)
    assert parsed["Bcc"] is None and parsed["Reply-To"] is None
    assert parsed.get_content_type() == "multipart/alternative"
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None and html is not None
    assert "<script>" in plain.get_content() and "<script>" not in html.get_content()


def test_subject_lists_counts() -> None:
    assert digest_subject({"a": 1}, {}) == "monitor: 1 new statement (a 1)"


def test_unsanitised_encoded_word_would_inject_on_this_python() -> None:
    """Why header_text exists: on an unpatched interpreter (3.11.7 here, CVE-2024-6923) an encoded
    newline in a header value becomes a real header line. Sanitised, it cannot."""
    from email.message import EmailMessage
    from email.policy import SMTP

    attack = "Hello =?UTF-8?Q?=0A?=Reply-To: evil@attacker.example"
    for value, sanitised in ((attack, False), (header_text(attack), True)):
        msg = EmailMessage(policy=SMTP)
        msg["Subject"] = value
        msg.set_content("x")
        keys = list(email.message_from_bytes(msg.as_bytes(), policy=email.policy.default).keys())
        if sanitised:
            assert "Reply-To" not in keys
        else:  # documents the interpreter's behaviour; passes on patched versions too
            assert "Reply-To" in keys or keys.count("Subject") == 1
