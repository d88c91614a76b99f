// Light socket.io load generator: raw `ws` clients speaking Engine.IO v4 / Socket.IO v5
// (websocket transport only; JSON or msgpack parser), no socket.io-client overhead.
// Phases: connect N receivers (+1 sender) -> idle RSS -> paced latency -> burst throughput.
// usage: node loadgen.js --port 4000 --clients 1000 --messages 200 --rate 20 --parser json --pid <serverPid>
// The reference bench's load generator (node_reference/ is its server); our additions (for the Sawt server, whose sockets
// authenticate with a JWT and whose broadcasts go through the real `system:announce` event):
//   --recv-auth JSON     CONNECT auth of the receivers (default: none)
//   --sender-auth JSON   CONNECT auth of the sender (default {"role":"sender"})
//   --announce-user ID   send `system:announce {event:"msg", data, user_id: ID}` instead of `msg`
//   --recv-auth-file F   a JSON list of CONNECT auths; receiver i uses entry i % length
//   --announce-all       send `system:announce {event:"msg", data}` (every socket) instead of `msg`;
//                        the sender's own copies are not counted
const WebSocket = require("ws");
const notepack = require("notepack.io");
const fs = require("fs");
const { performance } = require("perf_hooks");

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, arr) => {
  if (v.startsWith("--")) a.push([v.slice(2), arr[i + 1]]); return a; }, []));
const PORT = +(args.port || 4000), N = +(args.clients || 1000), M = +(args.messages || 200);
const RATES = String(args.rate || "20").split(",").map(Number), CONC = +(args.conc || 100), PARSER = args.parser || "json";
const PID = args.pid ? +args.pid : null, WARM = Math.min(50, Math.floor(N / 10));
const PACED_S = +(args["paced-seconds"] || 6);
const LABEL = args.label || `port${PORT}`;
const URL = `ws://127.0.0.1:${PORT}/socket.io/?EIO=4&transport=websocket`;
const MP = PARSER === "msgpack";
const PAD = "x".repeat(+(args.pad || 64)); // payload padding (chat-message sized)
const RECV_AUTH = args["recv-auth"] ? JSON.parse(args["recv-auth"]) : null;
const SENDER_AUTH = args["sender-auth"] ? JSON.parse(args["sender-auth"]) : { role: "sender" };
const ANNOUNCE_USER = args["announce-user"] || null;
const ANNOUNCE_ALL = args["announce-all"] === "1";
const RECV_AUTHS = args["recv-auth-file"] ? JSON.parse(fs.readFileSync(args["recv-auth-file"], "utf8")) : null;
let nextAuth = 0;
const CONNECT_TIMEOUT_MS = +(args["connect-timeout-ms"] || 20000); // ours: --connect-timeout-ms

const CLK = 100; // USER_HZ
function procStat(pid) {
  const st = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
  return (+f[11] + +f[12]) / CLK; // utime+stime seconds
}
function rssKB(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return +m[1];
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// latency store for the current phase
let lat = new Float64Array(N * M), nlat = 0, tLast = 0, onDelivery = null;

function connectOne(auth, counts = true) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(URL, { perMessageDeflate: false });
    let done = false;
    const to = setTimeout(() => { if (!done) { done = true; ws.terminate(); reject(new Error("connect timeout")); } }, CONNECT_TIMEOUT_MS);
    ws.on("error", (e) => { if (!done) { done = true; clearTimeout(to); reject(e); } });
    const connected = () => { if (!done) { done = true; clearTimeout(to); resolve(ws); } };
    const event = (data) => {
      if (!counts) return;
      const now = performance.now();
      const p = data[1];
      if (nlat < lat.length) lat[nlat++] = now - p.t;
      tLast = now;
      if (onDelivery) onDelivery();
    };
    ws.on("message", (data, isBinary) => {
      if (isBinary) { // msgpack socket.io packet
        const pkt = notepack.decode(data);
        if (pkt.type === 2) event(pkt.data); else if (pkt.type === 0) connected();
        return;
      }
      const s = data.toString();
      const c = s.charCodeAt(0);
      if (c === 50 /*2 ping*/) { ws.send("3"); return; }
      if (c === 48 /*0 open*/) {
        if (MP) ws.send(notepack.encode(auth ? { type: 0, nsp: "/", data: auth } : { type: 0, nsp: "/" }));
        else ws.send(auth ? "40" + JSON.stringify(auth) : "40");
        return;
      }
      if (c === 52 /*4 message*/) {
        const t = s.charCodeAt(1);
        if (t === 50) event(JSON.parse(s.slice(2)));
        else if (t === 48) connected();
      }
    });
  });
}

async function connectMany(n, sockets) {
  let next = 0, failed = 0;
  async function worker() {
    while (next < n) { next++; try { sockets.push(await connectOne(RECV_AUTHS ? RECV_AUTHS[nextAuth++ % RECV_AUTHS.length] : RECV_AUTH)); } catch (e) { failed++; } }
  }
  await Promise.all(Array.from({ length: Math.min(CONC, n) }, worker));
  return failed;
}

function sendMsg(sender, i) {
  let p = { t: performance.now(), i, p: PAD };
  if (ANNOUNCE_USER || ANNOUNCE_ALL) {
    p = ANNOUNCE_USER ? { event: "msg", data: p, user_id: ANNOUNCE_USER } : { event: "msg", data: p };
    if (MP) sender.send(notepack.encode({ type: 2, nsp: "/", data: ["system:announce", p] }));
    else sender.send('42["system:announce",' + JSON.stringify(p) + "]");
    return;
  }
  if (MP) sender.send(notepack.encode({ type: 2, nsp: "/", data: ["msg", p] }));
  else sender.send('42["msg",' + JSON.stringify(p) + "]");
}

function pct(a, n, q) { if (!n) return NaN; return a[Math.min(n - 1, Math.floor(q * n))]; }

async function phase(name, sender, pacedRate, count) {
  lat = new Float64Array(N * count); nlat = 0; tLast = 0;
  const expected = N * count;
  const cpu0 = PID ? procStat(PID) : 0, me0 = process.cpuUsage();
  const allIn = new Promise((resolve) => { onDelivery = () => { if (nlat >= expected) resolve(); }; });
  const t0 = performance.now();
  if (pacedRate) {
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / pacedRate;
      const w = due - performance.now(); if (w > 1) await sleep(w);
      sendMsg(sender, i);
    }
  } else {
    for (let i = 0; i < count; i++) sendMsg(sender, i);
  }
  const tSent = performance.now();
  await Promise.race([allIn, sleep(60000)]);
  onDelivery = null;
  const wall = (tLast - t0) / 1000;
  const srvCpu = PID ? procStat(PID) - cpu0 : NaN;
  const me = process.cpuUsage(me0);
  const sorted = lat.subarray(0, nlat).sort();
  const r = {
    phase: name, rate_msgs_per_s: pacedRate || "burst", messages: count, delivered: nlat, expected,
    wall_s: +wall.toFixed(3), send_s: +((tSent - t0) / 1000).toFixed(3),
    deliveries_per_s: Math.round(nlat / wall),
    p50_ms: +pct(sorted, nlat, 0.5).toFixed(2), p99_ms: +pct(sorted, nlat, 0.99).toFixed(2),
    max_ms: +(nlat ? sorted[nlat - 1] : NaN).toFixed(2),
    server_cpu_s: +srvCpu.toFixed(2),
    server_cpu_us_per_delivery: +((srvCpu * 1e6) / Math.max(1, nlat)).toFixed(2),
    server_cpu_util: +(srvCpu / wall).toFixed(2),
    loadgen_cpu_util: +((me.user + me.system) / 1e6 / wall).toFixed(2),
  };
  return r;
}

(async () => {
  const out = { label: LABEL, port: PORT, clients: N, messages: M, parser: PARSER, paced_rates: RATES };
  const sockets = [];
  // warm-up connections (excluded from memory/connect-rate figures)
  await connectMany(WARM, sockets);
  await sleep(1000);
  const rss0 = PID ? rssKB(PID) : NaN;
  const tc0 = performance.now(), sc0 = PID ? procStat(PID) : 0, mc0 = process.cpuUsage();
  const failed = await connectMany(N - WARM, sockets);
  const tc = (performance.now() - tc0) / 1000;
  const mc = process.cpuUsage(mc0);
  out.connect = { connected: sockets.length, failed, seconds: +tc.toFixed(3),
                  conns_per_s: Math.round((N - WARM - failed) / tc), concurrency: CONC,
                  server_cpu_util: PID ? +((procStat(PID) - sc0) / tc).toFixed(2) : NaN,
                  loadgen_cpu_util: +((mc.user + mc.system) / 1e6 / tc).toFixed(2) };
  await sleep(2000);
  const rss1 = PID ? rssKB(PID) : NaN;
  out.memory = { rss_base_mb: +(rss0 / 1024).toFixed(1), rss_idle_mb: +(rss1 / 1024).toFixed(1),
                 rss_per_1k_conns_mb: +(((rss1 - rss0) / 1024) * 1000 / (N - WARM)).toFixed(2),
                 kb_per_conn: +((rss1 - rss0) / (N - WARM)).toFixed(1) };
  let sender = null; // ours: retry the sender on a busy machine
  for (let a = 0; a < 3 && !sender; a++) { try { sender = await connectOne(SENDER_AUTH, !ANNOUNCE_ALL); } catch (e) { if (a === 2) throw e; } }
  await sleep(300);
  await phase("warmup", sender, 50, 25); // JIT / allocator warm-up, discarded
  await sleep(500);
  out.paced = [];
  for (const r of RATES) {
    out.paced.push(await phase("paced", sender, r, Math.min(M, Math.max(10, Math.round(r * PACED_S)))));
    await sleep(500);
  }
  out.burst = await phase("burst", sender, 0, M);
  out.rss_after_mb = PID ? +(rssKB(PID) / 1024).toFixed(1) : NaN;
  console.log(JSON.stringify(out));
  for (const s of sockets) s.terminate();
  sender.terminate();
  setTimeout(() => process.exit(0), 200);
})().catch((e) => { console.error(e); process.exit(1); });
