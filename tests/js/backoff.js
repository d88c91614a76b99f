// The official Socket.IO JS client with its default options (polling first, reconnection with
// its randomized growing delay): print each connect_error and the connect as JSON lines, exit
// once connected. Driven by tests/test_engine_admission.py; exits on its own.
// usage: node backoff.js URL TOKEN [TIMEOUT_MS]
const { io } = require("socket.io-client");
const [url, token, timeoutMs] = process.argv.slice(2);
const t0 = Date.now();
const out = (o) => process.stdout.write(JSON.stringify({ ...o, ms: Date.now() - t0 }) + "\n");
const socket = io(url, { auth: { token } });
const timer = setTimeout(() => { out({ type: "timeout" }); process.exit(2); }, +(timeoutMs || 20000));
socket.on("connect_error", (err) => out({ type: "connect_error", message: err.message,
                                            active: socket.active }));
socket.on("connect", () => {
  out({ type: "connected", sid: socket.id });
  clearTimeout(timer);
  socket.close();
  process.exit(0);
});
