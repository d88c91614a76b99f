"""SQL of the media domain."""

MEDIA_COLUMNS = """id::text, owner_id::text, status, upload_length, upload_offset, upload_metadata,
    filename, filetype, expires_at, stage, progress, failure_code, failure_reason, probe,
    renditions, duration_ms, width, height, storage_prefix, created_at, completed_at, ready_at"""

OPEN_UPLOADS_AND_RECENT_BYTES = """
SELECT count(*) FILTER (WHERE status = 'uploading' AND expires_at > now()) AS open_uploads,
       coalesce(sum(upload_length) FILTER (WHERE created_at > now() - interval '24 hours'), 0)
           AS recent_bytes
FROM media WHERE owner_id = $1"""

INSERT_UPLOAD = f"""
INSERT INTO media (owner_id, upload_length, upload_metadata, filename, filetype, expires_at)
VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
RETURNING {MEDIA_COLUMNS}"""

GET_MEDIA = f"SELECT {MEDIA_COLUMNS} FROM media WHERE id = $1"

SET_OFFSET = f"""
UPDATE media SET upload_offset = $2, updated_at = now(),
       expires_at = greatest(expires_at, now() + make_interval(secs => $3))
WHERE id = $1 AND status = 'uploading'
RETURNING {MEDIA_COLUMNS}"""

COMPLETE_UPLOAD = f"""
UPDATE media SET upload_offset = upload_length, status = 'uploaded', completed_at = now(),
       expires_at = NULL, stage = 'queued', progress = 0, updated_at = now()
WHERE id = $1 AND status = 'uploading'
RETURNING {MEDIA_COLUMNS}"""

DELETE_MEDIA = "DELETE FROM media WHERE id = $1 RETURNING id::text, owner_id::text, storage_prefix"

# A retry (status already 'processing': its worker died or it failed) keeps the stage and
# percent the uploader saw; `was` tells the caller it is one. Progress never goes backwards.
START_PROCESSING = f"""
WITH before AS (SELECT status AS was FROM media WHERE id = $1 FOR UPDATE)
UPDATE media SET status = 'processing',
       stage = CASE WHEN before.was = 'processing' THEN stage ELSE $2 END,
       progress = CASE WHEN before.was = 'processing' THEN progress ELSE 0 END,
       updated_at = now()
FROM before
WHERE id = $1 AND status IN ('uploaded', 'processing')
RETURNING {MEDIA_COLUMNS}, before.was"""

SET_PROGRESS = """
UPDATE media SET stage = $2, progress = $3, updated_at = now()
WHERE id = $1 AND status = 'processing'
  AND (progress < $3 OR (progress = $3 AND stage IS DISTINCT FROM $2))
RETURNING owner_id::text"""

SET_PROBE = """
UPDATE media SET probe = $2, duration_ms = $3, width = $4, height = $5, updated_at = now()
WHERE id = $1"""

MARK_READY = f"""
UPDATE media SET status = 'ready', stage = 'ready', progress = 100, renditions = $2,
       storage_prefix = $3, ready_at = now(), updated_at = now()
WHERE id = $1 AND status = 'processing'
RETURNING {MEDIA_COLUMNS}"""

MARK_FAILED = f"""
UPDATE media SET status = 'failed', stage = 'failed', failure_code = $2, failure_reason = $3,
       updated_at = now(), expires_at = NULL
WHERE id = $1 AND status IN ('uploading', 'uploaded', 'processing')
RETURNING {MEDIA_COLUMNS}"""

DELETE_EXPIRED_UPLOADS = """
DELETE FROM media WHERE id IN (
    SELECT id FROM media WHERE status = 'uploading' AND expires_at < now()
    ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING id::text, owner_id::text"""

LIST_OWN = f"""
SELECT {MEDIA_COLUMNS} FROM media WHERE owner_id = $1 ORDER BY created_at DESC LIMIT $2"""

EXPORT_OWN = """
SELECT id::text, status, filename, filetype, upload_length, duration_ms, width, height,
       created_at, ready_at
FROM media WHERE owner_id = $1 ORDER BY created_at"""

ERASE_OWN = "DELETE FROM media WHERE owner_id = $1"

STALLED = """
SELECT id::text FROM media
WHERE status IN ('uploaded', 'processing') AND updated_at < now() - make_interval(secs => $1)
ORDER BY updated_at LIMIT 100"""
