// hls.js, in a page on another origin, plays a followers-only live stream from the master URL
// with the viewer's access token: every other request (variants, init, parts, segments,
// preload hints, blocking reloads) carries only the signed viewer token the server wrote.
import { check, say } from "../harness.mjs";

export async function run({ browser, master, hls }) {
  const ctx = await browser.newUser();
  const page = await ctx.newPage();
  const requests = [];
  page.on("request", (r) => r.url().includes("/hls/") && requests.push(r.url()));
  await page.setContent('<video id="v" muted autoplay playsinline></video>');
  await page.addScriptTag({ path: hls });
  const started = Date.now();
  await page.evaluate((src) => {
    window.failures = [];
    const h = new Hls({ lowLatencyMode: true });
    h.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) window.failures.push(d.details); });
    h.loadSource(src);
    h.attachMedia(document.getElementById("v"));
  }, master);
  await page.waitForFunction(() => document.getElementById("v").currentTime > 1.5 || window.failures.length,
    null, { timeout: 30000 });
  const failures = await page.evaluate(() => window.failures);
  check(failures.length === 0, `hls.js failed: ${failures}`);
  const media = requests.filter((u) => !u.includes("master.m3u8"));
  say("timing", { name: "master_to_1_5_s_played", ms: Date.now() - started });
  say("requests", { total: requests.length, media: media.length,
    signed: media.filter((u) => u.includes("vt=")).length, token: media.filter((u) => u.includes("token=")).length });
  await ctx.close();
}
