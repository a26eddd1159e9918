"""Alerts: the alert table's life cycle (table.py), digest rendering (digest.py, headers.py),
and the only module that talks to SMTP servers and webhooks (delivery.py)."""
