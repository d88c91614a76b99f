// Live studio: camera + microphone preview, go live over WHIP, viewer count, live chat, tips
// arriving, end → the recording becomes a post.
import { useEffect, useRef, useState } from "preact/hooks";
import { egp, num, t } from "../i18n";
import { useLiveRoom } from "../lib/live_room";
import { linkProps } from "../lib/router";
import { call } from "../lib/socket";
import { useBalance } from "../lib/wallet_balance";
import { whipPublish, WhipSession } from "../lib/whip";
import { ErrorLine, useAction } from "../lib/ui";
import { LiveChat } from "./live_chat";

export function StudioPage() {
  const preview = useRef<HTMLVideoElement>(null);
  const media = useRef<MediaStream | null>(null);
  const whip = useRef<WhipSession | null>(null);
  const [title, setTitle] = useState("");
  const [streamId, setStreamId] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [busy, error, run] = useAction();
  const room = useLiveRoom(streamId);
  const bal = useBalance();

  useEffect(() => {
    run(async () => {
      media.current = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
      if (preview.current) preview.current.srcObject = media.current;
    });
    return () => {
      media.current?.getTracks().forEach((tr) => tr.stop());
      whip.current?.close();
    };
  }, []);

  const goLive = (e: Event) => {
    e.preventDefault();
    run(async () => {
      if (!media.current) throw new Error("camera");
      const made = await call("live:create", { title: title || t("live_now"), visibility: "public", source_height: 360 });
      setStreamId(made.stream.id);
      whip.current = await whipPublish(made.whip_url, made.stream_key, media.current);
      document.body.setAttribute("data-live-at", String(Date.now()));
      setLive(true);
    });
  };
  const end = () =>
    run(async () => {
      if (streamId) await call("live:end", { stream_id: streamId });
      await whip.current?.close();
      whip.current = null;
      setLive(false);
    });

  const ended = room.state?.state === "ended";
  return (
    <section aria-labelledby="studio-title">
      <h2 id="studio-title">{t("nav_studio")}</h2>
      <video ref={preview} autoPlay muted playsInline aria-label={t("camera_preview")} data-testid="preview" />
      {!streamId && (
        <form class="row" onSubmit={goLive}>
          <div>
            <label for="stream-title">{t("stream_title")}</label>
            <input id="stream-title" value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
          </div>
          <button type="submit" disabled={busy}>
            {t("go_live")}
          </button>
        </form>
      )}
      {streamId && (
        <div class="card" data-testid="studio-live" data-stream={streamId} data-state={room.state?.state ?? "created"}>
          <p>
            <strong>{ended ? t("stream_ended") : live ? `● ${t("live_now")}` : t("loading")}</strong> ·{" "}
            <span data-testid="viewers">{t("viewers")}: {num(room.viewers)}</span> ·{" "}
            <span data-testid="earnings" data-piastres={bal.earnings ?? ""}>{t("earnings")}: {egp(bal.earnings ?? 0)}</span>
          </p>
          <p class="muted">
            {t("share_link")}: <a {...linkProps(`/watch?stream=${streamId}`)} class="ltr">/watch?stream={streamId}</a>
          </p>
          {live && !ended && (
            <button class="danger" onClick={end} disabled={busy}>
              {t("end_stream")}
            </button>
          )}
          {ended && room.state?.vod_url && <p data-testid="recording">{t("recording")}: <a href={room.state.vod_url}>{room.state.vod_url}</a></p>}
        </div>
      )}
      <ErrorLine error={error} />
      {streamId && <LiveChat creator pinned={room.pinned} streamId={streamId} chat={room.chat} tips={room.tips} onSent={(m) => room.setChat((xs) => (xs.some((x) => x.id === m.id) ? xs : [...xs, m]))} />}
    </section>
  );
}
