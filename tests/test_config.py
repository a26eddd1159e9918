"""Configuration: defaults, the shipped file, environment overrides, precise errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import Settings, default_config_file, load_settings
from monitor.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def _write(tmp_path: Path, body: str) -> Path:
    f = tmp_path / "monitor.toml"
    f.write_text(body, encoding="utf-8")
    return f


def test_shipped_default_loads_and_tracks_three_demands() -> None:
    s = load_settings(default_config_file(), env={})
    assert any(src.name == "seeds" and src.kind == "files" for src in s.sources)
    names = {d["name"] for d in s.demands}
    assert {"nato_expansion", "deployments", "posture_1997"} <= names
    assert all(d.get("description") for d in s.demands)


def test_repo_root_config_is_the_shipped_default() -> None:
    assert (REPO / "monitor.toml").read_text() == default_config_file().read_text()


def test_seed_path_resolves_against_the_config_folder() -> None:
    s = load_settings(REPO / "monitor.toml", env={})
    seeds = next(src for src in s.sources if src.name == "seeds")
    assert s.resolve(seeds.path) == REPO / "seeds"


def test_environment_overrides_file(tmp_path: Path) -> None:
    f = _write(tmp_path, '[database]\nurl = "sqlite:///file.db"\n[fetch]\nper_host_delay_s = 2.0\n')
    s = load_settings(f, env={
        "MONITOR_DATABASE_URL": "postgresql+psycopg://u@h/db",
        "MONITOR_FETCH_ALLOW_HOSTS": "127.0.0.1, ::1",
        "MONITOR_FETCH_PER_HOST_DELAY_S": "0.5",
        "MONITOR_SMTP_HOST": "mail.example", "MONITOR_SMTP_TO": "a@x.org,b@x.org",
        "MONITOR_SMTP_FROM": "mon@x.org", "MONITOR_SMTP_PORT": "2525",
        "MONITOR_SMTP_SECURITY": "ssl", "MONITOR_SMTP_PASSWORD": "s3cret",
    })
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert s.fetch.allow_hosts == ("127.0.0.1", "::1")
    assert s.fetch.per_host_delay_s == 0.5
    assert (s.smtp.host, s.smtp.to, s.smtp.from_addr, s.smtp.port) == ("mail.example", ("a@x.org", "b@x.org"), "mon@x.org", 2525)
    assert s.smtp.security == "ssl" and s.smtp.password == "s3cret" and s.mail_enabled


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    s = load_settings(_write(tmp_path, f'data_dir = "{tmp_path}/d"\n'), env={})
    assert s.database_url == f"sqlite:///{tmp_path}/d/monitor.db"


BAD_CONFIGS = {
    "not TOML": ("[database\nurl=1", "not valid TOML"),
    "unknown key": ("[fetch]\nper_host_dela = 1\n", "fetch.per_host_dela: unknown key"),
    "wrong type": ('[fetch]\nmax_connections = "many"\n', "fetch.max_connections: expected int"),
    "bad literal": ('[smtp]\nsecurity = "tls"\n', "smtp.security: must be one of none, starttls, ssl"),
    "source without url": ('[[sources]]\nname = "x"\nkind = "feed"\n', "sources[0].url: required"),
    "file URL": ('[[sources]]\nname = "x"\nkind = "feed"\nurl = "file:///etc/passwd"\n', "only http:// and https://"),
    "duplicate source": ('[[sources]]\nname = "x"\nkind = "files"\npath = "a"\n[[sources]]\nname = "x"\nkind = "files"\npath = "b"\n',
                         "duplicate source name"),
    "unsupported database": ('[database]\nurl = "mysql://x"\n', "only SQLite and PostgreSQL"),
    "secret in the file": ('[smtp]\npassword = "hunter2"\n', "set MONITOR_SMTP_PASSWORD instead"),
    "recipients missing": ('[smtp]\nhost = "mail.example"\n', "smtp.to: at least one recipient"),
}


@pytest.mark.parametrize("body, message", BAD_CONFIGS.values(), ids=list(BAD_CONFIGS))
def test_invalid_config_names_file_key_and_problem(tmp_path: Path, body: str, message: str) -> None:
    f = _write(tmp_path, body)
    with pytest.raises(ConfigError) as err:
        load_settings(f, env={})
    assert str(f) in str(err.value)
    assert message in str(err.value)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    f = _write(tmp_path, '[fetch]\nmax_connections = "x"\nbogus = 1\n[smtp]\nsecurity = "tls"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(f, env={})
    assert len(err.value.problems) == 3


def test_bad_environment_value_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"fetch.max_connections \(from the environment\)"):
        load_settings(_write(tmp_path, ""), env={"MONITOR_FETCH_MAX_CONNECTIONS": "lots"})


def test_missing_file_suggests_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="monitor init"):
        load_settings(tmp_path / "absent.toml", env={})


def test_settings_are_frozen() -> None:
    s = Settings()
    with pytest.raises(AttributeError):
        s.data_dir = "x"  # type: ignore[misc]


OWN_DETECT_RESOURCES = {
    "inline demand": ('[[demands]]\nname = "x"\n[[demands.cues]]\nname = "c"\nterms.en = ["re:(unclosed"]\n',
                      "invalid term"),
    "inline actor": ('[[actors]]\nname = ""\n', r"actors\[\d+\]\.name: required"),
    "demands file": ('[detect]\ndemands_file = "own.toml"\n', r"demands\[0\] \(Bad Name\)\.name: required"),
}


@pytest.mark.parametrize("body, message", OWN_DETECT_RESOURCES.values(), ids=OWN_DETECT_RESOURCES)
def test_own_demands_and_actors_are_validated_when_loaded(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "own.toml").write_text('[[demands]]\nname = "Bad Name"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(_write(tmp_path, body), env={})
