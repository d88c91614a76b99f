// Shared pieces of the browser flows: Debian's Chromium through playwright-core (no browser
// download), phones at 360 px, sessions, screenshots, timings, axe-core.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import net from "node:net";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: "ar-EG" };

export function say(event, data = {}) {
  process.stdout.write(JSON.stringify({ event, ...data }) + "\n");
}

export function check(cond, message) {
  if (!cond) throw new Error(message);
}

/** Chromium with the flags a CI box needs and a fake camera; playwright gives it a fresh
 * temporary user-data-dir, and every user gets a browser context of their own (own storage). */
export async function launch() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  return {
    browser,
    async newUser() {
      const context = await browser.newContext({ ...PHONE, permissions: ["camera", "microphone"] });
      // Console lines and failed requests, printed when a flow fails.
      context.__log = [];
      context.on("console", (m) => context.__log.push(`${m.type()}: ${m.text()}`.slice(0, 300)));
      context.on("requestfailed", (r) => context.__log.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
      context.on("page", (p) => p.on("pageerror", (e) => context.__log.push(`pageerror: ${e.message}`)));
      return context;
    },
    close: () => browser.close(),
  };
}

export class Shots {
  constructor(dir) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }
  async take(page, name, { ours = true } = {}) {
    // Mobile first: nothing on our pages may be wider than the 360 px phone.
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(!ours || wide <= 0, `${name}: the page is ${wide} px wider than the screen`);
    const path = join(this.dir, `${name}.png`);
    await page.screenshot({ path, fullPage: false });
    say("screenshot", { name, path });
    return path;
  }
}

export function clock() {
  const t0 = performance.now();
  return () => Math.round(performance.now() - t0);
}

/** Sign a page in with a session made by the test (tokens from the server's own auth). */
export async function withSession(context, session) {
  await context.addInitScript((s) => {
    try {
      if (!localStorage.getItem("sawt.session")) localStorage.setItem("sawt.session", JSON.stringify(s));
    } catch {
      /* about:blank has no storage */
    }
  }, session);
}

/** axe-core in the page: fail on serious or critical violations. */
export async function axe(page, name) {
  await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  const bad = found.filter((v) => v.impact === "serious" || v.impact === "critical");
  say("axe", { page: name, violations: found.length, serious: bad });
  check(bad.length === 0, `axe on ${name}: ${JSON.stringify(bad)}`);
}

/** Every phone number is fresh: 010 + 8 digits, typed with Arabic-Indic digits. */
export function newPhone() {
  const digits = "010" + String(Math.floor(Math.random() * 1e8)).padStart(8, "0");
  const arabic = digits.replace(/\d/g, (d) => "٠١٢٣٤٥٦٧٨٩"[+d]);
  return { latin: digits, arabic: `${arabic.slice(0, 3)} ${arabic.slice(3, 7)} ${arabic.slice(7)}` };
}

/** The README's sign-up, in the browser: phone → dev outbox code → name + password. */
export async function signUp(page, base, name) {
  const phone = newPhone();
  await page.goto(base + "/");
  await page.locator("#phone").fill(phone.arabic);
  await page.getByRole("button", { name: "ابعت الكود" }).click();
  const code = (await page.locator("[data-testid=dev-code] .devcode").textContent({ timeout: 20000 })).trim();
  check(/^\d{6}$/.test(code), `dev code ${code}`);
  await page.locator("#code").fill(code);
  await page.locator("#name").fill(name);
  await page.locator("#password").fill("kalam-sawt-2026");
  await page.getByRole("button", { name: "إنشاء الحساب" }).click();
  await page.locator("nav.tabs").waitFor({ timeout: 15000 });
  return phone;
}

export async function waitOnline(page) {
  await page.locator("[data-testid=connection][data-status=online]").waitFor({ timeout: 15000 });
}

/** A network link one browser can lose: a loopback TCP proxy in front of the server. `cut()`
 * resets every connection through it and refuses new ones (what the browser meets when its
 * network goes away), `restore()` lets connections through again. Unlike Chromium's offline
 * emulation it acts on the TCP connections themselves, WebSockets included, so both the page
 * and the server see the drop as they would a real one. */
export async function cuttableLink(base) {
  let target = new URL(base);
  const open = new Set();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return client.resetAndDestroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    const pair = [client, upstream];
    for (const s of pair) {
      open.add(s);
      s.setNoDelay(true);
      s.on("error", () => pair.forEach((x) => x.destroy()));
      s.on("close", () => {
        open.delete(s);
        pair.forEach((x) => x.destroy());
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    cut() {
      down = true;
      for (const s of open) s.resetAndDestroy();
      open.clear();
    },
    /** Let connections through again, to `to` when given (another server process). */
    restore(to) {
      if (to) target = new URL(to);
      down = false;
    },
    close() {
      this.cut();
      server.close();
    },
  };
}
