// WHIP (RFC 9725) from the browser: one offer with every ICE candidate (the server does no
// trickle ICE), Bearer stream key, 201 with the SDP answer and the session's Location.
export type WhipSession = { pc: RTCPeerConnection; location: string | null; close: () => Promise<void> };

/** Gathering done, or a moment after the first candidate (host candidates come together and
 * first; waiting for every interface's timeout would only delay going live), or the cap. */
function gathered(pc: RTCPeerConnection, capMs: number): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    let first = false;
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
    pc.addEventListener("icecandidate", (e) => {
      if (!e.candidate) return resolve();
      if (!first) {
        first = true;
        setTimeout(resolve, 150);
      }
    });
    setTimeout(resolve, capMs);
  });
}

export async function whipPublish(url: string, streamKey: string, media: MediaStream): Promise<WhipSession> {
  // The server gives the endpoint as a path; the session's Location resolves against it, and
  // `new URL(location, "/v1/...")` throws (a relative base): ending a stream then never sent
  // the DELETE and failed the studio's "end" action.
  const endpoint = new URL(url, document.baseURI).toString();
  const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
  for (const track of media.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [media] });
  const t0 = performance.now();
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc, 2000);
  const t1 = performance.now();
  const r = await fetch(endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/sdp", Authorization: `Bearer ${streamKey}` },
    body: pc.localDescription!.sdp,
  });
  if (r.status !== 201) {
    pc.close();
    let code = `whip_${r.status}`;
    try {
      code = (await r.json()).code ?? code;
    } catch {
      /* not problem+json */
    }
    throw new Error(code);
  }
  const location = r.headers.get("Location");
  // How long each step took (shown to developers in the page's data attributes).
  document.body.dataset.whipGatherMs = String(Math.round(t1 - t0));
  document.body.dataset.whipPostMs = String(Math.round(performance.now() - t1));
  await pc.setRemoteDescription({ type: "answer", sdp: await r.text() });
  return {
    pc,
    location,
    close: async () => {
      pc.close();
      if (location) {
        await fetch(new URL(location, endpoint).toString(), { method: "DELETE", headers: { Authorization: `Bearer ${streamKey}` } }).catch(() => {});
      }
    },
  };
}
