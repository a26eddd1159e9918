"""Typed settings: one frozen dataclass tree, loaded from TOML and the environment.

Precedence: defaults < TOML file (``--config`` / ``MONITOR_CONFIG``) < environment
``MONITOR_<GROUP>_<FIELD>`` (e.g. ``MONITOR_DATABASE_URL``, ``MONITOR_SMTP_HOST``,
``MONITOR_FETCH_ALLOW_HOSTS``) < CLI flags. Secrets (SMTP password, webhook tokens) come only
from the environment. ``load_settings`` validates the whole tree and raises one
:class:`~monitor.errors.ConfigError` listing every problem, before anything is opened.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from monitor.errors import ConfigError

DEFAULT_CONFIG_NAME = "monitor.toml"
PACKAGE_DATA = Path(__file__).parent / "data"
SourceKind = Literal["files", "feed", "sitemap", "page", "home", "auto"]


def setting(default: Any, help: str) -> Any:  # noqa: A002 - mirrors dataclasses.field's vocabulary
    """A dataclass field with a default and a help text (shown in docs and errors)."""
    if isinstance(default, (list, dict, set)):
        raise TypeError("use tuples/frozen values for setting defaults")
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = setting("", "SQLAlchemy URL; empty = sqlite:///<data_dir>/monitor.db")
    echo: bool = setting(False, "Log every SQL statement")
    busy_timeout_s: float = setting(30.0, "SQLite busy timeout / Postgres lock wait in seconds")


@dataclass(frozen=True)
class SourceConfig:
    name: str = setting("", "Unique name of the source")
    kind: SourceKind = setting("auto", "files | feed | sitemap | page | home | auto")
    url: str = setting("", "URL of a feed, sitemap, page or home page")
    path: str = setting("", "Folder or file for kind=files (relative to the config file)")
    enabled: bool = setting(True, "Whether runs include this source")
    interval_min: float = setting(0.0, "Polling interval in minutes; 0 = the global default")
    schedule: str = setting("", "Optional cron expression overriding the interval")
    outlet: str = setting("", "Outlet name stored on the articles of this source")
    language: str = setting("", "Expected language (ISO 639-1), empty = detect")


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = setting(
        "monitor/0.1 (+https://github.com/monitor-news/monitor; news statement monitor)",
        "User-Agent sent with every request; include a contact URL",
    )
    allow_hosts: tuple[str, ...] = setting(
        (), "Hosts, host:port pairs or CIDR networks exempt from the private-address guard"
    )
    max_connections: int = setting(16, "Global limit of concurrent requests")
    per_host_concurrency: int = setting(2, "Concurrent requests per host")
    per_host_delay_s: float = setting(1.0, "Minimum seconds between request starts per host")
    connect_timeout_s: float = setting(10.0, "TCP/TLS connect timeout in seconds")
    read_timeout_s: float = setting(20.0, "Timeout of a single socket read in seconds")
    feed_deadline_s: float = setting(30.0, "Wall-clock deadline of a whole feed/sitemap request")
    page_deadline_s: float = setting(60.0, "Wall-clock deadline of a whole page request")
    max_feed_bytes: int = setting(15 * 1024 * 1024, "Decoded size cap of a feed")
    max_page_bytes: int = setting(5 * 1024 * 1024, "Decoded size cap of a page")
    max_sitemap_bytes: int = setting(50 * 1024 * 1024, "Decoded size cap of a sitemap")
    max_redirects: int = setting(5, "Redirect hops followed, each re-checked")
    retries: int = setting(2, "In-run retries on network errors and 5xx")
    retry_base_delay_s: float = setting(1.0, "Base of the exponential in-run retry delay")
    retry_max_delay_s: float = setting(10.0, "Cap of one in-run retry delay")
    max_backoff_h: float = setting(24.0, "Cap of the across-runs backoff of a failing source")
    max_items_per_feed: int = setting(2000, "Newest items processed per feed and run")
    respect_robots: bool = setting(True, "Obey robots.txt")
    keep_html: bool = setting(True, "Keep the fetched HTML (compressed) for re-extraction")
    max_kept_html_bytes: int = setting(2 * 1024 * 1024, "Cap of kept HTML per article")
    extract_timeout_s: float = setting(30.0, "CPU budget of one extraction")
    extract_workers: int = setting(-1, "Extraction worker processes; -1 = one per CPU, 0 = in-process (no time budget)")
    min_text_chars: int = setting(200, "Pages with less extracted text are not articles")
    default_interval_min: float = setting(60.0, "Default polling interval of a source")
    adaptive_interval: bool = setting(True, "Poll productive sources more often, silent ones less")
    silent_after_h: float = setting(72.0, "Flag a source silent after this long without new items")
    unconditional_after_h: float = setting(24.0, "Do an unconditional GET at least this often")
    proxy: str = setting("", "Explicit proxy URL; environment proxies are ignored")


@dataclass(frozen=True)
class DetectSettings:
    demands_file: str = setting("", "TOML file with [[demands]]; empty = the built-in defaults")
    actors_file: str = setting("", "TOML file with [[actors]]; empty = the built-in defaults")
    use_context: bool = setting(True, "Use the previous sentence as context")
    group_threshold: float = setting(
        0.0,
        "Score for a repeat (the model's repeat probability, or the similarity for the rules); "
        "0 = the detector's own (the model's two: same article and earlier articles; 0.35 for the rules); "
        "a value set here holds for both",
    )
    alert_narrative: bool = setting(
        False,
        "Alert on the author's own narrative too (statements with no speaker); by default they are "
        "stored as statements but open no group and raise no alert",
    )
    batch_size: int = setting(50, "Articles per detection task of a pipeline run (one transaction per article)")
    model: str = setting(
        "",
        "Detector model file (from `monitor train`); empty = the shipped model; "
        "'rules' = the demand lexicon and rule-based speakers alone",
    )


@dataclass(frozen=True)
class SmtpSettings:
    host: str = setting("", "SMTP server; setting it turns e-mail delivery on")
    port: int = setting(0, "SMTP port; 0 = 25, 587 for starttls, 465 for ssl")
    security: Literal["none", "starttls", "ssl"] = setting("starttls", "none | starttls | ssl")
    username: str = setting("", "SMTP user name (prefer MONITOR_SMTP_USERNAME)")
    password: str = setting("", "SMTP password: only from MONITOR_SMTP_PASSWORD")
    from_addr: str = setting("monitor@localhost", "From address of digests")
    to: tuple[str, ...] = setting((), "Recipients of digests")
    timeout_s: float = setting(30.0, "Timeout of every SMTP operation")


@dataclass(frozen=True)
class WebhookConfig:
    name: str = setting("", "Unique name of the webhook")
    url: str = setting("", "URL receiving JSON POSTs")
    enabled: bool = setting(True, "Whether alerts are sent to it")
    batch: bool = setting(True, "One POST per run with all new alerts (false: one per alert)")
    timeout_s: float = setting(10.0, "Timeout of one POST")


@dataclass(frozen=True)
class MuteRule:
    speaker: str = setting("", "Mute alerts whose speaker contains this text")
    phrase: str = setting("", "Mute alerts whose statement contains this text")
    demand: str = setting("", "Mute alerts on this demand")


@dataclass(frozen=True)
class AlertSettings:
    digest_schedule: str = setting("0 7 * * *", "Cron of the digest e-mail")
    timezone: str = setting("UTC", "Time zone of the schedules")
    send_empty_digest: bool = setting(False, "Send a digest even when nothing is new")
    max_digest_items: int = setting(200, "Alerts listed in one digest")
    outbox_dir: str = setting("", "Folder of rendered digests; empty = <data_dir>/outbox")
    webhooks: tuple[WebhookConfig, ...] = setting((), "Webhook channels")
    mute: tuple[MuteRule, ...] = setting((), "Rules that mute matching alerts")
    max_attempts: int = setting(10, "Delivery attempts before a delivery is failed for good")
    retry_base_min: float = setting(5.0, "First retry delay of a failed delivery in minutes (doubles per attempt)")
    retry_max_h: float = setting(24.0, "Cap of a delivery's retry delay; also the pause after a permanent failure")
    claim_timeout_min: float = setting(15.0, "A delivery left 'sending' by a crashed run is re-sent after this")
    webhook_lookback_h: float = setting(48.0, "Webhooks carry alerts created at most this many hours ago")
    subject_prefix: str = setting("monitor", "First word of digest subjects")


@dataclass(frozen=True)
class ScheduleSettings:
    pipeline_cron: str = setting("", "Cron of the pipeline; empty = every interval_min")
    interval_min: float = setting(60.0, "Interval of the pipeline when no cron is set")
    timezone: str = setting("UTC", "Time zone of the cron")


@dataclass(frozen=True)
class Settings:
    data_dir: str = setting("var", "Folder of the default database, outbox and Prefect home")
    database: DatabaseSettings = setting(DatabaseSettings(), "Database")
    fetch: FetchSettings = setting(FetchSettings(), "Fetching and extraction")
    detect: DetectSettings = setting(DetectSettings(), "Statement detection")
    smtp: SmtpSettings = setting(SmtpSettings(), "E-mail delivery")
    alerts: AlertSettings = setting(AlertSettings(), "Alerts, digests and webhooks")
    schedule: ScheduleSettings = setting(ScheduleSettings(), "Scheduled runs")
    sources: tuple[SourceConfig, ...] = setting((), "Sources")
    demands: tuple[Mapping[str, Any], ...] = setting((), "Tracked demands (raw; see detect)")
    actors: tuple[Mapping[str, Any], ...] = setting((), "Known actors (raw; see detect)")
    config_path: str = setting("", "The file these settings were loaded from")
    base_dir: str = setting(".", "Folder relative paths are resolved against")

    # -- derived values -------------------------------------------------------------------
    def resolve(self, path: str) -> Path:
        """A path from the configuration, resolved against the configuration's folder."""
        p = Path(os.path.expanduser(path))
        return p if p.is_absolute() else Path(self.base_dir) / p

    @property
    def data_path(self) -> Path:
        return Path(os.path.expanduser(self.data_dir)).absolute()

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_path / 'monitor.db'}"

    @property
    def outbox_path(self) -> Path:
        return self.resolve(self.alerts.outbox_dir) if self.alerts.outbox_dir else self.data_path / "outbox"

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp.host)

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)


# ---------------------------------------------------------------------------------------------
# Loading


def default_config_file() -> Path:
    return PACKAGE_DATA / DEFAULT_CONFIG_NAME


def find_config_file(explicit: str | os.PathLike[str] | None, env: Mapping[str, str]) -> Path:
    """The config file to use: explicit > $MONITOR_CONFIG > ./monitor.toml > the built-in default."""
    if explicit:
        return Path(explicit)
    if env.get("MONITOR_CONFIG"):
        return Path(env["MONITOR_CONFIG"])
    local = Path(DEFAULT_CONFIG_NAME)
    return local if local.is_file() else default_config_file()


def load_settings(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read, merge and validate the configuration. Raises ConfigError listing every problem."""
    env = os.environ if env is None else env
    file = find_config_file(path, env)
    where = str(file)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(where, "file not found (run `monitor init` to write a starter copy)") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(where, f"cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(where, f"not valid TOML: {exc}") from exc
    problems: list[str] = []
    smtp = raw.get("smtp")
    if isinstance(smtp, dict) and smtp.get("password"):
        problems.append("smtp.password: secrets are not read from files; set MONITOR_SMTP_PASSWORD instead")
    _apply_env(raw, env, problems)
    for key, value in (overrides or {}).items():
        _set_dotted(raw, key, value)
    base = file.absolute().parent
    raw.setdefault("base_dir", str(base))
    raw["config_path"] = str(file.absolute())
    settings = _build(Settings, raw, "", problems)
    if isinstance(settings, Settings):
        own = {"demands": bool(settings.detect.demands_file or settings.demands),
               "actors": bool(settings.detect.actors_file or settings.actors)}
        settings = _with_detect_resources(settings, problems)
        problems.extend(_check(settings))
        problems.extend(_check_detect(settings, own))
    if problems:
        raise ConfigError(where, problems)
    return settings


def _with_detect_resources(s: Settings, problems: list[str]) -> Settings:
    """Merge the demand and actor files with the [[demands]] / [[actors]] of the main file."""
    demands = _read_resource_file(s, s.detect.demands_file, "demands.toml", "demands", problems)
    actors = _read_resource_file(s, s.detect.actors_file, "actors.toml", "actors", problems)
    return dataclasses.replace(
        s, demands=_merge_by_name(demands, s.demands), actors=_merge_by_name(actors, s.actors)
    )


def _read_resource_file(
    s: Settings, configured: str, default_name: str, key: str, problems: list[str]
) -> tuple[Mapping[str, Any], ...]:
    file = s.resolve(configured) if configured else PACKAGE_DATA / default_name
    if not file.is_file():
        if configured:
            problems.append(f"detect.{key}_file: file not found: {file}")
        return ()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{file}: cannot read: {exc}")
        return ()
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        problems.append(f"{file}: '{key}' must be an array of tables ([[{key}]])")
        return ()
    return tuple(items)


def _merge_by_name(
    base: tuple[Mapping[str, Any], ...], extra: tuple[Mapping[str, Any], ...]
) -> tuple[Mapping[str, Any], ...]:
    merged: dict[str, Mapping[str, Any]] = {}
    for item in (*base, *extra):
        merged[str(item.get("name", f"#{len(merged)}"))] = item
    return tuple(merged.values())


def _check(s: Settings) -> list[str]:
    problems: list[str] = []
    names = [src.name for src in s.sources]
    for i, src in enumerate(s.sources):
        where = f"sources[{i}]"
        if not src.name:
            problems.append(f"{where}.name: required")
        elif names.count(src.name) > 1:
            problems.append(f"{where}.name: duplicate source name {src.name!r}")
        if src.kind == "files" and not src.path:
            problems.append(f"{where}.path: required for kind 'files'")
        if src.kind != "files" and not src.url:
            problems.append(f"{where}.url: required for kind {src.kind!r}")
        if src.url and not src.url.lower().startswith(("http://", "https://")):
            problems.append(f"{where}.url: only http:// and https:// URLs are allowed, got {src.url!r}")
        if src.interval_min < 0:
            problems.append(f"{where}.interval_min: must be >= 0")
    url = s.database_url
    if not url.startswith(("sqlite:", "postgresql")):
        problems.append(f"database.url: only SQLite and PostgreSQL URLs are supported, got {url.split(':')[0]!r}")
    if s.smtp.host and not s.smtp.to:
        problems.append("smtp.to: at least one recipient is required when smtp.host is set")
    for name in ("max_feed_bytes", "max_page_bytes", "max_sitemap_bytes", "max_connections"):
        if getattr(s.fetch, name) <= 0:
            problems.append(f"fetch.{name}: must be > 0")
    problems.extend(_check_alerts(s))
    return problems


def _check_alerts(s: Settings) -> list[str]:
    """Webhook URLs, names and mute rules (alerts, issue 5)."""
    problems: list[str] = []
    names = [w.name for w in s.alerts.webhooks]
    for i, hook in enumerate(s.alerts.webhooks):
        where = f"alerts.webhooks[{i}]"
        if not hook.name:
            problems.append(f"{where}.name: required")
        elif names.count(hook.name) > 1:
            problems.append(f"{where}.name: duplicate webhook name {hook.name!r}")
        if not hook.url.lower().startswith(("http://", "https://")):
            problems.append(f"{where}.url: only http:// and https:// URLs are allowed")
        if hook.timeout_s <= 0:
            problems.append(f"{where}.timeout_s: must be > 0")
    for i, rule in enumerate(s.alerts.mute):
        if not (rule.speaker or rule.phrase or rule.demand):
            problems.append(f"alerts.mute[{i}]: set at least one of speaker, phrase, demand")
    if s.alerts.max_digest_items <= 0:
        problems.append("alerts.max_digest_items: must be > 0")
    if s.smtp.timeout_s <= 0:
        problems.append("smtp.timeout_s: must be > 0")
    return problems


def _check_detect(s: Settings, own: Mapping[str, bool]) -> list[str]:
    """Validate demands and actors with the detection package's own loaders, when the
    configuration brings its own (a file or inline tables). The shipped files alone are not
    compiled again here (~50 ms of regular expressions on every command and every flow task):
    the test suite loads them, and detection compiles what it uses when it runs."""
    if not any(own.values()):
        return []
    try:
        from monitor.detect import resources
    except ImportError:  # detection not built yet
        return []
    problems: list[str] = []
    for loader, items in ((getattr(resources, "load_demands", None) if own["demands"] else None, s.demands),
                          (getattr(resources, "load_actors", None) if own["actors"] else None, s.actors)):
        if loader is None:
            continue
        try:
            loader(list(items), s.config_path)
        except ConfigError as exc:
            problems.extend(exc.problems)
    return problems


# ---------------------------------------------------------------------------------------------
# Environment overrides: MONITOR_<GROUP>_<FIELD>

_ENV_GROUPS = ("database", "fetch", "detect", "smtp", "alerts", "schedule")
_ENV_ALIASES = {"MONITOR_SMTP_FROM": ("smtp", "from_addr"), "MONITOR_DATA_DIR": (None, "data_dir")}


def _apply_env(raw: dict[str, Any], env: Mapping[str, str], problems: list[str]) -> None:
    hints = typing.get_type_hints(Settings)
    for key, value in env.items():
        if not key.startswith("MONITOR_") or key in ("MONITOR_CONFIG",):
            continue
        target = _ENV_ALIASES.get(key) or _env_target(key[len("MONITOR_"):].lower(), hints)
        if target is None:
            continue
        group, name = target
        section = raw.setdefault(group, {}) if group else raw
        if not isinstance(section, dict):
            problems.append(f"{group}: must be a table")
            continue
        section[name] = _ENV_MARK + value


_ENV_MARK = "\x00env:"  # marks a value that came from the environment (a string to coerce)


def _env_target(rest: str, hints: Mapping[str, Any]) -> tuple[str | None, str] | None:
    for group in _ENV_GROUPS:
        if rest.startswith(group + "_"):
            name = rest[len(group) + 1:]
            cls = hints[group]
            if name in {f.name for f in dataclasses.fields(cls)}:
                return group, name
    return None


def _set_dotted(raw: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node = raw
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value


# ---------------------------------------------------------------------------------------------
# Generic, typed construction of the dataclass tree with precise error messages


def _build(cls: type[Any], data: Any, where: str, problems: list[str]) -> Any:
    if not isinstance(data, dict):
        problems.append(f"{where or 'top level'}: expected a table, got {type(data).__name__}")
        return cls()
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{where}.{key}" if where else key
        if key not in known:
            problems.append(f"{path}: unknown key (known: {', '.join(sorted(known))})")
            continue
        ok, converted = _convert(hints[key], value, path, problems)
        if ok:
            kwargs[key] = converted
    return cls(**kwargs)


def _convert(tp: Any, value: Any, path: str, problems: list[str]) -> tuple[bool, Any]:
    from_env = isinstance(value, str) and value.startswith(_ENV_MARK)
    if from_env:
        value = value[len(_ENV_MARK):]
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return True, _build(tp, value, path, problems)  # type: ignore[arg-type]
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value in allowed:
            return True, value
        problems.append(f"{path}: must be one of {', '.join(map(str, allowed))}, got {value!r}")
        return False, None
    if origin is tuple:
        return _convert_tuple(tp, value, path, problems, from_env)
    if origin in (Mapping, dict) or tp is dict:
        if isinstance(value, dict):
            return True, value
        problems.append(f"{path}: expected a table")
        return False, None
    if origin in (types.UnionType, typing.Union):
        return _convert(typing.get_args(tp)[0], value, path, problems)
    return _convert_scalar(tp, value, path, problems, from_env)


def _convert_tuple(tp: Any, value: Any, path: str, problems: list[str], from_env: bool) -> tuple[bool, Any]:
    item_tp = typing.get_args(tp)[0]
    if from_env and isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list):
        problems.append(f"{path}: expected a list, got {type(value).__name__}")
        return False, None
    out = []
    for i, item in enumerate(value):
        ok, conv = _convert(item_tp, item, f"{path}[{i}]", problems)
        if ok:
            out.append(conv)
    return True, tuple(out)


def _convert_scalar(tp: Any, value: Any, path: str, problems: list[str], from_env: bool) -> tuple[bool, Any]:
    if from_env:
        try:
            value = _coerce_env(tp, value)
        except ValueError:
            problems.append(f"{path} (from the environment): expected {tp.__name__}, got {value!r}")
            return False, None
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if tp is Any or (isinstance(value, tp) and not (tp is int and isinstance(value, bool))):
        return True, value
    problems.append(f"{path}: expected {tp.__name__}, got {type(value).__name__} {value!r}")
    return False, None


def _coerce_env(tp: Any, value: str) -> Any:
    if tp is bool:
        low = value.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(value)
    if tp in (int, float):
        return tp(value)
    return value


def settings_help() -> list[tuple[str, str, str]]:
    """(key, default, help) for every scalar setting: the README's settings table."""
    rows: list[tuple[str, str, str]] = []

    def walk(cls: type[Any], prefix: str) -> None:
        for f in dataclasses.fields(cls):
            key = f"{prefix}{f.name}"
            if dataclasses.is_dataclass(f.default) and not isinstance(f.default, type):
                walk(type(f.default), key + ".")
            elif f.name not in ("config_path", "base_dir"):
                rows.append((key, repr(f.default), f.metadata.get("help", "")))

    walk(Settings, "")
    return rows


SECRET_FIELDS = ("password",)


def settings_markdown() -> str:
    """The settings reference as a Markdown table (kept in the README; a test checks it)."""
    lines = ["| setting | default | meaning |", "|---|---|---|"]
    for key, default, help_text in settings_help():
        env = f"MONITOR_{key.replace('.', '_').upper()}" if "." in key or key == "data_dir" else ""
        shown = default.replace("|", "\\|")
        lines.append(f"| `{key}` | `{shown}` | {help_text}{f' (env `{env}`)' if env else ''} |")
    return "\n".join(lines)


def redacted(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data, secrets replaced by '***'."""
    data = dataclasses.asdict(settings)
    for group in data.values():
        if isinstance(group, dict):
            for name in SECRET_FIELDS:
                if group.get(name):
                    group[name] = "***"
    if "@" in data["database"]["url"]:
        from sqlalchemy.engine import make_url

        data["database"]["url"] = make_url(data["database"]["url"]).render_as_string(hide_password=True)
    return data
