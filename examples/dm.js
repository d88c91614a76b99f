// A Sawt client in 20 lines: connect with an access token, then send a DM or wait for one.
//   npm install socket.io-client
//   node examples/dm.js TOKEN                  # wait for a message, print it, exit
//   node examples/dm.js TOKEN PEER_ID "ahlan"  # send one, print the ack, exit
// SAWT_URL defaults to http://127.0.0.1:8080.
const { io } = require("socket.io-client");
const [token, peer, text] = process.argv.slice(2);
const socket = io(process.env.SAWT_URL || "http://127.0.0.1:8080",
                  { auth: { token }, transports: ["websocket"], reconnection: false });
socket.on("connect_error", (err) => {  // a bad or expired token: err.data = {code, message}
  console.error(`connect refused: ${err.message} ${JSON.stringify(err.data)}`);
  process.exit(1);
});
socket.on("connect", async () => {
  if (!peer) {
    socket.on("chat:message", (m) => { console.log(`${m.sender_id}: ${m.text}`); process.exit(0); });
    return console.log("connected; waiting for a message");
  }
  // every event takes an ack: {ok: true, data} or {ok: false, error: {code, message}}
  const ack = await socket.timeout(10000).emitWithAck("chat:send", { to: peer, client_id: `js-${Date.now()}`, text });
  console.log(JSON.stringify(ack));
  process.exit(0);
});
