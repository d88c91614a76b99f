// Moderator console: the review queue pushed live (mod:queue room, mod:item), claim and the
// decision buttons, reports, a user's standing (trust:explain).
import { useState } from "preact/hooks";
import { num, t } from "../i18n";
import { call, useConnected, useEvent } from "../lib/socket";
import { ErrorLine, shortId, useAction } from "../lib/ui";

// what a moderator can say was wrong (mod:decide's category): the review queue's decisions
// are the labelled examples the gate is measured and retrained on (docs/moderation.md)
// how an item reached the queue: held by the gate, reported, or drawn at random from allowed
// public content (MODERATION_SAMPLE_RATE)
const SOURCES = ["auto", "report", "sample"];
const CATEGORIES = ["insult", "threat", "sexual", "hate", "scam", "spam", "self_harm", "privacy"];

export function ModerationPage() {
  const [items, setItems] = useState<any[]>([]);
  const [found, setFound] = useState<Record<string, string>>({});
  const [standing, setStanding] = useState<any>(null);
  const [userId, setUserId] = useState("");
  const [, error, run] = useAction();
  useConnected(() => {
    run(async () => setItems((await call("mod:queue", { limit: 50 })).items));
    return undefined;
  }, []);
  useEvent("mod:item", ({ change, item }) => {
    setItems((xs) => {
      const rest = xs.filter((x) => x.id !== item.id);
      return change === "decided" ? rest : [item, ...rest];
    });
  });
  const decide = (item: any, decision: string) =>
    run(async () => {
      const category = decision === "restore" ? undefined : found[item.id] || item.category || undefined;
      await call("mod:decide", { item_id: item.id, decision, category, suspend_hours: decision === "suspend" ? 24 : undefined });
      setItems((xs) => xs.filter((x) => x.id !== item.id));
    });
  const look = (e: Event) => {
    e.preventDefault();
    run(async () => setStanding(await call("trust:explain", { user_id: userId.trim() })));
  };
  return (
    <section aria-labelledby="mod-title">
      <h2 id="mod-title">{t("review_queue")}</h2>
      <ErrorLine error={error} />
      <div data-testid="mod-queue" aria-live="polite">
        {items.map((it) => (
          <article class="card" key={it.id} data-testid="mod-item" data-item={it.id} data-target={it.target_type}>
            <p class="muted">
              {it.target_type} · {SOURCES.includes(it.source) ? t(`source_${it.source}` as Parameters<typeof t>[0]) : it.source} · {t("reports")}: {num(it.report_count ?? 0)}
              {it.auto_decision?.reason && ` · ${it.auto_decision.reason}`}
              {it.author_id && <> · <code class="ltr">{shortId(it.author_id)}</code></>}
            </p>
            <blockquote>{it.text_snapshot}</blockquote>
            <div class="row">
              <label>
                {t("what_is_wrong")}{" "}
                <select
                  data-testid="mod-category"
                  value={found[it.id] || it.category || ""}
                  onChange={(e) => {
                    const value = (e.target as HTMLSelectElement).value;
                    setFound((f) => ({ ...f, [it.id]: value }));
                  }}
                >
                  {!it.category && <option value="">—</option>}
                  {CATEGORIES.map((c) => (
                    <option key={c} value={c}>{t(`cat_${c}` as Parameters<typeof t>[0])}</option>
                  ))}
                </select>
              </label>
              {it.status !== "claimed" && (
                <button class="secondary" onClick={() => run(async () => { await call("mod:claim", { item_id: it.id }); })}>
                  {t("claim")}
                </button>
              )}
              <button class="danger" onClick={() => decide(it, "remove")}>{t("remove")}</button>
              <button class="secondary" onClick={() => decide(it, "warn")}>{t("warn")}</button>
              <button class="secondary" onClick={() => decide(it, "suspend")}>{t("suspend")}</button>
              {/* a sampled item was never taken down: restoring it says it is fine */}
              <button class="secondary" onClick={() => decide(it, "restore")}>
                {it.source === "sample" ? t("looks_fine") : t("restore")}
              </button>
            </div>
          </article>
        ))}
        {!items.length && <p class="muted">{t("queue_empty")}</p>}
      </div>
      <form class="row card" onSubmit={look}>
        <div>
          <label for="standing-user">{t("user_standing")} — {t("user_id_label")}</label>
          <input id="standing-user" dir="ltr" value={userId} onInput={(e) => setUserId((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit">{t("look_up")}</button>
      </form>
      {standing && <pre class="ltr">{JSON.stringify(standing, null, 1)}</pre>}
    </section>
  );
}
