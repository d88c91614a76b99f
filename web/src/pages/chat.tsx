// Conversations and DMs: live messages, typing, presence, read receipts, history paging, and
// recovery after a network drop (chat:sync on every reconnect; no duplicate, no gap).
import { useEffect, useRef, useState } from "preact/hooks";
import { currentLang, t, time } from "../i18n";
import * as store from "../lib/chat_store";
import { query } from "../lib/router";
import { session } from "../lib/session";
import { call, useConnected, useEvent } from "../lib/socket";
import { ErrorLine, errorText, shortId, useAction } from "../lib/ui";

function useStore() {
  const [, bump] = useState(0);
  useEffect(() => store.onChatChange(() => bump((n) => n + 1)), []);
}

export function ChatPage() {
  useStore();
  const me = session()!.user_id;
  const [open, setOpen] = useState<string | null>(null);
  const [dmTo, setDmTo] = useState(query("to") ?? "");
  const [text, setText] = useState("");
  const [typing, setTyping] = useState<Record<string, number>>({});
  const [presence, setPresence] = useState<Record<string, string>>({});
  const [groupTitle, setGroupTitle] = useState("");
  const [groupMembers, setGroupMembers] = useState("");
  const [warnings, setWarnings] = useState<any[]>([]);
  const [busy, error, run] = useAction();
  const [sendError, setSendError] = useState<string | null>(null);
  const lastTyping = useRef(0);
  const list = useRef<HTMLDivElement>(null);

  const subscribed = useRef(new Set<string>());
  // Presence of everyone we share a conversation with (renewed on every reconnect).
  const subscribePresence = async () => {
    const others = [...new Set(store.conversations().flatMap((c) => c.members))].filter((m) => m !== me && !subscribed.current.has(m));
    if (!others.length) return;
    others.forEach((m) => subscribed.current.add(m));
    const ans = await call("presence:subscribe", { user_ids: others.slice(0, 500) });
    setPresence((x) => ({ ...x, ...Object.fromEntries(ans.presence.map((p: any) => [p.user_id, p.status])) }));
  };
  useConnected(() => {
    subscribed.current.clear();
    run(async () => {
      await store.sync();
      await store.loadConversations();
      await subscribePresence();
      if (!open && store.conversations().length) setOpen(store.conversations()[0].id);
    });
  }, []);
  const memberKey = store.conversations().map((c) => c.members.join()).join("|");
  useEffect(() => {
    subscribePresence().catch(() => {});
  }, [memberKey]);
  useEvent("chat:message", (m) => {
    const known = !!store.conversation(m.conversation_id);
    store.receive(m);
    if (!known) store.loadConversations().catch(() => {});
    setTyping((x) => ({ ...x, [`${m.conversation_id}/${m.sender_id}`]: 0 }));
    if (!open) setOpen(m.conversation_id);
  }, [open]);
  useEvent("chat:message_updated", (m) => store.updated(m));
  useEvent("chat:warning", (w) => setWarnings((xs) => [...xs.slice(-4), w]));
  useEvent("chat:receipt", (r) => store.receipt(r, me));
  useEvent("typing:update", (u) => {
    if (u.user_id === me) return;
    setTyping((x) => ({ ...x, [`${u.conversation_id}/${u.user_id}`]: u.typing ? Date.now() + u.expires_in_ms : 0 }));
  });
  useEvent("presence:update", (p) => setPresence((x) => ({ ...x, [p.user_id]: p.status })));

  const conv = open ? store.conversation(open) : undefined;
  const msgs = conv ? [...conv.messages.values()].sort((a, b) => a.seq - b.seq) : [];
  const lastSeq = msgs.length ? msgs[msgs.length - 1].seq : 0;

  // Shown = read: move our read point to the newest message on screen.
  useEffect(() => {
    if (conv && lastSeq && document.visibilityState === "visible") {
      call("chat:read", { conversation_id: conv.id, seq: lastSeq }).catch(() => {});
    }
    list.current?.scrollTo({ top: list.current.scrollHeight });
  }, [conv?.id, lastSeq]);

  useEffect(() => {
    const timer = setInterval(() => setTyping((x) => ({ ...x })), 1000);
    return () => clearInterval(timer);
  }, []);

  const startDm = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const m = await store.send({ to: dmTo.trim() }, "👋 أهلاً");
      setOpen(m.conversation_id);
      await store.loadConversations();
      setDmTo("");
    });
  };
  const createGroup = (e: Event) => {
    e.preventDefault();
    run(async () => {
      const member_ids = groupMembers.split(/[\s,،]+/).filter(Boolean);
      const g = await call("chat:create_group", { title: groupTitle.trim(), member_ids });
      await store.loadConversations();
      await store.sync();
      setOpen(g.id);
      setGroupTitle("");
      setGroupMembers("");
    });
  };
  const submit = (e: Event) => {
    e.preventDefault();
    if (!conv || !text.trim()) return;
    const body = text;
    setText("");
    setSendError(null);
    // Not awaited under `run`: a message waiting for the network must not block the page.
    store
      .send({ conversation_id: conv.id }, body)
      .then(() => call("typing:stop", { conversation_id: conv.id }).catch(() => {}))
      .catch((err) => setSendError(errorText(err)));
  };
  const onType = (v: string) => {
    setText(v);
    if (conv && Date.now() - lastTyping.current > 2000) {
      lastTyping.current = Date.now();
      call("typing:start", { conversation_id: conv.id }).catch(() => {});
    }
  };

  const other = conv?.members.find((m) => m !== me);
  const typers = conv
    ? Object.entries(typing).filter(([k, until]) => k.startsWith(conv.id + "/") && until > Date.now()).map(([k]) => k.split("/")[1])
    : [];
  return (
    <section aria-labelledby="chat-title">
      <h2 id="chat-title">{t("conversations")}</h2>
      <p class="muted">
        {t("my_id")}: <code class="ltr" data-testid="my-id">{me}</code>
      </p>
      <form class="row" onSubmit={startDm}>
        <div>
          <label for="dm-to">{t("new_dm")} — {t("user_id_label")}</label>
          <input id="dm-to" dir="ltr" value={dmTo} onInput={(e) => setDmTo((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" disabled={busy || !dmTo.trim()}>
          {t("start")}
        </button>
      </form>
      <details>
        <summary>{t("new_group")}</summary>
        <form onSubmit={createGroup}>
          <label for="group-title">{t("group_title")}</label>
          <input id="group-title" value={groupTitle} onInput={(e) => setGroupTitle((e.target as HTMLInputElement).value)} />
          <label for="group-members">{t("group_members")}</label>
          <input id="group-members" dir="ltr" value={groupMembers} onInput={(e) => setGroupMembers((e.target as HTMLInputElement).value)} />
          <p>
            <button type="submit" disabled={busy || !groupTitle.trim()}>{t("start")}</button>
          </p>
        </form>
      </details>
      <ul class="convs">
        {store.conversations().map((c) => {
          const peer = c.members.find((m) => m !== me);
          return (
            <li key={c.id}>
              <button aria-pressed={c.id === open} onClick={() => setOpen(c.id)}>
                {c.title ?? (peer ? shortId(peer) : c.id.slice(0, 8))}{" "}
                {peer && <span class="muted">· {presenceText(presence[peer])}</span>}
              </button>
            </li>
          );
        })}
      </ul>
      {!store.conversations().length && <p class="muted">{t("no_conversations")}</p>}
      {conv && (
        <div class="card" data-testid="conversation" data-conversation={conv.id}>
          {warnings.filter((w) => w.conversation_id === conv.id).map((w, i) => (
            <p key={i} class="error" role="alert" data-testid="chat-warning">
              ⚠ {currentLang() === "ar" ? w.message_ar : w.message}
            </p>
          ))}
          {conv.kind === "group" && <h3>{conv.title}</h3>}
          {other && conv.kind !== "group" && (
            <p class="muted" data-testid="peer-presence" data-status={presence[other] ?? "offline"}>
              {shortId(other)} · {presenceText(presence[other])}
            </p>
          )}
          {conv.oldest_cursor !== null && (
            <button class="link" onClick={() => run(() => store.olderPage(conv.id))}>
              {t("older")}
            </button>
          )}
          <div class="bubbles" ref={list} aria-live="polite" data-testid="messages">
            {msgs.map((m) => (
              <div key={m.id} class={`bubble ${m.sender_id === me ? "mine" : ""}`} data-seq={m.seq} data-testid="message">
                {conv.kind === "group" && m.sender_id !== me && <div class="meta">{shortId(m.sender_id)}</div>}
                <div>{m.deleted ? "—" : m.text}</div>
                <div class="meta">
                  {time(m.created_at)}
                  {m.held && ` · ${t("held")}`}
                  {m.sender_id === me && conv.read_by_others >= m.seq && <span data-testid="seen"> · {t("seen")}</span>}
                  {m.sender_id === me && conv.read_by_others < m.seq && conv.delivered_to_others >= m.seq && ` · ${t("delivered")}`}
                </div>
              </div>
            ))}
            {store.outgoing(conv.id).map((o) => (
              <div key={o.client_id} class="bubble mine pending" data-testid="outgoing">
                <div>{o.text}</div>
                <div class="meta">{t("sending")}</div>
              </div>
            ))}
          </div>
          <p class="muted" data-testid="typing" aria-live="polite">
            {typers.length ? `${typers.map(shortId).join("، ")} ${t("typing")}` : "\u00a0"}
          </p>
          <form class="row" onSubmit={submit}>
            <div>
              <label for="chat-text" class="visually-hidden">
                {t("message_label")}
              </label>
              <input id="chat-text" placeholder={t("message_label")} value={text} autoComplete="off"
                onInput={(e) => onType((e.target as HTMLInputElement).value)} />
            </div>
            <button type="submit">{t("send")}</button>
          </form>
        </div>
      )}
      <ErrorLine error={error ?? sendError} />
    </section>
  );
}

function presenceText(status?: string): string {
  return status === "online" ? t("status_online") : status === "away" ? t("status_away") : t("status_offline");
}
