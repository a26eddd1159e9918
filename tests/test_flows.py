"""The Prefect flows, run for real on the session's test server (few tests: each flow run costs ~1 s)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.errors import ConfigError, PermanentFetchError, TransientFetchError
from tests.conftest import write_config

pytestmark = pytest.mark.prefect


@pytest.fixture
def config(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = write_config(tmp_path, db_url)
    monkeypatch.setenv("MONITOR_CONFIG", str(cfg))
    return cfg


def _artifact_markdown(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
                                      sort=ArtifactSort.CREATED_DESC, limit=1)
    return str(found[0].data)


def test_pipeline_flow_ingests_once_and_publishes_a_summary(prefect_backend: str, config: Path) -> None:
    from flows.pipeline import ARTIFACT_KEY, pipeline

    first = pipeline()
    assert (first["status"], len(first["new_articles"]), first["failing_sources"]) == ("ok", 5, [])
    assert first["detected_articles"] == 5 and first["new_alerts"], first
    assert any(line.startswith("outbox: written") for line in first["deliveries"])
    second = pipeline(sources=["seeds"], send_digest=False)
    assert (len(second["new_articles"]), second["unchanged_articles"], second["new_alerts"]) == (0, 5, [])
    markdown = _artifact_markdown(ARTIFACT_KEY)
    assert f"Pipeline run {second['run_id']}: ok" in markdown


def test_pipeline_flow_rejects_bad_parameters_before_any_work(prefect_backend: str, config: Path) -> None:
    from flows.pipeline import pipeline

    with pytest.raises(ConfigError, match="unknown source"):
        pipeline(sources=["nope"])
    with pytest.raises(ConfigError, match="time zone"):
        pipeline(since="2026-01-01T00:00:00")  # type: ignore[arg-type]  # validated: naive -> error


def test_only_transient_fetch_errors_are_retried(prefect_backend: str) -> None:
    from prefect import flow, task

    from flows.pipeline import retry_transient

    calls: dict[str, int] = {"transient": 0, "permanent": 0}

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=retry_transient)
    def fails(kind: str) -> str:
        calls[kind] += 1
        if kind == "transient" and calls[kind] < 2:
            raise TransientFetchError("http://example.invalid/feed", "HTTP 503")
        if kind == "permanent":
            raise PermanentFetchError("http://example.invalid/feed", "HTTP 404")
        return "ok"

    @flow
    def both() -> tuple[str, str]:
        permanent = fails("permanent", return_state=True)
        return fails("transient"), type(permanent.result(raise_on_failure=False)).__name__

    assert both() == ("ok", "PermanentFetchError")
    assert calls == {"transient": 2, "permanent": 1}


def test_monitor_run_prints_the_summary(prefect_backend: str, config: Path) -> None:
    from flows.cli import main

    result = CliRunner().invoke(main, ["--config", str(config), "run", "--no-digest"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Prefect server: {prefect_backend} (Prefect settings)\n"), result.stdout
    assert "articles: 5 new" in result.stdout and "failing sources: 0" in result.stdout
    assert "New articles" in result.stdout and "ForumDaily" in result.stdout and "Izvestia" in result.stdout
    again = CliRunner().invoke(main, ["--config", str(config), "run", "--no-digest"], catch_exceptions=False)
    assert again.exit_code == 0 and "articles: 0 new" in again.stdout and "alerts: 0 new" in again.stdout
    bad = CliRunner().invoke(main, ["--config", str(config), "run", "--source", "nope"])
    assert bad.exit_code == 2 and "unknown source" in bad.output


def test_monitor_run_fails_rather_than_record_elsewhere_when_prefect_api_url_is_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.cli import main

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        api = f"http://127.0.0.1:{s.getsockname()[1]}/api"
    monkeypatch.setenv("PREFECT_API_URL", api)
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path / 'monitor.db'}")
    result = CliRunner().invoke(main, ["--config", str(cfg), "run", "--no-digest"])
    assert result.exit_code == 1 and f"no Prefect server answers at {api} (PREFECT_API_URL)" in result.output
    assert not (tmp_path / "monitor.db").exists()  # nothing ran


def test_serve_schedules_come_from_the_configuration(tmp_path: Path) -> None:
    from flows.serve import build_deployments, deployment_specs
    from monitor.config import load_settings

    extra = ('\n[[sources]]\nname = "fast feed"\nkind = "feed"\nurl = "https://example.org/rss"\ninterval_min = 15\n'
             '\n[schedule]\npipeline_cron = "0 * * * *"\ntimezone = "Europe/Berlin"\n'
             '\n[alerts]\ndigest_schedule = "0 7 * * *"\ntimezone = "Europe/Moscow"\n')
    settings = load_settings(write_config(tmp_path, "sqlite:///x.db", extra), env={})
    specs = {s["name"]: s for s in deployment_specs(settings)}
    assert set(specs) == {"pipeline", "source-fast-feed", "digest"}
    assert specs["pipeline"]["parameters"] == {"sources": ["seeds"], "send_digest": False}
    assert (specs["pipeline"]["cron"], specs["pipeline"]["timezone"]) == ("0 * * * *", "Europe/Berlin")
    assert (specs["source-fast-feed"]["cron"], specs["source-fast-feed"]["interval_min"]) == ("", 15.0)
    assert specs["source-fast-feed"]["parameters"] == {"sources": ["fast feed"], "send_digest": False}
    assert specs["digest"]["parameters"] == {"send_digest": True}
    assert (specs["digest"]["cron"], specs["digest"]["timezone"]) == ("0 7 * * *", "Europe/Moscow")
    deployments = {d.name: d for d in build_deployments(settings)}
    assert deployments["source-fast-feed"].schedules[0].schedule.interval.total_seconds() == 900
    assert deployments["digest"].schedules[0].schedule.timezone == "Europe/Moscow"


def test_prefect_yaml_deploys_the_pipeline_flow() -> None:
    import yaml

    spec = yaml.safe_load((Path(__file__).resolve().parent.parent / "prefect.yaml").read_text())
    names = {d["name"]: d for d in spec["deployments"]}
    assert set(names) == {"pipeline", "digest"}
    for d in names.values():
        assert d["entrypoint"] == "flows/pipeline.py:pipeline"
        assert d["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}
    assert names["digest"]["parameters"] == {"send_digest": True}


def test_run_artifact_lists_at_most_artifact_alerts_new_alerts() -> None:
    from flows.pipeline import ARTIFACT_ALERTS, summary_markdown
    from monitor.pipeline.run import PipelineSummary

    alerts = [{"id": i, "demand": "nato_expansion", "speaker": "Lavrov", "text": f"statement {i}"}
              for i in range(1, ARTIFACT_ALERTS + 51)]
    markdown = summary_markdown(PipelineSummary(run_id=7, new_alerts=alerts))
    rows = [line for line in markdown.splitlines() if line.endswith("|") and "| Lavrov |" in line]
    assert len(rows) == ARTIFACT_ALERTS and rows[-1].startswith(f"| {ARTIFACT_ALERTS} |")
    assert "... and 50 more in the alert table" in markdown
    assert f"| {ARTIFACT_ALERTS + 50} |" in markdown  # the counts row still counts every new alert
