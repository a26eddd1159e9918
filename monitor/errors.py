"""The exception tree of the monitor.

Everything the monitor raises on purpose derives from :class:`MonitorError`::

    MonitorError
    ├── ConfigError (ValueError)      bad configuration file, key or value
    ├── SourceError                   a source could not be read (missing path, binary file, ...)
    ├── FetchError                    an HTTP fetch failed
    │   ├── TransientFetchError       worth retrying: timeout, connection error, 429, 5xx
    │   └── PermanentFetchError       not worth retrying: 4xx, wrong type, oversize, blocked
    ├── ExtractError                  a page could not be turned into an article
    ├── ModelError (ValueError)       a detector model file is missing, truncated or incompatible
    ├── TrainingError (ValueError)    labelled data is malformed or too small to train on
    ├── StorageError                  the database failed or is at the wrong revision
    │   └── SchemaOutdatedError       the database needs ``monitor db upgrade``
    └── DeliveryError                 an e-mail or webhook could not be delivered

Each carries the input that identifies what failed (``path``, ``url``, ``recipient``...).
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base class of every error the monitor raises on purpose."""


class ConfigError(MonitorError, ValueError):
    """The configuration is invalid; ``problems`` lists every problem found."""

    def __init__(self, path: str, problems: list[str] | str) -> None:
        self.path = path
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        joined = "\n  - ".join(self.problems)
        super().__init__(f"invalid configuration in {path}:\n  - {joined}")


class SourceError(MonitorError):
    """A source (file, folder, feed definition) cannot be read."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


class FetchError(MonitorError):
    """An HTTP fetch failed; ``kind`` is a stable error kind such as ``timeout``."""

    retry_after_s: float | None = None  # the server's Retry-After, when it sent one (fetch stage)

    def __init__(self, url: str, reason: str, kind: str = "network") -> None:
        super().__init__(f"{reason}: {url}")
        self.url, self.reason, self.kind = url, reason, kind


class TransientFetchError(FetchError):
    """Worth retrying: timeout, connection error, 429, 5xx."""


class PermanentFetchError(FetchError):
    """Not worth retrying: other 4xx, wrong content type, oversize, refused address."""


class ExtractError(MonitorError):
    """A page could not be turned into an article."""

    def __init__(self, url: str, reason: str, kind: str = "extract_error") -> None:
        super().__init__(f"{reason}: {url}")
        self.url, self.reason, self.kind = url, reason, kind


class ModelError(MonitorError, ValueError):
    """A detector model file cannot be used; the message says how to rebuild it."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"model file {path}: {reason}")
        self.path, self.reason = path, reason


class TrainingError(MonitorError, ValueError):
    """Labelled data cannot be trained on: a malformed line, an unknown label, too few examples."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


class StorageError(MonitorError):
    """The database failed (unreachable, locked, constraint, wrong revision)."""


class SchemaOutdatedError(StorageError):
    """The database schema is older than this version of the monitor."""


class DeliveryError(MonitorError):
    """An e-mail or webhook delivery failed."""

    def __init__(self, target: str, reason: str, kind: str = "delivery_error", transient: bool = True) -> None:
        super().__init__(f"{reason}: {target}")
        self.target, self.reason, self.kind, self.transient = target, reason, kind, transient
