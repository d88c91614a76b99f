"""A demo world for development (`python -m server seed`)."""
