// bench/browser-load.mjs: how long Chromium takes to open an HTML report.
//
//   node bench/browser-load.mjs [--modules DIR] [--repeat N] PAGE.html
//
// Opens PAGE.html from a file: URL in Debian's headless /usr/bin/chromium
// (playwright-core from --modules, default build/browser/node_modules), in
// an offline 390 x 844 context (a phone) and a 1280 x 800 one, N times each
// (default 3), and prints one line per width with the best of the runs:
//   WIDTH LOAD_MS SHOT_MS
// LOAD_MS: navigation start to the end of the load event (the page's
// Navigation Timing).  SHOT_MS: a full-page screenshot after that.  A
// benchmark for bench/run.sh (goal: load < 1000 ms), never a test.
// On failure prints "error: ..." and exits 1; without playwright-core or
// chromium, "n/a: ..." and exits 0.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// the flags of shared/docs/dependencies.md §10 (as tests/browser/report.mjs)
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let modules = 'build/browser/node_modules';
let repeat = 3;
let file = null;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--modules') modules = argv[++i];
  else if (argv[i] === '--repeat') repeat = Math.max(1, Number(argv[++i]) || 1);
  else file = path.resolve(argv[i]);
}
if (!file) {
  console.error('usage: browser-load.mjs [--modules DIR] [--repeat N] PAGE.html');
  process.exit(2);
}
let chromium;
try {
  ({ chromium } = createRequire(path.resolve(modules, 'noop.js'))('playwright-core'));
} catch {
  console.log(`n/a: no playwright-core in ${modules} (make browser-deps)`);
  process.exit(0);
}
if (!fs.existsSync(CHROMIUM)) {
  console.log(`n/a: no ${CHROMIUM} (apt-get install chromium)`);
  process.exit(0);
}

const url = pathToFileURL(file).href;
let browser;
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60000 });
  for (const [width, height, dsf] of [[390, 844, 2], [1280, 800, 1]]) {
    let load = Infinity;
    let shot = Infinity;
    for (let i = 0; i < repeat; i++) {
      const ctx = await browser.newContext({ viewport: { width, height },
        deviceScaleFactor: dsf, offline: true });
      const page = await ctx.newPage();
      await page.goto(url, { waitUntil: 'load', timeout: 30000 });
      const l = await page.evaluate(() =>
        performance.getEntriesByType('navigation')[0].loadEventEnd);
      const t0 = performance.now();
      await page.screenshot({ fullPage: true });
      const s = performance.now() - t0;
      load = Math.min(load, l);
      shot = Math.min(shot, s);
      await ctx.close();
    }
    console.log(`${width} ${load.toFixed(0)} ${shot.toFixed(0)}`);
  }
  await browser.close();
} catch (e) {
  console.log(`error: ${String(e.message || e).split('\n')[0]}`);
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
}
