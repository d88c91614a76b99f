-- Core identity row every domain refers to. The auth domain adds credentials and sessions.
CREATE TABLE users (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    phone        text UNIQUE,
    display_name text NOT NULL DEFAULT '',
    role         text NOT NULL DEFAULT 'user'
                 CHECK (role IN ('user', 'creator', 'moderator', 'admin')),
    status       text NOT NULL DEFAULT 'active'
                 CHECK (status IN ('active', 'suspended', 'deleted')),
    created_at   timestamptz NOT NULL DEFAULT now()
);
