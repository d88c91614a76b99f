// A creator goes live from the studio (fake camera, WHIP); a viewer on another page plays it
// through hls.js with a latency readout, chats, and tips: both balances move live. Ending
// the stream leaves the recording.
import { axe, check, clock, say, waitOnline, withSession } from "../harness.mjs";

export async function run({ base, browser, shots, creator, viewer, viewer_funds }) {
  const cc = await browser.newUser();
  const cv = await browser.newUser();
  await withSession(cc, creator);
  await withSession(cv, viewer);
  const studio = await cc.newPage();
  const watch = await cv.newPage();

  await studio.goto(base + "/studio");
  await waitOnline(studio);
  await studio.waitForFunction(() => {
    const v = document.querySelector("[data-testid=preview]");
    return v && v.srcObject && v.readyState >= 2;
  }, null, { timeout: 15000 });
  await studio.locator("#stream-title").fill("سهرة مباشرة");
  const clickedAt = Date.now();
  await studio.getByRole("button", { name: "ابدأ البث" }).click();
  const streamId = await studio.locator("[data-testid=studio-live]").getAttribute("data-stream", { timeout: 45000 });

  await watch.goto(`${base}/watch?stream=${streamId}`);
  await studio.waitForFunction(() => document.body.dataset.liveAt, null, { timeout: 15000 });
  const liveAt = Number(await studio.evaluate(() => document.body.dataset.liveAt));
  await watch.waitForFunction(() => document.body.dataset.playingAt, null, { timeout: 20000 });
  const playingAt = Number(await watch.evaluate(() => document.body.dataset.playingAt));
  say("timing", { name: "publish_to_playing", ms: playingAt - liveAt });
  say("timing", { name: "go_live_click_to_playing", ms: playingAt - clickedAt });
  say("timing", { name: "go_live_click_to_whip_answer", ms: liveAt - clickedAt });
  const steps = await studio.evaluate(() => ({ ...document.body.dataset }));
  say("timing", { name: "whip_ice_gathering", ms: Number(steps.whipGatherMs) });
  say("timing", { name: "whip_post_to_answer", ms: Number(steps.whipPostMs) });

  // Latency readout settles: take the median of readings over ~3 s.
  const readings = [];
  for (let i = 0; i < 12; i++) {
    await watch.waitForTimeout(250);
    const s = await watch.locator("[data-testid=latency]").getAttribute("data-seconds");
    if (s) readings.push(Number(s));
  }
  readings.sort((x, y) => x - y);
  const median = readings[Math.floor(readings.length / 2)];
  say("timing", { name: "latency_median", ms: Math.round(median * 1000) });
  say("latency", { readings });
  check(readings.length >= 6, `latency readout shown (${readings.length} readings)`);
  // The player holds back what the stream's LL-HLS playlist asks (PART-HOLD-BACK), not whole
  // segments: hls.js's target latency at the first frame is the playlist's part hold-back.
  const hold = await watch.locator("[data-testid=latency][data-target-latency]:not([data-target-latency=''])")
    .evaluate((e) => ({ target: Number(e.dataset.targetLatency), part_hold_back: Number(e.dataset.partHoldBack) }));
  say("hold_back", hold);
  check(hold.part_hold_back > 0 && Math.abs(hold.target - hold.part_hold_back) < 0.001,
    `hls.js targets ${hold.target} s behind the live edge, the playlist's PART-HOLD-BACK is ${hold.part_hold_back} s`);
  // The creator and the viewer are both in the room.
  await studio.locator("[data-testid=viewers]", { hasText: "٢" }).waitFor({ timeout: 20000 });

  // Live chat both ways.
  await watch.locator("#live-chat-text").fill("تحية من القاهرة");
  await watch.locator("#live-chat-text").press("Enter");
  await studio.locator("[data-testid=live-chat]", { hasText: "تحية من القاهرة" }).waitFor({ timeout: 20000 });
  // The creator pins it: every viewer sees the pinned message.
  await studio.locator("[data-testid=live-chat] li", { hasText: "تحية من القاهرة" }).getByRole("button", { name: "تثبيت" }).click();
  await watch.locator("[data-testid=pinned]", { hasText: "تحية من القاهرة" }).waitFor({ timeout: 20000 });

  // A tip: the viewer's wallet goes down, the creator's earnings go up, both pushed live.
  await watch.locator(`[data-testid=wallet-balance][data-piastres="${viewer_funds}"]`).waitFor({ timeout: 20000 });
  const tipClock = clock();
  await watch.locator("#tip-amount").fill("١٠");
  await watch.getByRole("button", { name: "إكرامية" }).click();
  await watch.locator(`[data-testid=wallet-balance][data-piastres="${viewer_funds - 1000}"]`).waitFor({ timeout: 20000 });
  await studio.locator('[data-testid=earnings][data-piastres="900"]').waitFor({ timeout: 20000 });
  say("timing", { name: "tip_to_both_balances", ms: tipClock() });
  await studio.locator("[data-testid=live-tips]").waitFor({ timeout: 20000 });
  await axe(watch, "watch");
  await shots.take(watch, "watch-live");
  await shots.take(studio, "studio-live");

  // End: the recording is left behind.
  // the WHIP session is ended as RFC 9725 says: a DELETE of its Location
  const whipDelete = studio.waitForRequest((r) => r.method() === "DELETE" && r.url().includes("/whip"), { timeout: 20000 });
  await studio.getByRole("button", { name: "إنهاء البث" }).click();
  await studio.locator("[data-testid=recording]").waitFor({ timeout: 20000 });
  await whipDelete;
  const errors = cc.__log.filter((l) => l.startsWith("pageerror"));
  check(errors.length === 0, `the studio threw: ${errors.join("; ")}`);
  await shots.take(studio, "studio-ended");

  // The creator's dashboard charts today's earnings and tips; the viewer's wallet lists the tip.
  await studio.getByRole("link", { name: "أرباحي" }).click();
  await studio.locator("[data-testid=chart]").nth(1).waitFor({ timeout: 20000 });
  // and the viewers of the stream just ended, as the server sampled them (not this browser)
  await studio.locator('[data-testid=chart][aria-label^="المشاهدين"]').waitFor({ timeout: 20000 });
  await studio.waitForTimeout(300);
  await axe(studio, "dashboard");
  await shots.take(studio, "dashboard");
  await watch.getByRole("link", { name: "المحفظة" }).click();
  await watch.locator("td", { hasText: "tip" }).first().waitFor({ timeout: 20000 });
  await axe(watch, "wallet");
  await shots.take(watch, "wallet");
}
