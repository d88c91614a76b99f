"""Live streaming: stream lifecycle, WHIP ingest, LL-HLS playback, live rooms (viewers, chat,
reactions, pins, removals, tips)."""
