// A top-up from the wallet page through the development checkout: Vodafone Cash via the Paymob
// simulator's hosted page (opened in a new tab, as the real one is); Pay sends the signed
// callback and the balance moves on the wallet page, pushed live.
import { axe, clock, say, waitOnline, withSession } from "../harness.mjs";

export async function run({ base, browser, shots, user }) {
  const c = await browser.newUser();
  await withSession(c, user);
  const w = await c.newPage();
  await w.goto(base + "/wallet");
  await waitOnline(w);
  await w.locator('[data-testid=wallet-balance][data-piastres="0"]').waitFor({ timeout: 20000 });
  await w.locator("#pay-phone").fill("٠١٠ ٠٠٠٠ ١٢٣٤");
  await w.locator("#topup-amount").fill("٧٥");
  const elapsed = clock();
  const [checkout] = await Promise.all([c.waitForEvent("page", { timeout: 20000 }), w.getByRole("button", { name: "ادفع" }).click()]);
  await checkout.waitForLoadState();
  await shots.take(checkout, "checkout", { ours: false }); // the provider simulator's page
  await checkout.getByRole("button", { name: "Pay" }).click();
  await w.locator('[data-testid=wallet-balance][data-piastres="7500"]').waitFor({ timeout: 20000 });
  say("timing", { name: "topup_to_balance", ms: elapsed() });
  await w.locator("td", { hasText: "topup" }).first().waitFor({ timeout: 20000 });
  await axe(w, "wallet-topup");
  await shots.take(w, "wallet-topup");
}
