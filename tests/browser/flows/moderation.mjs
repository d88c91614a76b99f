// An abusive DM is held by the gate: its author sees it under review, the recipient never
// sees it, it arrives live in the moderator's open queue (mod:queue), and the moderator
// removes it with the decision button, saying what was wrong (the category select). A public
// post the filter allowed, drawn at random for review, is marked fine.
import { axe, check, clock, say, waitOnline, withSession } from "../harness.mjs";

export async function run({ base, browser, shots, moderator, sender, recipient }) {
  const cm = await browser.newUser();
  const cs = await browser.newUser();
  const cr = await browser.newUser();
  await withSession(cm, moderator);
  await withSession(cs, sender);
  await withSession(cr, recipient);
  const m = await cm.newPage();
  const s = await cs.newPage();
  const r = await cr.newPage();
  await m.goto(base + "/mod");
  await s.goto(base + "/chat");
  await r.goto(base + "/chat");
  await Promise.all([waitOnline(m), waitOnline(s), waitOnline(r)]);
  await m.getByText("القائمة فاضية").waitFor({ timeout: 20000 });

  await s.locator("#dm-to").fill(recipient.user_id);
  await s.getByRole("button", { name: "ابدأ" }).click();
  await r.locator("[data-testid=message]").first().waitFor({ timeout: 20000 });
  const elapsed = clock();
  await s.locator("#chat-text").fill("انت يا حمار");
  await s.locator("#chat-text").press("Enter");
  await s.locator("[data-testid=message]", { hasText: "انت يا حمار" }).getByText("قيد المراجعة").waitFor({ timeout: 20000 });
  const item = m.locator("[data-testid=mod-item]", { hasText: "انت يا حمار" });
  await item.waitFor({ timeout: 15000 });
  say("timing", { name: "held_to_queue", ms: elapsed() });
  check((await r.getByText("انت يا حمار").count()) === 0, "the recipient never sees a held message");
  await axe(m, "moderation");
  await shots.take(m, "mod-queue");
  check((await item.textContent()).includes("أوقفه الفلتر"), "the item says how it reached the queue, in Arabic");
  // what was wrong, said by the moderator: the gate's category is the default
  check((await item.getByLabel("إيه المشكلة").inputValue()) === "insult", "the gate's category is preselected");
  await item.getByLabel("إيه المشكلة").selectOption("hate");
  await item.getByRole("button", { name: "حذف" }).click();
  await item.waitFor({ state: "detached", timeout: 20000 });
  await m.getByText("القائمة فاضية").waitFor({ timeout: 20000 });

  // A public post the filter allowed, drawn for review (the server samples every one here):
  // the moderator sees it as a random sample and says it is fine.
  await s.goto(base + "/");
  await waitOnline(s);
  await s.locator("#composer").fill("صباح الخير يا جماعة");
  await s.getByRole("button", { name: "نشر" }).click();
  const sample = m.locator("[data-testid=mod-item]", { hasText: "صباح الخير يا جماعة" });
  await sample.waitFor({ timeout: 15000 });
  check((await sample.textContent()).includes("عينة عشوائية"), "a sampled post says so");
  await sample.getByRole("button", { name: "سليم" }).click();
  await sample.waitFor({ state: "detached", timeout: 20000 });
}
