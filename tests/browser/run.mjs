// node run.mjs <flow> '<json config>': runs one browser flow against a running server and
// prints one JSON line per fact (timing, screenshot, axe) and {"event":"done"} at the end.
import { launch, say, Shots } from "./harness.mjs";

const [flow, raw] = process.argv.slice(2);
const config = JSON.parse(raw || "{}");
const { run } = await import(`./flows/${flow}.mjs`);
const browser = await launch();
const deadline = setTimeout(() => {
  say("error", { message: `flow ${flow} still running after ${config.timeout_s ?? 150} s` });
  process.exit(2);
}, (config.timeout_s ?? 150) * 1000);
try {
  await run({ ...config, browser, shots: new Shots(config.shots) });
  // an uncaught exception in any page fails the flow, even when what it checked still worked
  const thrown = browser.browser.contexts().flatMap((c) => (c.__log ?? []).filter((l) => l.startsWith("pageerror")));
  if (thrown.length) throw new Error(`a page threw: ${thrown.join("; ")}`);
  say("done");
} catch (err) {
  say("error", { message: String(err?.stack ?? err) });
  // What each page showed and logged when it failed.
  let i = 0;
  for (const context of browser.browser.contexts()) {
    for (const page of context.pages()) {
      const path = `${config.shots}/FAILED-${flow}-${i++}.png`;
      await page.screenshot({ path }).catch(() => {});
      say("failed_page", { url: page.url(), screenshot: path, log: (context.__log ?? []).slice(-25) });
    }
  }
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await browser.close().catch(() => {});
  // whatever a flow left open (a proxy, a socket) must not keep this process alive
  process.exit();
}
