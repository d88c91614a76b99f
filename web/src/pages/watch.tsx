// Watch a live stream: LL-HLS through hls.js with a latency readout, live chat, reactions, tips.
import { useEffect, useState } from "preact/hooks";
import { egp, num, t } from "../i18n";
import { useLiveRoom } from "../lib/live_room";
import { HlsPlayer } from "../lib/player";
import { navigate, query } from "../lib/router";
import { call } from "../lib/socket";
import { useBalance } from "../lib/wallet_balance";
import { ErrorLine, useAction } from "../lib/ui";
import { toLatinDigits } from "../lib/phone";
import { LiveChat } from "./live_chat";

const REACTIONS: [string, string][] = [["heart", "❤️"], ["fire", "🔥"], ["laugh", "😂"], ["wow", "😮"], ["clap", "👏"]];

export function WatchPage() {
  const [streamId, setStreamId] = useState(query("stream"));
  const [input, setInput] = useState("");
  const room = useLiveRoom(streamId);
  const bal = useBalance();
  const [amount, setAmount] = useState("10");
  const [busy, error, run] = useAction();
  const [tiers, setTiers] = useState<any[]>([]);
  const creatorId = room.stream?.creator_id;
  useEffect(() => {
    if (creatorId) call("wallet:tiers", { creator_id: creatorId }).then((x) => setTiers((x.tiers ?? []).filter((t: any) => t.active))).catch(() => {});
  }, [creatorId]);
  if (!streamId) {
    return (
      <section aria-labelledby="watch-title">
        <h2 id="watch-title">{t("nav_watch")}</h2>
        <form class="row" onSubmit={(e) => { e.preventDefault(); navigate(`/watch?stream=${input.trim()}`); setStreamId(input.trim()); }}>
          <div>
            <label for="stream-id">{t("stream_id")}</label>
            <input id="stream-id" dir="ltr" value={input} onInput={(e) => setInput((e.target as HTMLInputElement).value)} />
          </div>
          <button type="submit">{t("watch")}</button>
        </form>
      </section>
    );
  }
  // live:state says when the master playlist exists (playable); a stream already live when we
  // join is tried at once (hls.js retries the 404 stream_not_ready for a moment).
  const playable = room.state?.playable === true || (room.state?.state === "live" && room.state?.playable !== false);
  const ended = room.state?.state === "ended";
  const tip = (e: Event) => {
    e.preventDefault();
    run(async () => {
      await call("wallet:tip", {
        creator_id: room.stream.creator_id,
        amount: Math.round(Number(toLatinDigits(amount)) * 100),
        idempotency_key: crypto.randomUUID(),
        stream_id: streamId,
      });
    });
  };
  return (
    <section aria-labelledby="watch-title">
      <h2 id="watch-title">{room.stream?.title || t("nav_watch")}</h2>
      <p class="muted">
        <span data-testid="viewers">{t("viewers")}: {num(room.viewers)}</span> ·{" "}
        <span data-testid="wallet-balance" data-piastres={bal.wallet ?? ""}>{t("balance")}: {egp(bal.wallet ?? 0)}</span>
      </p>
      {room.removed && <p class="error" role="alert">{t("removed_from_stream")}</p>}
      {ended ? (
        <p>{t("stream_ended")}</p>
      ) : playable ? (
        <HlsPlayer src={`/v1/live/${streamId}/hls/master.m3u8`} live label={room.stream?.title || t("nav_watch")}
          onPlaying={() => document.body.setAttribute("data-playing-at", String(Date.now()))} />
      ) : (
        <p class="muted">{t("loading")}</p>
      )}
      <div class="row" aria-label={t("react_like")}>
        {REACTIONS.map(([k, e]) => (
          <button key={k} class="secondary" aria-label={k} onClick={() => call("live:react", { stream_id: streamId, reaction: k }).catch(() => {})}>
            {e} {room.reactions[k] ? num(room.reactions[k]) : ""}
          </button>
        ))}
      </div>
      <form class="row" onSubmit={tip}>
        <div>
          <label for="tip-amount">{t("tip_amount")}</label>
          <input id="tip-amount" inputMode="decimal" dir="ltr" value={amount} onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" disabled={busy || !room.stream}>
          {t("tip")}
        </button>
      </form>
      {tiers.length > 0 && (
        <div class="row">
          {tiers.map((tier) => (
            <button key={tier.id} class="secondary" disabled={busy}
              onClick={() => run(async () => { await call("wallet:subscribe", { tier_id: tier.id, idempotency_key: crypto.randomUUID() }); })}>
              {t("subscribe")}: {tier.name} · {egp(tier.price)}
            </button>
          ))}
        </div>
      )}
      <ErrorLine error={error ?? room.error} />
      <LiveChat pinned={room.pinned} streamId={streamId} chat={room.chat} tips={room.tips} onSent={(m) => room.setChat((xs) => (xs.some((x) => x.id === m.id) ? xs : [...xs, m]))} />
    </section>
  );
}
