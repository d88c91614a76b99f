// The live room on the socket: join (and rejoin on reconnect), viewers, chat, tips, state.
import { useState } from "preact/hooks";
import { useConnected, useEvent, call } from "./socket";

export type LiveMsg = { id: string; user_id: string; display_name?: string; text: string; status?: string };
export type LiveTip = { tip_id?: string; from_user_id: string; amount_piastres: number; message?: string };

export function useLiveRoom(streamId: string | null) {
  const [stream, setStream] = useState<any>(null);
  const [viewers, setViewers] = useState(0);
  const [chat, setChat] = useState<LiveMsg[]>([]);
  const [tips, setTips] = useState<LiveTip[]>([]);
  const [state, setState] = useState<any>(null);
  const [pinned, setPinned] = useState<LiveMsg | null>(null);
  const [removed, setRemoved] = useState(false);
  const [reactions, setReactions] = useState<Record<string, number>>({});
  const [error, setError] = useState<string | null>(null);

  useConnected(() => {
    if (!streamId) return;
    call("live:join", { stream_id: streamId })
      .then((ans) => {
        setStream(ans.stream);
        setViewers(ans.viewers ?? 0);
        setChat(ans.recent_chat ?? []);
        setState({ state: ans.stream?.state });
        setPinned(ans.stream?.pinned ?? null);
        setError(null);
      })
      .catch((e) => setError(e.code ?? String(e)));
  }, [streamId]);
  const mine = (d: any) => d?.stream_id === streamId;
  useEvent("live:viewers", (d) => mine(d) && setViewers(d.count), [streamId]);
  useEvent("live:message", (d) => {
    if (!mine(d)) return;
    const m = d.message ?? d;
    setChat((xs) => (xs.some((x) => x.id === m.id) ? xs : [...xs.slice(-99), m]));
  }, [streamId]);
  useEvent("live:tip", (d) => mine(d) && setTips((xs) => (xs.some((x) => x.tip_id && x.tip_id === d.tip_id) ? xs : [...xs, d])), [streamId]);
  useEvent("live:state", (d) => mine(d) && setState(d), [streamId]);
  useEvent("live:pinned", (d) => mine(d) && setPinned(d.message ?? null), [streamId]);
  useEvent("live:removed", (d) => mine(d) && setRemoved(true), [streamId]);
  useEvent("live:reactions", (d) => mine(d) && setReactions(d.counts ?? {}), [streamId]);
  return { stream, viewers, chat, setChat, tips, state, reactions, error, pinned, removed };
}
