"""Operator-facing events: liveness over the socket and system announcements."""
