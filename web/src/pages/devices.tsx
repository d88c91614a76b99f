// Devices: the sessions of this account, sign one out or every other; add a passkey.
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";
import { addPasskey, passkeysSupported } from "../lib/passkeys";
import { api, session } from "../lib/session";
import { ErrorLine, useAction } from "../lib/ui";

export function DevicesPage() {
  const [list, setList] = useState<any[]>([]);
  const [note, setNote] = useState<string | null>(null);
  const [busy, error, run] = useAction();
  const load = () => run(async () => setList((await api("/v1/auth/sessions")).sessions ?? []));
  useEffect(() => {
    load();
  }, []);
  const me = session()?.session_id;
  return (
    <section aria-labelledby="devices-title">
      <h2 id="devices-title">{t("devices")}</h2>
      <ul data-testid="devices">
        {list.map((s) => (
          <li key={s.id} class="card" data-testid="device" data-session={s.id}>
            <strong>{s.label ?? "—"}</strong> · {s.method ?? ""} · {new Date(s.last_used_at ?? s.created_at).toLocaleString()}
            <div class="muted ltr">{(s.user_agent ?? "").slice(0, 60)}</div>
            {s.current || s.id === me ? (
              <strong> · {t("this_device")}</strong>
            ) : (
              <button class="link" onClick={() => run(async () => { await api(`/v1/auth/sessions/${s.id}`, { method: "DELETE" }); load(); })}>
                {t("sign_out_device")}
              </button>
            )}
          </li>
        ))}
      </ul>
      <p class="row">
        <button class="secondary" disabled={busy} onClick={() => run(async () => { await api("/v1/auth/sessions/revoke-others", { body: {} }); load(); })}>
          {t("sign_out_others")}
        </button>
        {passkeysSupported() && (
          <button class="secondary" disabled={busy} onClick={() => run(async () => { await addPasskey(); setNote(t("passkey_added")); })}>
            {t("add_passkey")}
          </button>
        )}
      </p>
      {note && <p role="status">{note}</p>}
      <ErrorLine error={error} />
    </section>
  );
}
