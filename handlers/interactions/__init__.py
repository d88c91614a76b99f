"""Reactions, threaded comments, mentions, report hand-off, grouped notifications."""
