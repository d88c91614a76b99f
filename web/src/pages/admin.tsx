// Admin: set a user's role (PUT /v1/auth/users/{id}/role).
import { useState } from "preact/hooks";
import { t } from "../i18n";
import { api } from "../lib/session";
import { ErrorLine, useAction } from "../lib/ui";

export function AdminPage() {
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState("creator");
  const [done, setDone] = useState<string | null>(null);
  const [busy, error, run] = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const ans = await api(`/v1/auth/users/${encodeURIComponent(userId.trim())}/role`, { method: "PUT", body: { role } });
      setDone(`${ans.user_id ?? userId} → ${ans.role ?? role}`);
    });
  };
  return (
    <section aria-labelledby="admin-title">
      <h2 id="admin-title">{t("roles")}</h2>
      <form onSubmit={submit}>
        <label for="role-user">{t("user_id_label")}</label>
        <input id="role-user" dir="ltr" value={userId} onInput={(e) => setUserId((e.target as HTMLInputElement).value)} />
        <label for="role">{t("role")}</label>
        <select id="role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
          {["user", "creator", "moderator", "admin"].map((r) => (
            <option key={r} value={r}>{r}</option>
          ))}
        </select>
        <p>
          <button type="submit" disabled={busy}>{t("set_role")}</button>
        </p>
      </form>
      {done && <p role="status">{done}</p>}
      <ErrorLine error={error} />
    </section>
  );
}
