// The signed-in session (tokens from /v1/auth/*), kept in localStorage, and fetch with it.
export type Session = {
  user_id: string;
  session_id: string;
  role: string;
  access_token: string;
  refresh_token?: string;
  expires_at?: number;
  display_name?: string;
};

const KEY = "sawt.session";
let current: Session | null = load();
const listeners = new Set<(s: Session | null) => void>();

function load(): Session | null {
  try {
    return JSON.parse(localStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

export function session(): Session | null {
  return current;
}

export function setSession(s: Session | null): void {
  current = s;
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
  listeners.forEach((fn) => fn(s));
}

export function onSession(fn: (s: Session | null) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function fromIssued(issued: any, display_name?: string): Session {
  return {
    user_id: issued.user_id,
    session_id: issued.session_id,
    role: issued.role,
    access_token: issued.access_token,
    refresh_token: issued.refresh_token,
    expires_at: Date.now() + (issued.expires_in ?? 900) * 1000,
    display_name,
  };
}

export class ApiError extends Error {
  constructor(public code: string, message: string, public status = 0, public data?: any) {
    super(message);
  }
}

let refreshing: Promise<void> | null = null;

/** Swap the refresh token for a new pair (once, however many callers ask at the same time). */
export async function refreshSession(): Promise<void> {
  const s = current;
  if (!s?.refresh_token) return;
  refreshing ??= (async () => {
    try {
      const r = await fetch("/v1/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: s.refresh_token }),
      });
      if (r.status === 401) setSession(null);
      else if (r.ok) setSession({ ...fromIssued(await r.json()), display_name: s.display_name });
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function freshToken(): Promise<string | undefined> {
  const s = current;
  if (s?.expires_at && s.refresh_token && s.expires_at - Date.now() < 60_000) await refreshSession();
  return current?.access_token;
}

/** JSON over HTTP; problem+json errors become ApiError with the server's code. */
export async function api<T = any>(path: string, opts: { method?: string; body?: any } = {}): Promise<T> {
  const token = await freshToken();
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(path, {
    method: opts.method ?? (opts.body !== undefined ? "POST" : "GET"),
    headers,
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await r.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!r.ok) throw new ApiError(data?.code ?? "http_" + r.status, data?.title ?? r.statusText, r.status, data);
  return data as T;
}
