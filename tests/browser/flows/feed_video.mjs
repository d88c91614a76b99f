// A follower's open home feed receives a post live (feed:new); a reaction and a comment; a
// video uploaded in the browser (tus progress, then media:progress) plays with hls.js, for its
// author and, once published, in the follower's feed too.
import { axe, check, clock, say, waitOnline, withSession } from "../harness.mjs";

export async function run({ base, browser, shots, author, follower, clip }) {
  const ca = await browser.newUser();
  const cf = await browser.newUser();
  await withSession(ca, author);
  await withSession(cf, follower);
  const a = await ca.newPage();
  const f = await cf.newPage();
  await a.goto(base + "/");
  await f.goto(base + "/");
  await waitOnline(a);
  await waitOnline(f);

  await f.locator("#follow-id").fill(author.user_id);
  await f.getByRole("button", { name: "متابعة", exact: true }).click();
  await f.locator("#follow-id[value='']").waitFor().catch(() => {});
  await f.waitForTimeout(300);

  let elapsed = clock();
  await a.locator("#composer").fill("أول بوست على صوت 🎉");
  await a.getByRole("button", { name: "نشر" }).click();
  const post = f.locator("[data-testid=post]", { hasText: "أول بوست على صوت" });
  await post.waitFor({ timeout: 15000 });
  say("timing", { name: "post_to_follower_feed", ms: elapsed() });

  // React and comment from the follower; the author sees the comment in the thread.
  await post.getByRole("button", { name: /إعجاب/ }).click();
  await post.getByRole("button", { name: /إعجاب ١/ }).waitFor({ timeout: 20000 });
  await post.getByRole("button", { name: /التعليقات/ }).click();
  await post.locator("input").fill("مبروك!");
  await post.getByRole("button", { name: "إرسال" }).click();
  const mine = a.locator("[data-testid=post]", { hasText: "أول بوست على صوت" });
  await mine.getByRole("button", { name: /التعليقات/ }).click();
  await mine.getByText("مبروك!").waitFor({ timeout: 20000 });
  await axe(f, "feed");
  await shots.take(f, "feed-follower");

  // A video from the browser: tus upload, processing, then hls.js plays it.
  elapsed = clock();
  await a.locator("#composer").fill("فيديو من المتصفح");
  await a.locator("#video-file").setInputFiles(clip);
  await a.getByRole("button", { name: "نشر" }).click();
  await a.locator("[data-testid=upload-stage][data-stage=uploading]").waitFor({ timeout: 20000 }).catch(() => {});
  await a.locator("[data-testid=upload-stage][data-stage=ready]").waitFor({ timeout: 90000 });
  say("timing", { name: "upload_to_ready", ms: elapsed() });
  const video = a.locator("[data-testid=post]", { hasText: "فيديو من المتصفح" }).locator("[data-testid=player][data-state=playing]");
  await video.waitFor({ timeout: 30000 });
  say("timing", { name: "upload_to_playing", ms: elapsed() });
  const played = await video.evaluate((v) => new Promise((r) => setTimeout(() => r(v.currentTime), 700)));
  check(played > 0, `the video advances (${played})`);
  await video.scrollIntoViewIfNeeded();
  await shots.take(a, "video-playing");
  // The follower gets it once published, and it plays there too.
  await f.locator("[data-testid=post]", { hasText: "فيديو من المتصفح" }).locator("[data-testid=player][data-state=playing]").waitFor({ timeout: 30000 });
  say("timing", { name: "upload_to_playing_at_follower", ms: elapsed() });
}
