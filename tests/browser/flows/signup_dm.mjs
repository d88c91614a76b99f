// Two people sign up in two browser contexts (phone OTP, Arabic-Indic digits), the layout is
// Arabic RTL at 360 px, they exchange DMs with typing and a read receipt.
import { axe, check, clock, say, signUp, waitOnline } from "../harness.mjs";

export async function run({ base, browser, shots }) {
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
  await signUp(b, base, "Karim");
  await waitOnline(a);
  await waitOnline(b);

  await b.goto(base + "/chat");
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
}
