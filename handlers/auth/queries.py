"""The SQL of the auth domain, as named constants with $1 parameters."""

# --- users and passwords -----------------------------------------------------------------
INSERT_USER = """
INSERT INTO users (phone, display_name) VALUES ($1, $2)
ON CONFLICT (phone) DO NOTHING
RETURNING id::text, phone, display_name, role, status, created_at"""

USER_BY_ID = """
SELECT id::text, phone, display_name, role, status, created_at FROM users WHERE id = $1::uuid"""

USER_WITH_PASSWORD_BY_PHONE = """
SELECT u.id::text, u.role, u.status, p.hash
FROM users u LEFT JOIN auth_passwords p ON p.user_id = u.id
WHERE u.phone = $1"""

USER_ID_BY_PHONE = "SELECT id::text FROM users WHERE phone = $1"

UPSERT_PASSWORD = """
INSERT INTO auth_passwords (user_id, hash) VALUES ($1::uuid, $2)
ON CONFLICT (user_id) DO UPDATE SET hash = EXCLUDED.hash, updated_at = now()"""

SET_ROLE = "UPDATE users SET role = $2 WHERE id = $1::uuid"

UPDATE_PASSWORD_HASH = "UPDATE auth_passwords SET hash = $2 WHERE user_id = $1::uuid"

# --- sessions ------------------------------------------------------------------------------
INSERT_SESSION = """
INSERT INTO auth_sessions (user_id, label, method, user_agent, ip, expires_at)
VALUES ($1::uuid, $2, $3, $4, $5, now() + make_interval(secs => $6))
RETURNING id::text"""

SESSIONS_STATUS = """
SELECT s.id::text, s.user_id::text,
       s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active' AS live
FROM auth_sessions s JOIN users u ON u.id = s.user_id
WHERE s.id = ANY($1::uuid[])"""

LIST_SESSIONS = """
SELECT id::text, label, method, user_agent, ip, created_at, last_used_at, expires_at
FROM auth_sessions
WHERE user_id = $1::uuid AND revoked_at IS NULL AND expires_at > now()
ORDER BY last_used_at DESC"""

REVOKE_SESSION = """
UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $3
WHERE id = $1::uuid AND user_id = $2::uuid AND revoked_at IS NULL
RETURNING id::text"""

REVOKE_SESSIONS_EXCEPT = """
UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $3
WHERE user_id = $1::uuid AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2::uuid)
RETURNING id::text"""

TOUCH_SESSION = """
UPDATE auth_sessions SET last_used_at = now(), user_agent = coalesce($2, user_agent),
       ip = coalesce($3, ip)
WHERE id = $1::uuid"""

# --- refresh tokens (one family per session) -----------------------------------------------
INSERT_REFRESH = """
INSERT INTO auth_refresh_tokens (token_hash, session_id, expires_at)
VALUES ($1, $2::uuid, now() + make_interval(secs => $3))"""

REFRESH_FOR_UPDATE = """
SELECT r.session_id::text, r.rotated_at, r.expires_at > now() AS fresh,
       s.user_id::text, s.revoked_at, s.expires_at > now() AS session_fresh,
       u.role, u.status
FROM auth_refresh_tokens r
JOIN auth_sessions s ON s.id = r.session_id
JOIN users u ON u.id = s.user_id
WHERE r.token_hash = $1
FOR UPDATE OF r, s"""

MARK_REFRESH_ROTATED = "UPDATE auth_refresh_tokens SET rotated_at = now() WHERE token_hash = $1"

# --- passkeys ------------------------------------------------------------------------------
INSERT_PASSKEY = """
INSERT INTO auth_passkeys (user_id, credential_id, public_key, sign_count, transports, aaguid,
                           name)
VALUES ($1::uuid, $2, $3, $4, $5, $6, $7)
ON CONFLICT (credential_id) DO NOTHING
RETURNING id::text, name, created_at"""

PASSKEY_IDS_OF_USER = "SELECT credential_id, transports FROM auth_passkeys WHERE user_id = $1::uuid"

LIST_PASSKEYS = """
SELECT id::text, name, aaguid, created_at, last_used_at FROM auth_passkeys
WHERE user_id = $1::uuid ORDER BY created_at"""

PASSKEY_BY_CREDENTIAL_FOR_UPDATE = """
SELECT p.id::text, p.user_id::text, p.public_key, p.sign_count, u.role, u.status
FROM auth_passkeys p JOIN users u ON u.id = p.user_id
WHERE p.credential_id = $1 FOR UPDATE OF p"""

UPDATE_PASSKEY_USE = """
UPDATE auth_passkeys SET sign_count = $2, last_used_at = now() WHERE id = $1::uuid"""

DELETE_PASSKEY = """
DELETE FROM auth_passkeys WHERE id = $1::uuid AND user_id = $2::uuid RETURNING id::text"""

# --- audit ---------------------------------------------------------------------------------
INSERT_AUDIT = """
INSERT INTO auth_audit (event, user_id, session_id, phone_mask, ip, user_agent, details)
VALUES ($1, $2::uuid, $3::uuid, $4, $5, $6, $7)"""

AUDIT_OF_USER = """
SELECT at, event, session_id::text, ip, user_agent, details FROM auth_audit
WHERE user_id = $1::uuid ORDER BY id"""

ERASE_AUDIT_OF_USER = """
UPDATE auth_audit SET ip = NULL, user_agent = NULL, phone_mask = NULL WHERE user_id = $1::uuid"""

EXPORT_SESSIONS = """
SELECT id::text, label, method, user_agent, ip, created_at, last_used_at, revoked_at
FROM auth_sessions WHERE user_id = $1::uuid ORDER BY created_at"""

ERASE_CREDENTIALS = """
WITH a AS (DELETE FROM auth_passwords WHERE user_id = $1::uuid),
     b AS (DELETE FROM auth_passkeys WHERE user_id = $1::uuid)
UPDATE auth_sessions SET revoked_at = coalesce(revoked_at, now()),
       revoked_reason = coalesce(revoked_reason, 'erased'), user_agent = NULL, ip = NULL
WHERE user_id = $1::uuid RETURNING id::text"""
