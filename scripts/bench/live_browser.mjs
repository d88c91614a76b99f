// Glass-to-glass latency of a live stream in Chromium: one page publishes a canvas over WHIP
// (the wall-clock time drawn into every frame as a 32-cell barcode), another plays the
// master playlist with hls.js and reads the barcode back from every frame it presents.
// Run by scripts/bench_live_browser.py; prints one JSON line per fact.
//   node live_browser.mjs '{"whip": url, "key": k, "master": url, "mode": "ll"|"plain",
//                           "warmup_s": 6, "seconds": 30, "hls": "/path/hls.min.js"}'
import { launch, say } from "../../tests/browser/harness.mjs";

const cfg = JSON.parse(process.argv[2]);
const CELLS = 32, CELL = 20, W = 640, H = 360;

async function publisher(browser) {
  const ctx = await browser.newUser();
  const page = await ctx.newPage();
  page.on("console", (m) => m.type() === "error" && say("publisher_console", { text: m.text() }));
  await page.setContent(`<canvas id="c" width="${W}" height="${H}"></canvas>`);
  const status = await page.evaluate(async ({ whip, key, CELLS, CELL, W, H }) => {
    const c = document.getElementById("c");
    const g = c.getContext("2d");
    let n = 0;
    const draw = () => {
      const ms = Date.now() % 2 ** 32;
      g.fillStyle = "#284060";
      g.fillRect(0, 0, W, H);
      g.fillStyle = "#e0c040";
      g.fillRect((n++ * 8) % W, H / 3, 24, H / 2);
      for (let i = 0; i < CELLS; i++) {
        g.fillStyle = Math.floor(ms / 2 ** (CELLS - 1 - i)) % 2 ? "#fff" : "#000";
        g.fillRect(i * CELL, 0, CELL, CELL);
      }
    };
    draw();
    setInterval(draw, 1000 / 30);
    const stream = c.captureStream(30);
    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
    pc.addTransceiver(stream.getVideoTracks()[0], { direction: "sendonly", streams: [stream] });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((ok) => {
      if (pc.iceGatheringState === "complete") return ok();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && ok();
      setTimeout(ok, 2000);
    });
    const r = await fetch(whip, { method: "POST", body: pc.localDescription.sdp,
      headers: { "Content-Type": "application/sdp", Authorization: `Bearer ${key}` } });
    if (r.status !== 201) return r.status;
    await pc.setRemoteDescription({ type: "answer", sdp: await r.text() });
    window.pc = pc;
    return 201;
  }, { whip: cfg.whip, key: cfg.key, CELLS, CELL, W, H });
  say("published", { status });
  if (status !== 201) throw new Error(`WHIP answered ${status}`);
  return ctx;
}

async function viewer(browser) {
  const ctx = await browser.newUser();
  const page = await ctx.newPage();
  page.on("console", (m) => m.type() === "error" && say("viewer_console", { text: m.text() }));
  await page.setContent(`<video id="v" muted autoplay playsinline width="${W}" height="${H}"></video>
    <canvas id="c" width="${W}" height="${CELL}"></canvas>`);
  await page.addScriptTag({ path: cfg.hls });
  // An app starts its player on `live:state {playable: true}`; here: once the master exists.
  for (let i = 0; ; i++) {  // (waitForFunction would take the async predicate's Promise as true)
    if (await page.evaluate(async (m) => (await fetch(m)).status, cfg.master) === 200) break;
    if (i > 300) throw new Error("the master playlist never appeared");
    await page.waitForTimeout(100);
  }
  await page.evaluate(({ master, mode, player, CELLS, CELL, W }) => {
    const v = document.getElementById("v");
    const g = document.getElementById("c").getContext("2d", { willReadFrequently: true });
    window.samples = [];
    window.events = { waiting: 0, stalls: 0, errors: [], playing_at: null, level_switches: 0 };
    // (not hls.js options: syncOnStart turns on the drift jump below, syncMargin is how far
    // past hls.js's target latency it jumps, seconds)
    const { syncOnStart, syncMargin = 0.25, ...config } = player;
    window.syncOnStart = syncOnStart;
    const hls = new Hls({ lowLatencyMode: mode === "ll", ...config });  // hls.js defaults otherwise
    window.hls = hls;
    hls.on(Hls.Events.ERROR, (_e, d) => {
      if (d.details === "bufferStalledError") window.events.stalls++;
      else window.events.errors.push(`${d.fatal ? "FATAL " : ""}${d.details}` +
        (d.response ? ` ${d.response.code} ${d.response.text ?? ""}`.slice(0, 200) : "") +
        (d.context ? ` ${d.context.url}` : ""));
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, () => window.events.level_switches++);
    hls.loadSource(master);
    hls.attachMedia(v);
    window.events.log = [];
    hls.on(Hls.Events.FRAG_LOADED, (_e, d) => {
      if (window.events.log.length < 6) window.events.log.push(["loaded", d.frag.sn, d.part ? d.part.index : null,
        (d.part || d.frag).start, Date.now()]);
    });
    v.addEventListener("playing", () => {
      if (window.events.playing_at) return;
      window.events.playing_at = Date.now();
      const ld = hls.latencyController?.levelDetails;
      window.events.log.push(["playing", v.currentTime, hls.liveSyncPosition, hls.startPosition, ld?.edge, ld?.age,
        hls.latency, v.buffered.length ? [v.buffered.start(0), v.buffered.end(0)] : null]);
    });
    v.addEventListener("waiting", () => { if (window.events.playing_at) window.events.waiting++; });
    v.play().catch(() => {});
    if (window.syncOnStart) {
      // Starting takes a moment (parts from the last keyframe, MSE, the first decode) while
      // the live edge moves on, and hls.js only speeds up with > 1 s of buffer, so it never
      // gets within PART-HOLD-BACK by itself: when playback drifted behind where hls.js wants
      // to be and that point is already buffered, jump there (what hls.js does on its own
      // past liveMaxLatencyDuration, without hard-coding the hold-back). Not in the first 3 s:
      // a stall while the decoder warms up makes hls.js add 1 s to its target for good.
      setInterval(() => {
        const end = v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0;
        const to = hls.liveSyncPosition;
        const settled = window.events.playing_at && Date.now() - window.events.playing_at > 3000;
        if (settled && !v.paused && to && hls.latency > hls.targetLatency + syncMargin && to < end - 0.05) {
          v.currentTime = to;
          window.events.synced = (window.events.synced ?? 0) + 1;
        }
      }, 1000);
    }
    const onFrame = (now, meta) => {
      const shown = performance.timeOrigin + meta.expectedDisplayTime;
      g.drawImage(v, 0, 0, v.videoWidth, CELL * v.videoHeight / 360, 0, 0, W, CELL);
      const px = g.getImageData(0, CELL / 2, W, 1).data;
      let ms = 0;
      for (let i = 0; i < CELLS; i++) ms = ms * 2 + (px[Math.floor((i + 0.5) * CELL) * 4] > 128 ? 1 : 0);
      const mod = 2 ** 32;
      const sent = shown - (((shown % mod) - ms + mod) % mod);
      window.samples.push([Math.round(shown), Math.round(shown - sent), hls.latency ?? null]);
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
    window.snaps = [];
    setInterval(() => {
      const ld = hls.latencyController?.levelDetails;
      window.snaps.push([Date.now(), +v.currentTime.toFixed(3),
        v.buffered.length ? +v.buffered.end(v.buffered.length - 1).toFixed(3) : null,
        +(hls.latency ?? 0).toFixed(3), +(hls.liveSyncPosition ?? 0).toFixed(3), ld?.edge, v.playbackRate]);
    }, 2000);
  }, { master: cfg.master, mode: cfg.mode, player: cfg.player ?? {}, CELLS, CELL, W });
  return { ctx, page };
}

export async function run() {
  const browser = await launch();
  try {
    await publisher(browser);
    const { page } = await viewer(browser);
    const t0 = Date.now();
    try {
      await page.waitForFunction(() => window.events.playing_at, null, { timeout: 30000 });
    } catch (err) {
      say("not_playing", await page.evaluate(() => ({ errors: window.events.errors, log: window.events.log })));
      throw err;
    }
    say("first_frame", { ms: (await page.evaluate(() => window.events.playing_at)) - t0 });
    await page.waitForTimeout(cfg.warmup_s * 1000);
    const start = Date.now();
    const before = await page.evaluate(() => ({ ...window.events, n: window.samples.length }));
    await page.waitForTimeout(cfg.seconds * 1000);
    const out = await page.evaluate(({ start }) => ({
      samples: window.samples.filter((s) => s[0] >= start),
      events: window.events,
      snaps: window.snaps, target: window.hls.targetLatency, level: window.hls.currentLevel, synced: window.events.synced,
      codecs: MediaSource.isTypeSupported('video/mp4; codecs="avc1.42e01e"'),
    }), { start });
    say("result", { ...out, waiting_before: before.waiting, stalls_before: before.stalls });
  } finally {
    await browser.close();
  }
}

await run().then(() => say("done"), (err) => {
  say("error", { message: String(err?.stack ?? err) });
  process.exitCode = 1;
});
