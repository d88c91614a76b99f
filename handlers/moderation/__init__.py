"""Moderation: text decisions (lists, patterns, model), reports, review queue, PDPL rights."""
