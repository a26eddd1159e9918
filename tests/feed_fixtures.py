"""Feed, sitemap and page bodies for the fetch tests (built in code so each case is visible)."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence


def rss(items: Sequence[tuple[str, str, str | None]], *, title: str = "Test feed") -> str:
    """RSS 2.0 with (guid, link, pubDate) items."""
    body = "".join(
        f"<item><guid>{g}</guid><link>{link}</link><title>Item {g}</title>"
        f"<description>Summary of {g}: the ministry said things.</description>"
        + (f"<pubDate>{d}</pubDate>" if d else "") + "</item>"
        for g, link, d in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>{body}</channel></rss>'


def atom(entries: Sequence[tuple[str, str, str]]) -> str:
    body = "".join(
        f'<entry><id>{i}</id><link href="{link}"/><title>Entry {i}</title><updated>{u}</updated>'
        f"<summary>Atom summary {i}</summary></entry>" for i, link, u in entries
    )
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Atom test</title><id>urn:x</id><updated>2026-01-01T00:00:00Z</updated>{body}</feed>")


def json_feed(items: Sequence[tuple[str, str]], version: str = "1.1") -> str:
    return json.dumps({
        "version": f"https://jsonfeed.org/version/{version}", "title": "JSON test",
        "items": [{"id": i, "url": u, "title": f"JSON {i}", "content_text": f"Text {i}",
                   "date_published": "2026-03-01T10:00:00Z"} for i, u in items],
    })


def sitemap(urls: Sequence[str], *, news: bool = False) -> str:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    body = "".join(
        f"<url><loc>{u}</loc><lastmod>2026-02-01</lastmod>"
        + (f"<news:news><news:title>News {i}</news:title><news:publication_date>2026-02-0{1 + i % 8}T08:00:00Z"
           "</news:publication_date></news:news>" if news else "") + "</url>"
        for i, u in enumerate(urls)
    )
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{body}</urlset>'


def sitemap_index(children: Sequence[str]) -> str:
    body = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
    return f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>{link}</link><guid>lol</guid></item></channel></rss>"""

BILLION_LAUGHS_SITEMAP = BILLION_LAUGHS.split("<rss")[0] + "<urlset><url><loc>&lol9;</loc></url></urlset>"


def xxe(sentinel_path: str, link: str) -> str:
    return (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{sentinel_path}">]>'
            f'<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title><link>{link}</link>'
            "<description>&xxe;</description></item></channel></rss>")


def xxe_sitemap(sentinel_path: str) -> str:
    return (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{sentinel_path}">]>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&xxe;</loc></url></urlset>')


MALFORMED_RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Bad & broken</title>
<item><title>Survivor</title><link>{link}</link><description>unclosed <b>tag</description></item>
<item><title>Broken CDATA <![CDATA[ oops </title></item>"""

GARBAGE = "<<<>>> this is &&& not xml at all <"
# looks like RSS to a sniffer and to feedparser's loose parser, then random bytes: no feed element, no entries
GARBAGE_FEED = b"<<<rss version=2.0>>> this is not XML " + random.Random(7).randbytes(4096)


def rdf(items: Sequence[tuple[str, str, str | None]]) -> str:
    """RSS 1.0 (RDF) with (about, link, dc:date) items outside the channel."""
    body = "".join(
        f'<item rdf:about="{a}"><title>RDF {a}</title><link>{link}</link>'
        + (f"<dc:date>{d}</dc:date>" if d else "") + "</item>" for a, link, d in items
    )
    return ('<?xml version="1.0" encoding="utf-8"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel rdf:about="urn:c"><title>RDF test</title><link>https://news.example/</link></channel>{body}</rdf:RDF>')


def quadratic_blowup(link: str, size: int = 100_000, refs: int = 20_000) -> str:
    """One 100 kB entity referenced 20,000 times: 2 GB if expanded."""
    return (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "{"x" * size}">]>'
            f'<rss version="2.0"><channel><title>q</title><item><title>{"&a;" * refs}</title>'
            f"<link>{link}</link></item></channel></rss>")
