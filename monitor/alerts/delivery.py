"""The only module that sends anything: digest e-mails over SMTP and webhook POSTs.

SMTP: every connection has a timeout (smtplib waits forever without one); STARTTLS and SSL use
``ssl.create_default_context()`` (certificates always verified); the envelope is sent step by
step (MAIL, RCPT per recipient, DATA) so that a partial refusal of recipients is returned per
recipient and a failure is known to have happened before the server could have accepted the
message, or not. smtplib exceptions are translated into :class:`DeliveryError` here and
nowhere else: ``transient`` says whether a retry may help, ``kind`` is a stable error kind and
``smtp_in_doubt`` means the message may have been accepted (it must be re-sent identically).

Webhooks: one JSON POST, redirects never followed, a timeout, the idempotency key in a header,
the URL checked against the same public-address policy as fetching.
"""

from __future__ import annotations

import json
import smtplib
import ssl
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from typing import Any, Final

from monitor.config import FetchSettings, SmtpSettings
from monitor.errors import DeliveryError

DEFAULT_PORTS: Final = {"none": 25, "starttls": 587, "ssl": 465}
IN_DOUBT: Final = "smtp_in_doubt"
MAX_WEBHOOK_RESPONSE_BYTES: Final = 64 * 1024


@dataclass(frozen=True)
class SmtpOutcome:
    """The server accepted the message; ``refused`` lists recipients it refused (code, reply)."""

    accepted: tuple[str, ...]
    refused: dict[str, tuple[int, str]]


def _reply(resp: bytes | str) -> str:
    text = resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)
    return " ".join(text.split())[:300]


def _response_error(target: str, code: int, resp: bytes | str, stage: str) -> DeliveryError:
    transient = 400 <= code < 500
    kind = "smtp_transient" if transient else "smtp_rejected"
    return DeliveryError(target, f"SMTP {code} at {stage}: {_reply(resp)}", kind=kind, transient=transient)


@contextmanager
def smtp_errors(target: str, stage: str) -> Iterator[None]:
    """Translate smtplib/socket failures during ``stage`` into DeliveryError (the one boundary)."""
    in_doubt = stage == "DATA"
    try:
        yield
    except smtplib.SMTPAuthenticationError as exc:
        err = _response_error(target, exc.smtp_code, exc.smtp_error, "AUTH")
        raise DeliveryError(target, err.reason, kind="smtp_auth", transient=err.transient) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(target, f"server does not support {stage}", kind="smtp_unsupported",
                            transient=False) from exc
    except smtplib.SMTPResponseException as exc:
        raise _response_error(target, exc.smtp_code, exc.smtp_error, stage) from exc
    except smtplib.SMTPServerDisconnected as exc:
        kind = IN_DOUBT if in_doubt else "smtp_disconnected"
        raise DeliveryError(target, f"server disconnected during {stage}: {exc}", kind=kind) from exc
    except TimeoutError as exc:
        kind = IN_DOUBT if in_doubt else "smtp_timeout"
        raise DeliveryError(target, f"timed out during {stage}", kind=kind) from exc
    except ssl.SSLError as exc:
        raise DeliveryError(target, f"TLS error during {stage}: {exc}", kind="tls_error") from exc
    except (smtplib.SMTPException, OSError) as exc:
        kind = IN_DOUBT if in_doubt else "smtp_unavailable"
        raise DeliveryError(target, f"{type(exc).__name__} during {stage}: {exc}", kind=kind) from exc


def smtp_target(s: SmtpSettings) -> str:
    return f"smtp://{s.host}:{s.port or DEFAULT_PORTS[s.security]}"


def _connect(s: SmtpSettings, target: str) -> smtplib.SMTP:
    port = s.port or DEFAULT_PORTS[s.security]
    with smtp_errors(target, "connect"):
        if s.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(s.host, port, timeout=s.timeout_s,
                                                  context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(s.host, port, timeout=s.timeout_s)
    try:
        with smtp_errors(target, "EHLO"):
            conn.ehlo_or_helo_if_needed()
        if s.security == "starttls":
            with smtp_errors(target, "STARTTLS"):
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
        if s.username:
            with smtp_errors(target, "AUTH"):
                conn.login(s.username, s.password)
    except BaseException:
        conn.close()
        raise
    return conn


def message_bytes(msg: EmailMessage) -> bytes:
    """The exact bytes sent (and kept in the outbox, so a re-send is byte-identical)."""
    return msg.as_bytes(policy=SMTP_POLICY)


def send_email(data: bytes, s: SmtpSettings, *, from_addr: str, to: Sequence[str]) -> SmtpOutcome:
    """Send the message ``data``; returns when the server accepted it (for at least one recipient).

    Raises DeliveryError: ``transient`` for 4xx replies and network failures, not for 5xx;
    kind ``smtp_in_doubt`` when the connection failed after the message data was sent."""
    target = smtp_target(s)
    if not to:
        raise DeliveryError(target, "no recipients configured", kind="smtp_config", transient=False)
    conn = _connect(s, target)
    try:
        with smtp_errors(target, "MAIL FROM"):
            code, resp = conn.mail(from_addr)
        if code != 250:
            raise _response_error(target, code, resp, "MAIL FROM")
        refused = _recipients(conn, target, to)
        if len(refused) == len(to):
            raise _all_refused(target, refused)
        with smtp_errors(target, "DATA"):
            code, resp = conn.data(data)  # raises unless DATA got 354; the final reply is ours to check
        if code != 250:
            raise _response_error(target, code, resp, "end of DATA")
        with smtp_errors(target, "QUIT"):
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                pass  # accepted already; a failing QUIT changes nothing
        return SmtpOutcome(tuple(r for r in to if r not in refused), refused)
    finally:
        conn.close()


def _recipients(conn: smtplib.SMTP, target: str, to: Sequence[str]) -> dict[str, tuple[int, str]]:
    refused: dict[str, tuple[int, str]] = {}
    for rcpt in to:
        with smtp_errors(target, "RCPT TO"):
            code, resp = conn.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, _reply(resp))
    return refused


def _all_refused(target: str, refused: Mapping[str, tuple[int, str]]) -> DeliveryError:
    transient = any(400 <= code < 500 for code, _ in refused.values())
    detail = "; ".join(f"{r}: {code} {reply}" for r, (code, reply) in refused.items())
    err = DeliveryError(target, f"every recipient refused: {detail}",
                        kind="smtp_transient" if transient else "smtp_rejected", transient=transient)
    err.refused = dict(refused)  # type: ignore[attr-defined]
    return err


# --- webhooks -------------------------------------------------------------------------------


def slack_text(lines: Sequence[str], limit: int = 3_000) -> str:
    """Slack-compatible ``text``: plain lines, with Slack's control characters escaped."""
    text = "\n".join(lines)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def post_webhook(url: str, payload: Mapping[str, Any], *, key: str, timeout_s: float, fetch: FetchSettings) -> int:
    """POST ``payload`` as JSON; returns the 2xx status. Raises DeliveryError: transient on
    network errors, timeouts, 429 and 5xx; permanent on other statuses, redirects (never
    followed) and URLs the address policy refuses (kind ``ssrf_blocked``)."""
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key,
               "X-Monitor-Delivery": key, "User-Agent": fetch.user_agent}
    status = _guarded_post(url, body, headers, timeout_s, fetch)
    if 200 <= status < 300:
        return status
    if 300 <= status < 400:
        raise DeliveryError(url, f"HTTP {status}: redirects are not followed for webhooks",
                            kind="webhook_redirect", transient=False)
    if status == 429 or status >= 500:
        raise DeliveryError(url, f"HTTP {status}", kind="http_429" if status == 429 else "http_5xx")
    raise DeliveryError(url, f"HTTP {status}", kind=f"http_{status}", transient=False)


def _guarded_post(url: str, body: bytes, headers: Mapping[str, str], timeout_s: float, fetch: FetchSettings) -> int:
    """Sent through the fetch stage's guarded client (monitor/alerts/webhook_http.py)."""
    from monitor.alerts import webhook_http

    return webhook_http.post(url, body, headers, timeout_s=timeout_s, fetch=fetch)
