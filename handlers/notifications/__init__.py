"""Notifications: stored, grouped, pushed live (see actions.py)."""
