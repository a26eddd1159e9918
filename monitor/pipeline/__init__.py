"""Pipeline steps, one module per stage; the CLI and the Prefect flows call these.

Every step takes the opened Monitor, what to work on and ``now``, and is idempotent: re-running
it stores nothing twice (the database's unique keys decide).

- ``ingest``: local files and the ``files`` sources
- ``fetch``: feeds, sitemaps, pages (the web sources)
- ``detect``: statements, groups and alerts from stored articles
- ``alerts``: digests and webhooks
"""

from monitor.pipeline.ingest import (
    IngestReport,
    Progress,
    ingest_file_sources,
    ingest_paths,
    run_stage,
    sync_sources,
)

__all__ = ["IngestReport", "Progress", "ingest_file_sources", "ingest_paths", "run_stage", "sync_sources"]
