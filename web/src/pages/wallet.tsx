// Wallet: balance (pushed live), top-up through the provider's checkout (the development
// simulators' checkout in development), history, subscriptions.
import { useState } from "preact/hooks";
import { egp, t } from "../i18n";
import { normalizeEgyptianPhone, toLatinDigits } from "../lib/phone";
import { call, useConnected, useEvent } from "../lib/socket";
import { useBalance } from "../lib/wallet_balance";
import { ErrorLine, useAction } from "../lib/ui";

export function WalletPage() {
  const bal = useBalance();
  const [history, setHistory] = useState<any[]>([]);
  const [subs, setSubs] = useState<any[]>([]);
  const [amount, setAmount] = useState("50");
  const [provider, setProvider] = useState("paymob");
  const [phone, setPhone] = useState("");
  const [pending, setPending] = useState<any>(null);
  const [busy, error, run] = useAction();

  const load = () =>
    run(async () => {
      setHistory((await call("wallet:history", { limit: 50 })).items);
      setSubs((await call("wallet:subscriptions")).items ?? []);
    });
  useConnected(load, []);
  useEvent("wallet:balance", () => load());
  useEvent("wallet:topup", (d) => setPending((p: any) => (p && p.payment_id === d.payment_id ? { ...p, status: d.status } : p)));

  const topup = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const piastres = Math.round(Number(toLatinDigits(amount)) * 100);
      const req: any = { provider, amount: piastres, idempotency_key: crypto.randomUUID() };
      if (provider === "paymob") {
        req.method = "vodafone_cash";
        req.phone = normalizeEgyptianPhone(phone) ?? phone;
      }
      const ans = await call("wallet:topup", req);
      setPending(ans);
      const url = ans.instructions?.checkout_url ?? ans.instructions?.redirect_url;
      if (url) window.open(url, "_blank", "noopener");
    });
  };
  return (
    <section aria-labelledby="wallet-title">
      <h2 id="wallet-title">{t("nav_wallet")}</h2>
      <div class="stats">
        <div class="stat">
          {t("balance")}
          <strong data-testid="wallet-balance" data-piastres={bal.wallet ?? ""}>{egp(bal.wallet ?? 0)}</strong>
        </div>
        <div class="stat">
          {t("earnings")}
          <strong data-testid="earnings" data-piastres={bal.earnings ?? ""}>{egp(bal.earnings ?? 0)}</strong>
        </div>
      </div>
      <form class="card" onSubmit={topup}>
        <h3>{t("top_up")}</h3>
        <label for="provider">{t("provider")}</label>
        <select id="provider" value={provider} onChange={(e) => setProvider((e.target as HTMLSelectElement).value)}>
          <option value="paymob">Vodafone Cash (Paymob)</option>
          <option value="fawry">Fawry</option>
          <option value="instapay">InstaPay</option>
        </select>
        {provider === "paymob" && (
          <>
            <label for="pay-phone">{t("phone_label")}</label>
            <input id="pay-phone" type="tel" dir="ltr" value={phone} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} />
          </>
        )}
        <label for="topup-amount">{t("amount_egp")}</label>
        <input id="topup-amount" inputMode="decimal" dir="ltr" value={amount} onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />
        <p>
          <button type="submit" disabled={busy}>
            {t("pay_now")}
          </button>
        </p>
        {pending && (
          <div class="card" data-testid="topup" data-status={pending.status} role="status">
            <p>
              <strong>{pending.status === "paid" ? t("paid") : pending.status === "pending" ? t("pending_payment") : pending.status}</strong>
            </p>
            {pending.instructions?.how && <p class="muted">{pending.instructions.how}</p>}
            {pending.instructions?.reference && <p>{t("reference")}: <code class="ltr">{pending.instructions.reference}</code></p>}
            {pending.instructions?.checkout_url && pending.status === "pending" && (
              <a href={pending.instructions.checkout_url} target="_blank" rel="noopener">{t("open_checkout")}</a>
            )}
          </div>
        )}
      </form>
      <ErrorLine error={error} />
      <h3>{t("history")}</h3>
      {history.length ? (
        <table>
          <tbody>
            {history.map((h) => (
              <tr key={h.entry_id}>
                <td>{h.kind}</td>
                <td class="ltr">{egp(h.amount)}</td>
                <td>{new Date(h.created_at).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">{t("no_entries")}</p>
      )}
      <h3>{t("subscriptions")}</h3>
      <ul>
        {subs.map((s) => (
          <li key={s.id ?? s.subscription_id}>
            {s.creator_name ?? s.creator_id} · {s.tier_name ?? ""} · {s.status}
            {s.status === "active" && (
              <button class="link" onClick={() => run(async () => { await call("wallet:unsubscribe", { subscription_id: s.id ?? s.subscription_id }); load(); })}>
                ✕
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
