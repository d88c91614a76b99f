// Passkeys and devices: a signed-up user adds a passkey (Chromium's virtual authenticator),
// signs out, signs back in with the passkey; a second device signed in with the password shows
// in the devices list and is signed out from the first, which ends its socket session.
import { axe, check, clock, say, signUp, waitOnline } from "../harness.mjs";

export async function run({ base, browser, shots }) {
  const c1 = await browser.newUser();
  const c2 = await browser.newUser();
  const p1 = await c1.newPage();
  const cdp = await c1.newCDPSession(p1);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  });
  const phone = await signUp(p1, base, "سارة");
  await p1.getByRole("link", { name: "الأجهزة" }).click();
  await p1.getByRole("button", { name: "إضافة مفتاح مرور" }).click();
  await p1.getByText("تمت إضافة مفتاح المرور").waitFor({ timeout: 20000 });
  await p1.getByRole("button", { name: "خروج", exact: true }).click();
  await p1.getByRole("button", { name: "عندي حساب" }).click();
  const elapsed = clock();
  await p1.getByRole("button", { name: "الدخول بمفتاح المرور" }).click();
  await p1.locator("nav.tabs").waitFor({ timeout: 20000 });
  say("timing", { name: "passkey_login", ms: elapsed() });

  // A second device signs in with the phone (national format) and the password.
  const p2 = await c2.newPage();
  await p2.goto(base + "/");
  await p2.getByRole("button", { name: "عندي حساب" }).click();
  await p2.locator("#phone").fill(phone.latin);
  await p2.locator("#password").fill("kalam-sawt-2026");
  await p2.getByRole("button", { name: "دخول", exact: true }).click();
  await waitOnline(p2);

  await p1.getByRole("link", { name: "الأجهزة" }).click();
  const devices = p1.locator("[data-testid=device]");
  await devices.nth(1).waitFor({ timeout: 20000 });
  check((await devices.count()) === 2, `two devices listed (${await devices.count()})`);
  await axe(p1, "devices");
  await shots.take(p1, "devices");
  await p1.getByRole("button", { name: "تسجيل خروج" }).first().click();
  // The other device is signed out: back to the sign-in page.
  await p2.locator("#phone").waitFor({ timeout: 20000 });
  await devices.nth(1).waitFor({ state: "detached", timeout: 20000 });
}
