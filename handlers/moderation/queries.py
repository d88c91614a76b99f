"""SQL of the moderation domain (review queue, reports, standing, consent, audit)."""

ITEM_COLUMNS = """id::text, target_type, target_id, author_id::text, text_snapshot, snapshot_from,
    source, auto_decision, status, claimed_by::text, claimed_at, decision, decided_by::text,
    decided_at, decision_note, report_count, appeal_status, appeal_text, appealed_at,
    created_at, updated_at, category, priority"""

UPSERT_ITEM = f"""
INSERT INTO mod_items (target_type, target_id, author_id, text_snapshot, snapshot_from, source,
                       auto_decision, category, priority)
VALUES ($1, $2, $3::uuid, $4, $5, $6, $7, $8, $9)
ON CONFLICT (target_type, target_id) DO UPDATE
   SET updated_at = now(),
       category = COALESCE(mod_items.category, EXCLUDED.category),
       priority = GREATEST(mod_items.priority, EXCLUDED.priority),
       -- a new report on a decided item re-opens it only if it was restored
       status = CASE WHEN mod_items.status = 'decided' AND mod_items.decision = 'restore'
                          AND EXCLUDED.source = 'report' THEN 'open' ELSE mod_items.status END
RETURNING {ITEM_COLUMNS}, (xmax = 0) AS created"""

INSERT_REPORT = """
INSERT INTO mod_reports (item_id, reporter_id, reason, note) VALUES ($1::uuid, $2::uuid, $3, $4)
ON CONFLICT (item_id, reporter_id) DO NOTHING RETURNING id::text"""

BUMP_REPORT_COUNT = f"""
UPDATE mod_items SET report_count = report_count + 1, updated_at = now() WHERE id = $1::uuid
RETURNING {ITEM_COLUMNS}"""

GET_ITEM = f"SELECT {ITEM_COLUMNS} FROM mod_items WHERE id = $1::uuid"
GET_ITEM_FOR_UPDATE = f"SELECT {ITEM_COLUMNS} FROM mod_items WHERE id = $1::uuid FOR UPDATE"

QUEUE = f"""
SELECT {ITEM_COLUMNS} FROM mod_items
 WHERE status <> 'decided' OR appeal_status = 'pending'
 ORDER BY priority DESC, (appeal_status = 'pending') DESC NULLS LAST,
          (source = 'sample'), report_count DESC, created_at
 LIMIT $1"""

CLAIM = f"""
UPDATE mod_items SET status = 'claimed', claimed_by = $2::uuid, claimed_at = now(),
       updated_at = now()
 WHERE id = $1::uuid RETURNING {ITEM_COLUMNS}"""

RELEASE = f"""
UPDATE mod_items SET status = 'open', claimed_by = NULL, claimed_at = NULL, updated_at = now()
 WHERE id = $1::uuid RETURNING {ITEM_COLUMNS}"""

DECIDE = f"""
UPDATE mod_items SET status = 'decided', decision = $2, decided_by = $3::uuid, decided_at = now(),
       decision_note = $4, claimed_by = NULL, claimed_at = NULL, updated_at = now(),
       category = COALESCE($5, category),
       appeal_status = CASE WHEN appeal_status = 'pending'
                            THEN (CASE WHEN $2 = 'restore' THEN 'overturned' ELSE 'upheld' END)
                            ELSE appeal_status END
 WHERE id = $1::uuid RETURNING {ITEM_COLUMNS}"""

APPEAL = f"""
UPDATE mod_items SET appeal_status = 'pending', appeal_text = $2, appealed_at = now(),
       updated_at = now()
 WHERE id = $1::uuid AND appeal_status IS NULL RETURNING {ITEM_COLUMNS}"""

SET_REPORT_OUTCOME = """
UPDATE mod_reports SET outcome = $2 WHERE item_id = $1::uuid
RETURNING reporter_id::text"""

STANDING_AUTHOR = """
INSERT INTO mod_standing (user_id, strikes, warnings, suspended_until)
VALUES ($1::uuid, $2, $3, $4)
ON CONFLICT (user_id) DO UPDATE
   SET strikes = mod_standing.strikes + EXCLUDED.strikes,
       warnings = mod_standing.warnings + EXCLUDED.warnings,
       suspended_until = COALESCE(EXCLUDED.suspended_until, mod_standing.suspended_until),
       updated_at = now()"""

STANDING_REPORTERS = """
INSERT INTO mod_standing (user_id, reports_upheld, reports_rejected)
SELECT u, $2, $3 FROM unnest($1::uuid[]) AS u
ON CONFLICT (user_id) DO UPDATE
   SET reports_upheld = mod_standing.reports_upheld + EXCLUDED.reports_upheld,
       reports_rejected = mod_standing.reports_rejected + EXCLUDED.reports_rejected,
       updated_at = now()"""

LIFT_SUSPENSION = """
UPDATE mod_standing SET suspended_until = NULL, strikes = greatest(strikes - 1, 0),
       updated_at = now() WHERE user_id = $1::uuid"""

GET_STANDING = """
SELECT strikes, warnings, reports_upheld, reports_rejected, suspended_until
  FROM mod_standing WHERE user_id = $1::uuid"""

SET_USER_STATUS = "UPDATE users SET status = $2 WHERE id = $1::uuid AND status <> 'deleted'"

TABLE_EXISTS = "SELECT to_regclass($1) IS NOT NULL"

AUDIT = """
INSERT INTO pdpl_audit (actor_id, actor_role, action, subject_id, target_type, target_id, details)
VALUES ($1::uuid, $2, $3, $4::uuid, $5, $6, $7)"""

# ---- consent
GRANT_CONSENT = """
INSERT INTO pdpl_consents (user_id, purpose, policy_version) VALUES ($1::uuid, $2, $3)
RETURNING id, purpose, policy_version, granted_at, withdrawn_at"""

WITHDRAW_CONSENT = """
UPDATE pdpl_consents SET withdrawn_at = now()
 WHERE user_id = $1::uuid AND purpose = $2 AND withdrawn_at IS NULL
RETURNING id, purpose, policy_version, granted_at, withdrawn_at"""

LIST_CONSENTS = """
SELECT id, purpose, policy_version, granted_at, withdrawn_at FROM pdpl_consents
 WHERE user_id = $1::uuid ORDER BY granted_at, id"""

# ---- data-subject export and erasure
EXPORT_MODERATION = """
SELECT json_build_object(
  'items_about_my_content', COALESCE((SELECT json_agg(json_build_object(
        'id', id, 'target_type', target_type, 'target_id', target_id,
        'text_snapshot', text_snapshot, 'source', source, 'status', status,
        'decision', decision, 'decided_at', decided_at, 'appeal_status', appeal_status,
        'appeal_text', appeal_text, 'created_at', created_at) ORDER BY created_at)
      FROM mod_items WHERE author_id = $1::uuid), '[]'::json),
  'my_reports', COALESCE((SELECT json_agg(json_build_object(
        'id', r.id, 'target_type', i.target_type, 'target_id', i.target_id,
        'reason', r.reason, 'note', r.note, 'outcome', r.outcome, 'created_at', r.created_at)
        ORDER BY r.created_at)
      FROM mod_reports r JOIN mod_items i ON i.id = r.item_id
     WHERE r.reporter_id = $1::uuid), '[]'::json),
  'standing', (SELECT row_to_json(s) FROM (SELECT strikes, warnings, reports_upheld,
        reports_rejected, suspended_until FROM mod_standing WHERE user_id = $1::uuid) s))"""

ERASE_ITEMS_AUTHORED = """
UPDATE mod_items SET author_id = NULL, text_snapshot = '', appeal_text = NULL,
       auto_decision = NULL, decision_note = NULL
 WHERE author_id = $1::uuid"""
ERASE_REPORTS = "DELETE FROM mod_reports WHERE reporter_id = $1::uuid"
ERASE_STAFF_REFS = """
UPDATE mod_items SET claimed_by = CASE WHEN claimed_by = $1::uuid THEN NULL ELSE claimed_by END,
       decided_by = CASE WHEN decided_by = $1::uuid THEN NULL ELSE decided_by END
 WHERE claimed_by = $1::uuid OR decided_by = $1::uuid"""
ERASE_STANDING = "DELETE FROM mod_standing WHERE user_id = $1::uuid"

EXPORT_PDPL = """
SELECT json_build_object(
  'consents', COALESCE((SELECT json_agg(json_build_object('purpose', purpose,
        'policy_version', policy_version, 'granted_at', granted_at,
        'withdrawn_at', withdrawn_at) ORDER BY granted_at) FROM pdpl_consents
     WHERE user_id = $1::uuid), '[]'::json),
  'audit', COALESCE((SELECT json_agg(json_build_object('at', at, 'action', action,
        'actor_role', actor_role, 'by_me', actor_id = $1::uuid, 'target_type', target_type,
        'target_id', target_id) ORDER BY at, id) FROM pdpl_audit
     WHERE subject_id = $1::uuid OR actor_id = $1::uuid), '[]'::json))"""
ERASE_CONSENTS = "DELETE FROM pdpl_consents WHERE user_id = $1::uuid"
PSEUDONYMISE_AUDIT = """
UPDATE pdpl_audit SET
       pseudonym = $2,
       subject_id = CASE WHEN subject_id = $1::uuid THEN NULL ELSE subject_id END,
       actor_id = CASE WHEN actor_id = $1::uuid THEN NULL ELSE actor_id END,
       details = '{}'::jsonb
 WHERE subject_id = $1::uuid OR actor_id = $1::uuid"""

EXPORT_USER = """
SELECT json_build_object('id', id, 'phone', phone, 'display_name', display_name, 'role', role,
                         'status', status, 'created_at', created_at)
  FROM users WHERE id = $1::uuid"""
ERASE_USER = """
UPDATE users SET phone = NULL, display_name = '', status = 'deleted' WHERE id = $1::uuid"""

# Decided items whose text is the server's own copy, oldest decision first: the review queue's
# labelled examples (labels.py). An appeal still pending is not a label yet; an erased
# author's text is '' (ERASE_ITEMS_AUTHORED) and is left out.
DECIDED_FOR_LABELS = """
SELECT target_type, text_snapshot, source, decision, appeal_status, category
  FROM mod_items
 WHERE status = 'decided' AND snapshot_from = 'server' AND text_snapshot <> ''
   AND appeal_status IS DISTINCT FROM 'pending'
   AND ($1::timestamptz IS NULL OR decided_at >= $1)
   AND ($3::timestamptz IS NULL OR decided_at < $3)
 ORDER BY decided_at, id
 LIMIT $2"""
