"""Fetching: the guarded HTTP client (the only package that imports httpx), URL policy, politeness."""
