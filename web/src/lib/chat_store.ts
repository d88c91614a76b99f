// Chat state per conversation, kept by the README's recovery rules: apply messages in seq
// order exactly once (dedupe by seq), resync with chat:sync on every (re)connect and whenever
// a live message skips a seq; receipts only move forward. What the user sends goes through an
// outbox: kept (shown as "sending") while the socket is down or an ack is late, and sent again
// with the same client_id when it is back, so the server stores it once (it answers a resent
// client_id with the first message).
import { ApiError, onSession } from "./session";
import { call, onSocketStatus, socket } from "./socket";

export type Message = {
  id: string;
  conversation_id: string;
  seq: number;
  rev: number;
  sender_id: string;
  client_id: string;
  kind: string;
  text: string | null;
  held: boolean;
  deleted: boolean;
  created_at: number;
};

export type Conversation = {
  id: string;
  kind: string;
  title: string | null;
  members: string[];
  last_seq: number;
  last_rev: number | null;
  messages: Map<number, Message>;
  oldest_cursor: string | null | undefined;
  read_by_others: number;
  delivered_to_others: number;
  unread: number;
};

const convs = new Map<string, Conversation>();
const listeners = new Set<() => void>();
const changed = () => listeners.forEach((fn) => fn());

export function onChatChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function conversations(): Conversation[] {
  return [...convs.values()];
}

export function conversation(id: string): Conversation | undefined {
  return convs.get(id);
}

function ensure(id: string, init: Partial<Conversation> = {}): Conversation {
  let c = convs.get(id);
  if (!c) {
    c = { id, kind: "dm", title: null, members: [], last_seq: 0, last_rev: null, messages: new Map(),
      oldest_cursor: undefined, read_by_others: 0, delivered_to_others: 0, unread: 0, ...init };
    convs.set(id, c);
  }
  return c;
}

function memberIds(members: any[]): string[] {
  return (members ?? []).map((m) => (typeof m === "string" ? m : m.user_id ?? m.id));
}

export async function loadConversations(): Promise<void> {
  const { conversations: list } = await call("chat:conversations", { limit: 100 });
  for (const c of list) {
    const conv = ensure(c.id);
    Object.assign(conv, { kind: c.kind, title: c.title, members: memberIds(c.members), unread: c.unread });
  }
  changed();
}

/** Bring every known conversation (and any we do not know) up to date after a (re)connect. */
export async function sync(only?: string): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const known = [...convs.values()]
      .filter((c) => !only || c.id === only)
      .filter((c) => c.last_seq > 0)
      .map((c) => ({ conversation_id: c.id, last_seq: c.last_seq, last_rev: c.last_rev ?? undefined }));
    const ans = await call("chat:sync", only ? { conversations: known } : { conversations: known, limit: 100 });
    let more = false;
    for (const g of ans.gone ?? []) convs.delete(g);
    for (const s of ans.conversations ?? []) {
      const c = ensure(s.conversation_id);
      for (const m of s.messages) c.messages.set(m.seq, m);
      for (const m of s.changed ?? []) if (c.messages.has(m.seq)) c.messages.set(m.seq, m);
      c.last_seq = Math.max(c.last_seq, s.last_seq);
      c.last_rev = s.last_rev;
      more ||= s.has_more;
    }
    changed();
    if (!more) return;
  }
}

/** A live message: applied when it is the next seq, ignored when already known, resync on a gap. */
export function receive(m: Message): void {
  const c = ensure(m.conversation_id);
  if (c.messages.has(m.seq) || m.seq <= c.last_seq) {
    if (c.messages.has(m.seq)) c.messages.set(m.seq, m);
    changed();
    return;
  }
  if (c.last_seq > 0 && m.seq > c.last_seq + 1) {
    sync(c.id).catch(() => {});
    return;
  }
  c.messages.set(m.seq, m);
  c.last_seq = m.seq;
  changed();
}

export function updated(m: Message): void {
  const c = ensure(m.conversation_id);
  if (c.messages.has(m.seq)) c.messages.set(m.seq, m);
  changed();
}

export function receipt(r: { conversation_id: string; user_id: string; kind: string; seq: number }, me: string): void {
  const c = convs.get(r.conversation_id);
  if (!c || r.user_id === me) return;
  if (r.kind === "read") c.read_by_others = Math.max(c.read_by_others, r.seq);
  c.delivered_to_others = Math.max(c.delivered_to_others, r.seq);
  changed();
}

export async function olderPage(id: string): Promise<void> {
  const c = ensure(id);
  if (c.oldest_cursor === null) return;
  const page = await call("chat:history", { conversation_id: id, cursor: c.oldest_cursor ?? undefined, limit: 30 });
  for (const m of page.messages) if (!c.messages.has(m.seq)) c.messages.set(m.seq, m);
  c.oldest_cursor = page.cursor;
  c.last_seq = Math.max(c.last_seq, page.last_seq ?? 0);
  changed();
}

export type Outgoing = {
  client_id: string;
  target: { to?: string; conversation_id?: string };
  text: string;
  resolve: (m: Message) => void;
  reject: (e: unknown) => void;
};

const outbox: Outgoing[] = [];
let flushing: Promise<void> | null = null;

/** Messages sent from here and not yet stored by the server, oldest first. One whose own
 * broadcast came back before its ack is already among the messages: not shown twice. */
export function outgoing(conversationId: string): Outgoing[] {
  const waiting = outbox.filter((o) => o.target.conversation_id === conversationId);
  if (!waiting.length) return waiting;
  const stored = new Set([...(convs.get(conversationId)?.messages.values() ?? [])].map((m) => m.client_id));
  return waiting.filter((o) => !stored.has(o.client_id));
}

/** Send the outbox in order, one at a time, while connected; stops at the first that gets no
 * answer (disconnected or the ack is late) and leaves it for the next try. */
function flush(): Promise<void> {
  flushing ??= drain().finally(() => {
    flushing = null;
  });
  return flushing;
}

async function drain(): Promise<void> {
  while (outbox.length && socket().connected) {
    const o = outbox[0];
    try {
      const m = await call("chat:send", { ...o.target, client_id: o.client_id, text: o.text });
      outbox.shift();
      receive(m);
      o.resolve(m);
    } catch (e) {
      if (e instanceof ApiError && e.code === "timeout") {
        if (socket().connected) setTimeout(() => flush(), 1000);
        return;
      }
      outbox.shift(); // refused (blocked, not a member, ...): the user is told, not retried
      changed();
      o.reject(e);
    }
  }
}

onSocketStatus((s) => {
  if (s === "online") flush();
});

/** Queue a message; resolves with the stored message, however many reconnects that takes. */
export function send(target: { to?: string; conversation_id?: string }, text: string): Promise<Message> {
  return new Promise((resolve, reject) => {
    outbox.push({ client_id: crypto.randomUUID(), target, text, resolve, reject });
    changed();
    flush();
  });
}

export function reset(): void {
  convs.clear();
  outbox.splice(0).forEach((o) => o.reject(new ApiError("unauthorized", "signed out")));
  changed();
}

onSession((s) => {
  if (!s) reset(); // another person may sign in on this device next
});
