// The official Socket.IO client sends a DM and waits for the reply, driven by
// tests/test_chat_js_client.py. Usage: node chat_dm.js URL TOKEN PEER_USER_ID
// Prints one JSON object per line; exits 0 once the peer's reply arrived.
const { io } = require("socket.io-client");

const [url, token, peer] = process.argv.slice(2);
const out = (o) => console.log(JSON.stringify(o));
const socket = io(url, { auth: { token }, transports: ["websocket"], reconnection: false });
const giveUp = setTimeout(() => { out({ event: "timeout" }); process.exit(3); }, 20000);

socket.on("connect_error", (err) => {
  out({ event: "connect_error", message: err.message, data: err.data });
  process.exit(2);
});
socket.on("chat:message", (m) => {
  out({ event: "chat:message", message: m });
  if (m.sender_id === peer) {
    clearTimeout(giveUp);
    socket.close();
    process.exit(0);
  }
});
socket.on("connect", async () => {
  out({ event: "connected" });
  const ack = await socket.timeout(5000).emitWithAck(
    "chat:send", { to: peer, client_id: "js-1", text: "ahlan men node" });
  out({ event: "ack", ack });
});
