// A video element fed by hls.js (or the browser's own HLS where it has one). For live streams
// it reads the latency from EXT-X-PROGRAM-DATE-TIME: now − the wall-clock time of the frame
// on screen. Live players follow the stream's own LL-HLS timing: lowLatencyMode with no
// liveSyncDuration(Count), so hls.js holds PART-HOLD-BACK behind the live edge (a
// liveSyncDurationCount would override it with whole segments). After a stall hls.js adds
// liveSyncOnStallIncrease to its target for good: one part (0.2 s), not its default 1 s. And
// since hls.js starts at a segment's keyframe and only speeds up with > 1 s buffered, it never
// gets within PART-HOLD-BACK by itself: once playing has settled, when it drifted past its
// target and the live position is already buffered, jump there (the README's "Players").
import Hls from "hls.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { num, t } from "../i18n";

type Props = {
  src: string;
  live?: boolean;
  label: string;
  onPlaying?: () => void;
  onLatency?: (seconds: number) => void;
};

export function HlsPlayer({ src, live, label, onPlaying, onLatency }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  const [latency, setLatency] = useState<number | null>(null);
  const [state, setState] = useState("loading");
  // hls.js's hold-back at the first frame, and the playlist's PART-HOLD-BACK it should follow.
  const [target, setTarget] = useState<{ target: number; partHoldBack: number } | null>(null);

  useEffect(() => {
    const el = video.current!;
    let hls: Hls | null = null;
    const playing = () => {
      setState("playing");
      const details = hls?.latestLevelDetails;
      if (live && hls && hls.targetLatency !== null && details) {
        setTarget((x) => x ?? { target: hls!.targetLatency!, partHoldBack: details.partHoldBack ?? 0 });
      }
      onPlaying?.();
    };
    el.addEventListener("playing", playing);
    if (Hls.isSupported()) {
      hls = new Hls(
        live
          ? { lowLatencyMode: true, liveSyncOnStallIncrease: 0.2, maxLiveSyncPlaybackRate: 1.5,
              backBufferLength: 4 }
          : {},
      );
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        el.play().catch(() => {});
      });
      hls.on(Hls.Events.ERROR, (_e, data) => {
        console.warn("hls.js", data.type, data.details, data.fatal ? "fatal" : "");
        if (data.fatal) {
          setState("error");
          // The playlist not there yet (404 stream_not_ready) or a network blip: load again.
          if (data.type === Hls.ErrorTypes.NETWORK_ERROR) setTimeout(() => hls?.loadSource(src), 500);
          else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls?.recoverMediaError();
        }
      });
      hls.loadSource(src);
      hls.attachMedia(el);
    } else {
      el.src = src; // Safari / iOS: native HLS
      el.addEventListener("loadedmetadata", () => el.play().catch(() => {}), { once: true });
    }
    el.muted = true;
    let playingSince = 0;
    el.addEventListener("playing", () => (playingSince ||= Date.now()), { once: true });
    const jump = live
      ? setInterval(() => {
          const end = el.buffered.length ? el.buffered.end(el.buffered.length - 1) : 0;
          const to = hls?.liveSyncPosition;
          const settled = playingSince && Date.now() - playingSince > 3000;
          if (hls && settled && !el.paused && to && hls.targetLatency !== null
              && hls.latency > hls.targetLatency + 0.25 && to < end - 0.05) el.currentTime = to;
        }, 1000)
      : undefined;
    const timer = live
      ? setInterval(() => {
          const at = hls?.playingDate?.getTime();
          if (at && !el.paused) {
            const s = (Date.now() - at) / 1000;
            setLatency(s);
            onLatency?.(s);
          }
        }, 250)
      : undefined;
    return () => {
      clearInterval(timer);
      clearInterval(jump);
      el.removeEventListener("playing", playing);
      hls?.destroy();
    };
  }, [src]);

  return (
    <figure style={{ margin: 0 }}>
      <video ref={video} controls playsInline muted aria-label={label} data-testid="player" data-state={state} />
      {live && (
        <figcaption class="muted" data-testid="latency" data-seconds={latency ?? ""}
          data-target-latency={target?.target ?? ""} data-part-hold-back={target?.partHoldBack ?? ""}>
          {t("latency")}: {latency === null ? "…" : `${num(latency, { maximumFractionDigits: 2 })} ${t("seconds_short")}`}
        </figcaption>
      )}
    </figure>
  );
}
