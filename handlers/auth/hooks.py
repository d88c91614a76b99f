"""What the auth domain asks of, or tells, the domains above it (server/hooks.py)."""
from __future__ import annotations

from server.hooks import Hook

# (state, display_name): raise an AppError to refuse a display name at registration. The
# moderation domain listens (auth sits below it, so it cannot call moderation itself).
display_name_check = Hook("auth.display_name_check")
