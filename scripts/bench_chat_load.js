// Load generator for scripts/bench_chat.py: K pairs of raw websocket Socket.IO v5 clients
// (the `ws` package from tests/js, no socket.io-client overhead), member A of each pair on
// server 0, member B on server 1. Each pair chats in its DM through the real `chat:send`;
// latency = time the peer's socket gets `chat:message` minus send time (one clock).
// usage: node bench_chat_load.js CONFIG.json   (written by bench_chat.py)
// CONFIG: {ports: [p0, p1], pids: [pid0, pid1], pairs: [[tokA, uidA, tokB, uidB, convId]],
//          rates: [msgs/s...], seconds: N, conc: 100}
const path = require("path");
const fs = require("fs");
const { performance } = require("perf_hooks");
const WebSocket = require(path.join(__dirname, "..", "tests", "js", "node_modules", "ws"));

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = (o) => console.log(JSON.stringify(o));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid) {
  const st = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
  return (+f[11] + +f[12]) / 100;
}
function rssMB(pid) {
  return +/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1] / 1024;
}

let lat = [], ackLat = [], errors = {}, delivered = 0;
const pendingAcks = new Map(); // socket -> Map(ackId -> sentAt)

class Client {
  constructor(port, token, uid) { this.port = port; this.token = token; this.uid = uid; this.ack = 0; this.acks = new Map(); }
  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${this.port}/socket.io/?EIO=4&transport=websocket`,
                               { perMessageDeflate: false });
      this.ws = ws;
      const to = setTimeout(() => reject(new Error("connect timeout")), 30000);
      ws.on("error", (e) => { clearTimeout(to); reject(e); });
      ws.on("message", (data) => {
        const s = data.toString();
        const c = s.charCodeAt(0);
        if (c === 50) { ws.send("3"); return; }                       // ping -> pong
        if (c === 48) { ws.send("40" + JSON.stringify({ token: this.token })); return; }
        if (s.startsWith("40")) { clearTimeout(to); resolve(this); return; }
        if (s.startsWith("44")) { clearTimeout(to); reject(new Error(s)); return; }
        if (s.startsWith("43")) {                                       // ack
          const i = s.indexOf("[");
          const id = +s.slice(2, i);
          const sentAt = this.acks.get(id);
          this.acks.delete(id);
          const ack = JSON.parse(s.slice(i))[0];
          if (sentAt !== undefined) ackLat.push(performance.now() - sentAt);
          if (!ack.ok) errors[ack.error.code] = (errors[ack.error.code] || 0) + 1;
          return;
        }
        if (s.startsWith("42")) {
          const [event, m] = JSON.parse(s.slice(2));
          if (event === "chat:message" && m.sender_id !== this.uid && m.text) {
            lat.push(performance.now() - +m.text.split(" ")[0]);
            delivered++;
          }
        }
      });
    });
  }
  send(convId, n) {
    const id = this.ack++;
    const t = performance.now();
    this.acks.set(id, t);
    this.ws.send("42" + id + JSON.stringify(["chat:send", {
      conversation_id: convId, client_id: `b${n}-${id}`, text: `${t} bench message ${n}`}]));
  }
}

function pct(a, p) {
  if (!a.length) return null;
  const s = Float64Array.from(a).sort();
  return +s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2);
}

async function main() {
  const pairs = [];
  const t0 = performance.now();
  const all = [];
  for (const [ta, ua, tb, ub, conv] of cfg.pairs) {
    const pair = { a: new Client(cfg.ports[0], ta, ua), b: new Client(cfg.ports[1], tb, ub), conv };
    pairs.push(pair);
    all.push(pair.a, pair.b);
  }
  for (let i = 0; i < all.length; i += cfg.conc) {
    await Promise.all(all.slice(i, i + cfg.conc).map((c) => c.connect()));
  }
  const connectS = (performance.now() - t0) / 1000;
  await sleep(1000);
  out({ phase: "connected", sockets: all.length, seconds: +connectS.toFixed(1),
        rss_mb: cfg.pids.map((p) => +rssMB(p).toFixed(1)) });
  let n = 0;
  for (const rate of cfg.rates) {
    lat = []; ackLat = []; errors = {}; delivered = 0;
    const cpu0 = cfg.pids.map(cpuSeconds);
    const start = performance.now();
    const total = Math.round(rate * cfg.seconds);
    let sent = 0, next = 0;
    while (sent < total) {  // paced in 10 ms ticks
      const due = Math.min(total, Math.floor((performance.now() - start) / 1000 * rate));
      while (sent < due) {
        const p = pairs[next++ % pairs.length];
        (sent % 2 ? p.b : p.a).send(p.conv, n++);
        sent++;
      }
      await sleep(10);
    }
    const sendS = (performance.now() - start) / 1000;
    for (let i = 0; i < 500 && delivered < sent; i++) await sleep(20);  // stragglers, <= 10 s
    const wall = (performance.now() - start) / 1000;
    const cpu = cfg.pids.map((p, i) => +((cpuSeconds(p) - cpu0[i]) / wall).toFixed(2));
    out({ phase: "paced", rate, sent, delivered, send_seconds: +sendS.toFixed(2),
          msgs_per_s: +(delivered / wall).toFixed(1),
          p50_ms: pct(lat, 0.5), p99_ms: pct(lat, 0.99), max_ms: pct(lat, 1),
          ack_p50_ms: pct(ackLat, 0.5), ack_p99_ms: pct(ackLat, 0.99),
          errors, cpu_cores: cpu, rss_mb: cfg.pids.map((p) => +rssMB(p).toFixed(1)) });
  }
  for (const c of all) c.ws.close();
  process.exit(0);
}
main().catch((e) => { out({ phase: "error", message: String(e) }); process.exit(1); });
