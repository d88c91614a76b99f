// Creator dashboard: earnings and tips by Cairo day (wallet:metrics), top supporters,
// subscribers, and the viewer counts of the latest stream (the server samples them).
import { useState } from "preact/hooks";
import { egp, num, t } from "../i18n";
import { Chart } from "../lib/chart";
import { call, useConnected } from "../lib/socket";
import { ErrorLine, useAction } from "../lib/ui";
import { toLatinDigits } from "../lib/phone";

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function DashboardPage() {
  const [m, setM] = useState<any>(null);
  const [busy, error, run] = useAction();
  const [tierName, setTierName] = useState("");
  const [tierPrice, setTierPrice] = useState("50");
  useConnected(() => {
    run(async () => {
      const until = new Date(Date.now() + 86400000);
      const since = new Date(Date.now() - 29 * 86400000);
      setM(await call("wallet:metrics", { since: day(since), until: day(until) }));
    });
  }, []);
  // Every day of the last two weeks, zero where nothing was earned.
  const days = new Map<string, { net: number; tips: number }>();
  for (let i = 13; i >= 0; i--) days.set(day(new Date(Date.now() - i * 86400000)), { net: 0, tips: 0 });
  for (const r of m?.earnings_by_day ?? []) {
    const d = days.get(r.day) ?? { net: 0, tips: 0 };
    d.net += r.net;
    if (r.source === "tip") d.tips += r.count;
    days.set(r.day, d);
  }
  const keys = [...days.keys()].sort();
  const xs = keys.map((k) => Date.parse(k) / 1000);
  const viewers: { at: number; count: number }[] = m?.latest_stream_viewers?.samples ?? [];
  return (
    <section aria-labelledby="dash-title">
      <h2 id="dash-title">{t("nav_dashboard")}</h2>
      <ErrorLine error={error} />
      {m && (
        <>
          <div class="stats">
            <div class="stat">
              {t("earnings")}
              <strong>{egp(m.totals.net)}</strong>
            </div>
            <div class="stat">
              {t("subscribers")}
              <strong>{num((m.subscribers ?? []).reduce((a: number, s: any) => a + (s.count ?? s.subscribers ?? 0), 0))}</strong>
            </div>
          </div>
          <Chart title={t("earnings_chart")} label={t("earnings")} xs={xs} ys={keys.map((k) => days.get(k)!.net / 100)} bars />
          <Chart title={t("tips_chart")} label={t("tips")} xs={xs} ys={keys.map((k) => days.get(k)!.tips)} bars />
          {viewers.length > 1 && (
            <Chart title={t("viewers_chart")} label={t("viewers")} xs={viewers.map((v) => v.at / 1000)} ys={viewers.map((v) => v.count)} />
          )}
          <form class="card" onSubmit={(e) => { e.preventDefault(); run(async () => { await call("wallet:tier_set", { name: tierName.trim(), price: Math.round(Number(toLatinDigits(tierPrice)) * 100) }); setTierName(""); }); }}>
            <h3>{t("tiers")}</h3>
            <label for="tier-name">{t("tier_name")}</label>
            <input id="tier-name" value={tierName} onInput={(e) => setTierName((e.target as HTMLInputElement).value)} />
            <label for="tier-price">{t("tier_price")}</label>
            <input id="tier-price" inputMode="decimal" dir="ltr" value={tierPrice} onInput={(e) => setTierPrice((e.target as HTMLInputElement).value)} />
            <p><button type="submit" disabled={busy || !tierName.trim()}>{t("save")}</button></p>
          </form>
          <h3>{t("top_supporters")}</h3>
          <ol>
            {(m.top_supporters ?? []).map((s: any) => (
              <li key={s.user_id}>
                {s.display_name ?? s.user_id} · {egp(s.total)}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
