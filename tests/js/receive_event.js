// The official Socket.IO JS client: connect with a token, call system:ping with an ack, print
// every event as a JSON line, exit once both the ack and the wanted event have arrived.
// Driven by tests/test_js_client.py; exits on its own.
// usage: node receive_event.js URL TOKEN EVENT [TIMEOUT_MS]
const { io } = require("socket.io-client");
const [url, token, wanted, timeoutMs] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const socket = io(url, { auth: { token }, transports: ["websocket"], reconnection: false });
const timer = setTimeout(() => { out({ type: "timeout" }); process.exit(2); }, +(timeoutMs || 10000));
let gotAck = false, gotEvent = false;
const maybeDone = () => { if (gotAck && gotEvent) { clearTimeout(timer); socket.close(); process.exit(0); } };
socket.on("connect", async () => {
  out({ type: "connected" });
  const ack = await socket.timeout(5000).emitWithAck("system:ping", {});
  out({ type: "ack", ack });
  gotAck = true;
  maybeDone();
});
socket.on("connect_error", (err) => { out({ type: "connect_error", message: err.message, data: err.data }); clearTimeout(timer); process.exit(0); });
socket.onAny((event, data) => {
  out({ type: "event", event, data });
  if (event === wanted) { gotEvent = true; maybeDone(); }
});
