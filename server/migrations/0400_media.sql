-- Uploaded videos (media domain). One row per tus upload; the same id names the media
-- everywhere (upload URL, HLS paths, posts.media_id). Bytes live in files/object storage,
-- never in PostgreSQL.
CREATE TABLE media (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id        uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status          text NOT NULL DEFAULT 'uploading'
                    CHECK (status IN ('uploading', 'uploaded', 'processing', 'ready',
                                      'failed')),
    upload_length   bigint NOT NULL CHECK (upload_length > 0),
    upload_offset   bigint NOT NULL DEFAULT 0,
    upload_metadata jsonb NOT NULL DEFAULT '{}',  -- tus Upload-Metadata, decoded
    filename        text,
    filetype        text,
    expires_at      timestamptz,                  -- incomplete uploads are swept after this
    stage           text,                         -- probing | transcoding | packaging
    progress        smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    failure_code    text,
    failure_reason  text,
    probe           jsonb,                        -- container, codecs, duration, size, rotation
    renditions      jsonb,                        -- [{name, width, height, bandwidth, codecs}]
    duration_ms     integer,
    width           integer,
    height          integer,
    storage_prefix  text,                         -- where the HLS ladder, poster, preview are
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,                  -- all bytes received
    ready_at        timestamptz,
    CHECK (upload_offset BETWEEN 0 AND upload_length)
);
CREATE INDEX media_owner ON media (owner_id, created_at DESC);
CREATE INDEX media_expiring ON media (expires_at) WHERE status = 'uploading';
