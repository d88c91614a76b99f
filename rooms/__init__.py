"""Shared realtime primitives: room names, membership checks, presence, typing, rate limits."""
