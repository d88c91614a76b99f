// The chat panel shared by the watch page and the studio.
import { useState } from "preact/hooks";
import { egp, t } from "../i18n";
import { call } from "../lib/socket";
import { ErrorLine, shortId, useAction } from "../lib/ui";
import type { LiveMsg, LiveTip } from "../lib/live_room";

export function LiveChat({ streamId, chat, tips, onSent, creator, pinned }: {
  streamId: string; chat: LiveMsg[]; tips: LiveTip[]; onSent: (m: LiveMsg) => void; creator?: boolean; pinned?: LiveMsg | null;
}) {
  const [text, setText] = useState("");
  const [, error, run] = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    const body = text;
    setText("");
    run(async () => {
      const ans = await call("live:chat", { stream_id: streamId, text: body });
      const m = ans.message ?? ans;
      if (m?.id) onSent({ ...m, text: m.text ?? body });
    });
  };
  return (
    <section aria-labelledby="live-chat-title" class="card">
      <h3 id="live-chat-title">{t("live_chat")}</h3>
      {pinned && (
        <p class="card" data-testid="pinned">
          📌 <strong>{pinned.display_name}</strong>: {pinned.text}
        </p>
      )}
      <ul data-testid="live-chat" aria-live="polite">
        {chat.map((m) => (
          <li key={m.id}>
            <strong>{m.display_name ?? shortId(m.user_id ?? "")}</strong>: {m.text}
            {m.status === "held" && <span class="muted"> · {t("held")}</span>}
            {creator && (
              <>
                {" "}
                <button class="link" onClick={() => run(async () => { await call("live:pin", { stream_id: streamId, message_id: m.id }); })}>
                  {t("pin")}
                </button>
                <button class="link" onClick={() => run(async () => { await call("live:remove", { stream_id: streamId, user_id: m.user_id }); })}>
                  {t("remove_viewer")}
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      {tips.length > 0 && (
        <ul data-testid="live-tips" aria-label={t("tips")}>
          {tips.map((x, i) => (
            <li key={x.tip_id ?? i}>
              💰 {shortId(x.from_user_id ?? "")} · {egp(x.amount_piastres)} {x.message ?? ""}
            </li>
          ))}
        </ul>
      )}
      <form class="row" onSubmit={submit}>
        <div>
          <label for="live-chat-text" class="visually-hidden">
            {t("message_label")}
          </label>
          <input id="live-chat-text" placeholder={t("message_label")} value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" disabled={!text.trim()}>
          {t("send")}
        </button>
      </form>
      <ErrorLine error={error} />
    </section>
  );
}
