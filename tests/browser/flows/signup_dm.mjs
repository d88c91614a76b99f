// Two people sign up in two browser contexts (phone OTP, Arabic-Indic digits), the layout is
// Arabic RTL at 360 px, they exchange DMs with typing and a read receipt, and one of them
// loses the network: what was sent meanwhile, by either side, arrives once and in order.
import { axe, check, clock, cuttableLink, say, signUp, waitOnline } from "../harness.mjs";

/** What a page shows of the open conversation: [seq, text] in screen order. */
const shown = (page) => page.locator("[data-testid=message]").evaluateAll((els) =>
  els.map((e) => [Number(e.dataset.seq), e.querySelector("div:not(.meta)")?.textContent ?? ""]));

function checkOnceInOrder(rows, texts, who) {
  const seqs = rows.map(([seq]) => seq);
  check(new Set(seqs).size === seqs.length, `${who}: a message shown twice: ${seqs}`);
  check(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1), `${who}: a gap: ${seqs}`);
  for (const text of texts) {
    const n = rows.filter(([, x]) => x === text).length;
    check(n === 1, `${who}: "${text}" shown ${n} times`);
  }
}

export async function run({ base, base_without_replay, browser, shots }) {
  // B reaches the server through a link the test can cut (a network drop, see cuttableLink).
  const link = await cuttableLink(base);
  const ca = await browser.newUser();
  const cb = await browser.newUser();
  const a = await ca.newPage();
  const b = await cb.newPage();

  await a.goto(base + "/");
  // Arabic first: RTL document, Arabic text, the brand on the right, nothing wider than 360 px.
  const layout = await a.evaluate(() => ({
    dir: document.documentElement.dir,
    lang: document.documentElement.lang,
    direction: getComputedStyle(document.body).direction,
    overflow: document.documentElement.scrollWidth,
    brandRight: document.querySelector(".brand").getBoundingClientRect().right,
    width: window.innerWidth,
  }));
  say("layout", layout);
  check(layout.dir === "rtl" && layout.lang === "ar" && layout.direction === "rtl", "Arabic RTL by default");
  check(layout.brandRight > layout.width - 40, "the brand sits at the right edge in RTL");
  check(layout.overflow <= 360, `no horizontal scroll at 360 px (${layout.overflow})`);
  await axe(a, "sign-up");
  // The English switch flips the direction, and back.
  await a.getByRole("button", { name: "English" }).click();
  check((await a.evaluate(() => document.documentElement.dir)) === "ltr", "English is LTR");
  await a.getByRole("button", { name: "العربية" }).click();

  let elapsed = clock();
  await signUp(a, base, "منى");
  say("timing", { name: "sign_up", ms: elapsed() });
  await shots.take(a, "signup-done-ar");
  await signUp(b, link.url, "Karim");
  await waitOnline(a);
  await waitOnline(b);

  await b.goto(link.url + "/chat");
  const bId = (await b.locator("[data-testid=my-id]").textContent()).trim();
  await a.goto(base + "/chat");
  await waitOnline(a);
  await waitOnline(b);
  await a.locator("#dm-to").fill(bId);
  await a.getByRole("button", { name: "ابدأ" }).click();
  await a.locator("[data-testid=conversation]").waitFor();
  await b.locator("[data-testid=message]").first().waitFor({ timeout: 20000 });

  // typing shows on the other side
  await a.locator("#chat-text").pressSequentially("أهلا", { delay: 20 });
  await b.locator("[data-testid=typing]", { hasText: "بيكتب" }).waitFor({ timeout: 10000 });

  elapsed = clock();
  await a.locator("#chat-text").fill("أهلا يا كريم، عامل إيه؟");
  await a.locator("#chat-text").press("Enter");
  await b.getByText("أهلا يا كريم، عامل إيه؟").waitFor({ timeout: 20000 });
  say("timing", { name: "first_dm", ms: elapsed() });
  // B has it on screen: A sees the read receipt.
  await a.locator("[data-testid=seen]").last().waitFor({ timeout: 20000 });
  await b.locator("#chat-text").fill("الحمد لله! Tamam");
  await b.locator("#chat-text").press("Enter");
  await a.getByText("الحمد لله! Tamam").waitFor({ timeout: 20000 });
  await axe(a, "chat");
  await shots.take(a, "chat-a");
  await shots.take(b, "chat-b");

  // B's network drops: its WebSocket is reset and reconnecting fails. A sends three messages and
  // B one (typed while offline); B's network comes back: each arrives once, in order, no gap.
  link.cut();
  await b.locator("[data-testid=connection]:not([data-status=online])").waitFor({ timeout: 15000 });
  // Three different messages: moderation reads texts that differ only in digits as one repeated.
  const fromA = ["انت فين؟", "الاجتماع اتأجل لبكرة", "كلمني لما توصل"];
  for (const text of fromA) {
    await a.locator("#chat-text").fill(text);
    await a.locator("#chat-text").press("Enter");
    await a.getByText(text).waitFor({ timeout: 20000 });
  }
  const fromB = "رجعت، كنت من غير نت";
  await b.locator("#chat-text").fill(fromB);
  await b.locator("#chat-text").press("Enter");
  // B sees it waiting ("sending"), not lost and not an error.
  await b.locator("[data-testid=outgoing]", { hasText: fromB }).getByText("بتتبعت").waitFor({ timeout: 5000 });
  await b.waitForTimeout(1500); // B's client keeps trying to reconnect against the dead link
  await shots.take(b, "chat-b-offline");
  check((await b.getByText(fromA[0]).count()) === 0, "B got a message while its network was down");
  check((await b.locator("[data-testid=connection][data-status=online]").count()) === 0, "B stayed offline");
  elapsed = clock();
  link.restore();
  await b.getByText(fromA[2]).waitFor({ timeout: 30000 });
  say("timing", { name: "recovered_after_drop", ms: elapsed() });
  await a.getByText(fromB).waitFor({ timeout: 30000 });
  say("timing", { name: "offline_message_delivered", ms: elapsed() });
  // Replayed broadcasts and chat:sync both bring the missed messages: give a duplicate time to show.
  await b.waitForTimeout(1500);
  check((await b.locator("[data-testid=outgoing]").count()) === 0, "B's message still waits after reconnecting");
  const onB = await shown(b);
  const onA = await shown(a);
  say("messages", { b: onB.map(([s]) => s), a: onA.map(([s]) => s) });
  checkOnceInOrder(onB, [...fromA, fromB], "B");
  checkOnceInOrder(onA, [...fromA, fromB], "A");
  await shots.take(b, "chat-b-recovered");

  // A second drop, and B comes back through another server process, one that keeps no packet
  // log (RECOVERY_WINDOW=0: as after the process B was on died): nothing is replayed, the app's
  // own chat:sync on reconnect must bring what B missed.
  link.cut();
  await b.locator("[data-testid=connection]:not([data-status=online])").waitFor({ timeout: 15000 });
  const later = ["وصلت البيت", "تصبح على خير"];
  for (const text of later) {
    await a.locator("#chat-text").fill(text);
    await a.locator("#chat-text").press("Enter");
    await a.getByText(text).waitFor({ timeout: 20000 });
  }
  elapsed = clock();
  link.restore(base_without_replay);
  await b.getByText(later[1]).waitFor({ timeout: 30000 });
  say("timing", { name: "resynced_on_another_process", ms: elapsed() });
  await b.waitForTimeout(1000);
  const afterSecond = await shown(b);
  say("messages", { b: afterSecond.map(([s]) => s), a: (await shown(a)).map(([s]) => s) });
  checkOnceInOrder(afterSecond, [...fromA, fromB, ...later], "B after the second drop");
  link.close();
}
