// Connection state recovery with the official Socket.IO JS client, driven over stdin/stdout
// by tests/test_engine_recovery.py (and scripts/bench_recovery.py).
// usage: node recovery.js TOKEN URL [URL...]
// stdin (JSON lines):  {"cmd":"cut"}            drop the transport (no DISCONNECT packet)
//                      {"cmd":"reconnect","to":i} reconnect to URL i with pid + offset
//                      {"cmd":"report"}         print every `seq` received, then exit
// stdout (JSON lines): connected {id, recovered}, cut, probe, report {seqs}
const { io } = require("socket.io-client");
const readline = require("readline");
const [token, ...urls] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const seqs = [];
let offsets = 0;

const socket = io(urls[0], {
  auth: { token },  // no flag: the server offers recovery to every client
  transports: ["websocket"],
  reconnection: false,
});
socket.on("connect", () => out({ type: "connected", id: socket.id, recovered: socket.recovered }));
socket.on("connect_error", (err) => out({ type: "connect_error", message: err.message }));
socket.on("disconnect", (reason) => out({ type: "cut", reason }));
socket.on("test:seq", (data, offset) => {
  seqs.push(data.i);
  if (typeof offset === "string") offsets++;
});
socket.on("test:probe", (data) => out({ type: "probe", n: data.n }));

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const msg = JSON.parse(line);
  if (msg.cmd === "cut") {
    socket.io.engine.close(); // like a network drop: the server sees "transport close"
  } else if (msg.cmd === "reconnect") {
    socket.io.uri = urls[msg.to];
    socket.connect();
  } else if (msg.cmd === "report") {
    out({ type: "report", seqs, offsets });
    socket.close();
    setTimeout(() => process.exit(0), 50);
  }
});
setTimeout(() => { out({ type: "timeout" }); process.exit(2); }, +(process.env.RECOVERY_JS_TIMEOUT_MS || 120000));
