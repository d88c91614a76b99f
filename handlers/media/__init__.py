"""Uploaded videos: tus uploads, validation, the transcode job, progress events, serving."""
