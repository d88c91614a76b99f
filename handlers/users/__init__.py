"""Profiles, the follow/block/mute graph, circles and the trust score."""
