"""Pipeline steps, one module per stage; the CLI and the Prefect flows call these.

Every step takes the opened Monitor, what to work on and ``now``, and is idempotent: re-running
it stores nothing twice (the database's unique keys decide).

- ``ingest``: local files and the ``files`` sources
- ``fetch``: feeds, sitemaps, pages (the web sources)
- ``detect``: statements, groups and alerts from stored articles
- ``alerts``: digests and webhooks
"""

from monitor.pipeline.alerts import DeliveryReport, preview_digest, send_digest, send_webhooks
from monitor.pipeline.fetch import FetchReport, SourceOutcome, fetch_sources, reextract_articles
from monitor.pipeline.ingest import (
    IngestReport,
    Progress,
    ingest_file_sources,
    ingest_paths,
    run_stage,
    sync_sources,
)

__all__ = [
    "DeliveryReport", "IngestReport", "Progress", "ingest_file_sources", "ingest_paths", "preview_digest",
    "run_stage", "send_digest", "send_webhooks", "sync_sources",
    "FetchReport", "SourceOutcome", "fetch_sources", "reextract_articles",  # fetch stage
]
