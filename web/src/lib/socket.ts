// One Socket.IO connection for the whole app (the official client), with acks as promises.
import { io, Socket } from "socket.io-client";
import { useEffect } from "preact/hooks";
import { ApiError, freshToken, onSession, refreshSession, session, setSession } from "./session";

let sock: Socket | null = null;
const statusListeners = new Set<(s: string) => void>();
let status = "offline";

function setStatus(s: string) {
  status = s;
  statusListeners.forEach((fn) => fn(s));
}

export function socketStatus(): string {
  return status;
}

export function onSocketStatus(fn: (s: string) => void): () => void {
  statusListeners.add(fn);
  return () => statusListeners.delete(fn);
}

export function socket(): Socket {
  if (sock) return sock;
  sock = io({
    transports: ["websocket", "polling"],
    // A fresh token on every (re)connect; `recover` keeps missed broadcasts across drops.
    auth: (cb) => {
      freshToken().then((token) => cb({ token, recover: true }));
    },
  });
  (window as any).sawtSocket = sock; // for developers in DevTools (and the browser tests)
  sock.on("connect", () => setStatus("online"));
  sock.on("disconnect", () => setStatus("offline"));
  sock.on("connect_error", async (err: any) => {
    setStatus("error");
    if (/expired|unauthor|invalid_token/i.test(String(err?.message ?? err?.data?.code ?? ""))) {
      await refreshSession();
    }
  });
  sock.on("auth:session_revoked", () => setSession(null));
  return sock;
}

export function closeSocket(): void {
  sock?.disconnect();
  sock = null;
  setStatus("offline");
}

onSession((s) => {
  if (!s) closeSocket();
});

/** Emit with an ack; `{ok:false}` becomes ApiError(code). */
export function call<T = any>(event: string, data: any = {}, timeoutMs = 15000): Promise<T> {
  if (!session()) return Promise.reject(new ApiError("unauthorized", "Sign in first"));
  return new Promise((resolve, reject) => {
    socket()
      .timeout(timeoutMs)
      .emit(event, data, (err: any, ack: any) => {
        if (err) return reject(new ApiError("timeout", `${event} timed out`));
        if (ack?.ok) resolve(ack.data as T);
        else reject(new ApiError(ack?.error?.code ?? "error", ack?.error?.message ?? "error", 0, ack?.error));
      });
  });
}

/** Subscribe a component to a server event while it is mounted. */
export function useEvent(event: string, handler: (data: any) => void, deps: any[] = []): void {
  useEffect(() => {
    if (!session()) return;
    const s = socket();
    const fn = (data: any) => handler(data);
    s.on(event, fn);
    return () => {
      s.off(event, fn);
    };
  }, deps);
}

/** Run `fn` on every (re)connect, e.g. to rejoin rooms and resync. */
export function useConnected(fn: () => void, deps: any[] = []): void {
  useEffect(() => {
    if (!session()) return;
    const s = socket();
    if (s.connected) fn();
    s.on("connect", fn);
    return () => {
      s.off("connect", fn);
    };
  }, deps);
}
