"""Chat: 1:1 DMs and groups, messages with per-conversation seq, receipts, sync; presence and typing."""
