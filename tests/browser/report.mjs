// tests/browser/report.mjs: hustings' HTML pages in headless Chromium.
//
//   node tests/browser/report.mjs [--modules DIR] [--out DIR] [--start N]
//        KIND:PAGE.html ...
//
// KIND is count, rank or whatif.  For a count page, PAGE.json beside it
// (hustings count --format json of the same file and rules) gives the
// number of stages and candidates the count sheet must have.
//
// Chromium is Debian's /usr/bin/chromium (never a browser download), driven
// by playwright-core from --modules (default build/browser/node_modules).
// The page is opened from a file: URL in an offline context, 390 x 844 CSS
// pixels, and every request other than the page itself fails the test.
// Checks (docs/design/report.md §10): file < 2 MB; no <script> and no
// external resource; the sections; the count sheet's caption, columns and
// rows; at least two svg[role=img] charts, each with a <title>, and no text
// cut off by a chart's viewBox; every chart and table has an accessible
// name; the page does not scroll sideways at 390 px and nothing outside a
// .scroll container reaches past 390 px; the first column of the count
// sheet stays put when its .scroll container is scrolled sideways (and its
// header row when scrolled down).
//
// Prints TAP lines ("ok N - ...", "not ok N - ...") and "1..N", exits 1 if
// any failed.  The load time is printed as a comment, never asserted:
// speed belongs in make bench (bench/browser-load.mjs).  Saves
// OUT/NAME-390.png (full page), OUT/NAME-1280.png and OUT/NAME-print.pdf.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const WIDTH = 390;
const MAX_BYTES = 2 * 1024 * 1024;
// Debian's chromium, with the flags of shared/docs/dependencies.md §10: no
// sandbox (root), and none of the background connections that the closed
// network here refuses
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update',
  '--disable-sync',
];
const COUNT_SECTIONS = ['result', 'sheet', 'chart-votes', 'chart-flow',
  'stories', 'decisions', 'rules', 'source'];
const SHELL_SECTIONS = ['rules', 'source'];

let modules = 'build/browser/node_modules';
let outDir = 'build/browser';
let n = 0;
let failed = 0;
let plan = true; // "1..N" at the end, unless --start says others number too
const pages = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--modules') modules = argv[++i];
  else if (a === '--out') outDir = argv[++i];
  else if (a === '--start') { n = Number(argv[++i]); plan = false; }
  else {
    const m = /^(count|rank|whatif):(.+)$/.exec(a);
    if (!m) {
      console.error(`usage: report.mjs [--modules DIR] [--out DIR] [--start N] KIND:PAGE.html ...`);
      process.exit(2);
    }
    pages.push({ kind: m[1], file: path.resolve(m[2]) });
  }
}

function tap(ok, name, detail) {
  n++;
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name}`);
  if (!ok && detail) for (const l of String(detail).split('\n')) console.log(`#   ${l}`);
}
const note = (s) => console.log(`# ${s}`);

const require = createRequire(path.resolve(modules, 'noop.js'));
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.log(`# SKIP browser test: no playwright-core in ${modules}; run: make browser-deps`);
  process.exit(0);
}

// ---- in the page --------------------------------------------------------
// Everything below runs in Chromium (page.evaluate), so it is plain DOM.

// The facts about the page's structure, gathered in one pass.
function structure() {
  const txt = (el) => (el ? el.textContent.trim() : '');
  const sheet = document.querySelector('table.sheet');
  const svgs = [...document.querySelectorAll('svg[role=img]')];
  const ext = [];
  const isExternal = (u) => /^\s*(https?:|\/\/|ftp:)/i.test(u || '');
  for (const el of document.querySelectorAll('[src],link[href],object[data],embed[src],iframe,image,use,feImage')) {
    for (const at of ['src', 'href', 'xlink:href', 'data']) {
      const v = el.getAttribute(at);
      if (v && (el.tagName !== 'use' || !v.startsWith('#')) &&
          (isExternal(v) || el.tagName === 'LINK' || el.tagName === 'IFRAME'))
        ext.push(`<${el.tagName.toLowerCase()} ${at}="${v}">`);
    }
  }
  for (const s of document.querySelectorAll('style'))
    if (/url\(|@import/i.test(s.textContent)) ext.push('<style> with url() or @import');
  for (const el of document.querySelectorAll('[style]'))
    if (/url\(/i.test(el.getAttribute('style'))) ext.push(`<${el.tagName.toLowerCase()} style="...url(...)">`);
  return {
    title: document.title,
    lang: document.documentElement.lang,
    viewport: !!document.querySelector('meta[name=viewport]'),
    scripts: document.querySelectorAll('script').length,
    handlers: [...document.querySelectorAll('*')].filter((el) =>
      [...el.attributes].some((a) => /^on/i.test(a.name))).length,
    external: ext,
    sections: [...document.querySelectorAll('section[id]')].map((s) => s.id),
    sheet: sheet && {
      caption: txt(sheet.querySelector('caption')),
      cols: sheet.querySelectorAll('thead th[scope=col]').length,
      rows: sheet.querySelectorAll('tbody th[scope=row]').length,
      inScroll: !!sheet.closest('.scroll'),
    },
    tables: document.querySelectorAll('table').length,
    svgs: svgs.map((s) => ({
      title: txt(s.querySelector(':scope > title')),
      inScroll: !!s.closest('.scroll'),
    })),
  };
}

// What reaches past the right edge of a WIDTH-pixel screen outside .scroll
// containers: elements (an svg counts as one; its insides are clipped) and
// runs of text.  Also the page's own scroll width.
function overflow(width) {
  const slack = 0.5; // sub-pixel layout
  const bad = [];
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    else if (el.classList.length) s += '.' + [...el.classList].join('.');
    const p = el.parentElement && el.parentElement.closest('[id]');
    return p ? `${s} in #${p.id}` : s;
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.scroll') && !el.matches('.scroll')) continue;
    if (el.parentElement && el.parentElement.closest('svg')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > width + slack) bad.push(`${name(el)}: right edge ${r.right.toFixed(1)} px`);
  }
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let t = walk.nextNode(); t; t = walk.nextNode()) {
    const el = t.parentElement;
    if (!t.textContent.trim() || el.closest('.scroll') || el.closest('svg')) continue;
    range.selectNodeContents(t);
    const r = range.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > width + slack)
      bad.push(`text "${t.textContent.trim().slice(0, 40)}" in ${name(el)}: right edge ${r.right.toFixed(1)} px`);
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    bad,
  };
}

// The count sheet's sticky first column (and header row): scroll its .scroll
// container to the far right (bottom) and see where the first row header
// (the first column header) is.
async function sticky() {
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const sheet = document.querySelector('table.sheet');
  const box = sheet && sheet.closest('.scroll');
  if (!box) return null;
  const th = sheet.querySelector('tbody th[scope=row]');
  const head = sheet.querySelector('thead th');
  const inner = () => {
    const r = box.getBoundingClientRect();
    return { left: r.left + box.clientLeft, top: r.top + box.clientTop };
  };
  const res = {
    overflowX: getComputedStyle(box).overflowX,
    scrollable: box.scrollWidth - box.clientWidth,
    scrollableY: box.scrollHeight - box.clientHeight,
    before: th.getBoundingClientRect().left - inner().left,
  };
  box.scrollLeft = box.scrollWidth;
  await frame();
  res.scrollLeft = box.scrollLeft;
  res.after = th.getBoundingClientRect().left - inner().left;
  box.scrollLeft = 0;
  if (res.scrollableY > 0) {
    box.scrollTop = box.scrollHeight;
    await frame();
    res.scrollTop = box.scrollTop;
    res.headAfter = head.getBoundingClientRect().top - inner().top;
    box.scrollTop = 0;
  }
  await frame();
  return res;
}

// Text in a chart that the svg's viewBox cuts off (a long name at a line's
// end, say): the svg clips it, so no overflow check above sees it.
function clippedText() {
  const out = [];
  document.querySelectorAll('svg[role=img]').forEach((svg, i) => {
    const vb = svg.viewBox.baseVal;
    if (!vb || !vb.width) return;
    const slack = 2; // user units: a glyph's side bearing is no cut
    for (const t of svg.querySelectorAll('text')) {
      const b = t.getBBox();
      if (!b.width && !b.height) continue;
      const m = t.getCTM() && svg.getCTM() ? svg.getCTM().inverse().multiply(t.getCTM()) : null;
      // the box in the svg's own user units (a transformed group moves it)
      const x0 = m ? b.x * m.a + b.y * m.c + m.e : b.x;
      const y0 = m ? b.x * m.b + b.y * m.d + m.f : b.y;
      const x1 = m ? (b.x + b.width) * m.a + (b.y + b.height) * m.c + m.e : b.x + b.width;
      const y1 = m ? (b.x + b.width) * m.b + (b.y + b.height) * m.d + m.f : b.y + b.height;
      const [l, r] = [Math.min(x0, x1), Math.max(x0, x1)];
      const [tp, bt] = [Math.min(y0, y1), Math.max(y0, y1)];
      if (l < vb.x - slack || r > vb.x + vb.width + slack ||
          tp < vb.y - slack || bt > vb.y + vb.height + slack)
        out.push(`svg #${i + 1} (viewBox ${vb.x} ${vb.y} ${vb.width} ${vb.height}): "${t.textContent.trim().slice(0, 40)}" ` +
          `spans x ${l.toFixed(1)}..${r.toFixed(1)}, y ${tp.toFixed(1)}..${bt.toFixed(1)}`);
    }
  });
  return out;
}

// ---- one page -----------------------------------------------------------
async function accessibleNames(page) {
  // what a screen reader would call each chart and table (Chromium's
  // accessibility tree, through Playwright's aria snapshot)
  const out = [];
  for (const [sel, role] of [['svg[role=img]', 'img'], ['table', 'table']]) {
    const loc = page.locator(sel);
    const k = await loc.count();
    for (let i = 0; i < k; i++) {
      // the first line is "- ROLE "NAME"..." as YAML: quoted as a whole
      // ('...', with '' for ') when the name holds a colon and the like
      let first = (await loc.nth(i).ariaSnapshot()).split('\n')[0].replace(/^- /, '');
      const q = /^'((?:[^']|'')*)'/.exec(first);
      if (q) first = q[1].replace(/''/g, "'");
      const m = /^([\w-]+)(?: "((?:[^"\\]|\\.)*)")?/.exec(first);
      out.push({ sel: `${sel} #${i + 1}`, role: m && m[1], name: m && m[2] ? m[2] : '', want: role });
    }
  }
  return out;
}

async function checkPage(browser, { kind, file }) {
  const name = path.basename(file, '.html');
  const url = pathToFileURL(file).href;
  const bytes = fs.statSync(file).size;
  const raw = fs.readFileSync(file, 'utf8');
  tap(bytes < MAX_BYTES, `${name}: file is under 2 MB (${(bytes / 1024).toFixed(0)} KiB)`);
  tap(!/<script/i.test(raw), `${name}: no <script> in the file`);

  let want = null;
  if (kind === 'count') {
    const jf = file.replace(/\.html$/, '.json');
    if (fs.existsSync(jf)) {
      const j = JSON.parse(fs.readFileSync(jf, 'utf8'));
      want = { stages: j.stages.length, cands: j.candidates.length };
      note(`${name}: ${want.cands} candidates, ${want.stages} stages (from ${path.basename(jf)})`);
    }
  }

  const context = await browser.newContext({
    viewport: { width: WIDTH, height: 844 }, deviceScaleFactor: 2,
    javaScriptEnabled: true, offline: true,
  });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  await context.route('**/*', (route) =>
    route.request().url() === url ? route.continue() : route.abort());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  let loaded = true;
  const t0 = performance.now();
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 30000 });
  } catch (e) {
    loaded = false;
    tap(false, `${name}: opens in Chromium`, e.message);
  }
  const wall = performance.now() - t0;
  if (!loaded) { await context.close(); return; }
  const nav = await page.evaluate(() => {
    const e = performance.getEntriesByType('navigation')[0];
    return e ? { load: e.loadEventEnd, dom: e.domContentLoadedEventEnd } : null;
  });
  note(`${name}: load ${nav ? nav.load.toFixed(0) : '?'} ms (navigation start to load event end; ` +
       `DOMContentLoaded ${nav ? nav.dom.toFixed(0) : '?'} ms; goto ${wall.toFixed(0)} ms) -- not asserted`);
  tap(requests.length === 0, `${name}: fetches nothing but the page itself (offline)`,
    requests.slice(0, 10).join('\n'));

  const s = await page.evaluate(structure);
  tap(s.scripts === 0 && s.handlers === 0, `${name}: no script and no event handler attributes`,
    `${s.scripts} script elements, ${s.handlers} elements with on* attributes`);
  tap(s.external.length === 0, `${name}: no external resource (src, link, url(), @import)`,
    s.external.slice(0, 10).join('\n'));
  tap(s.title.trim() !== '' && s.lang !== '' && s.viewport,
    `${name}: has a <title>, <html lang> and a viewport meta`,
    `title "${s.title}", lang "${s.lang}", viewport ${s.viewport}`);
  const sections = kind === 'count' ? COUNT_SECTIONS : SHELL_SECTIONS;
  const missing = sections.filter((id) => !s.sections.includes(id));
  tap(missing.length === 0, `${name}: sections ${sections.join(', ')}`,
    `missing: ${missing.join(', ')}; found: ${s.sections.join(', ')}`);

  if (kind === 'count') {
    const sh = s.sheet;
    tap(!!sh && sh.caption !== '', `${name}: table.sheet with a caption`,
      sh ? 'empty caption' : 'no table.sheet');
    if (sh && want) {
      tap(sh.cols === want.stages + 1,
        `${name}: count sheet has ${want.stages + 1} column headers (stages + 1)`,
        `thead th[scope=col]: ${sh.cols}`);
      tap(sh.rows === want.cands, `${name}: count sheet has ${want.cands} row headers (candidates)`,
        `tbody th[scope=row]: ${sh.rows}`);
    } else if (sh) {
      note(`${name}: no JSON beside the page; columns ${sh.cols}, rows ${sh.rows} not compared`);
    }
    tap(!!sh && sh.inScroll, `${name}: count sheet sits in a .scroll container`);
    tap(s.svgs.length >= 2, `${name}: at least 2 svg[role=img] charts`, `found ${s.svgs.length}`);
  } else {
    tap(s.tables >= 1, `${name}: has a table`, `found ${s.tables}`);
  }
  if (s.svgs.length) {
    const untitled = s.svgs.map((v, i) => (v.title ? null : `svg[role=img] #${i + 1}`)).filter(Boolean);
    tap(untitled.length === 0, `${name}: every svg[role=img] has a non-empty <title>`, untitled.join('\n'));
  }
  if (s.svgs.length) {
    const cut = await page.evaluate(clippedText);
    tap(cut.length === 0, `${name}: no chart text is cut off by its svg's viewBox`,
      `${cut.length} found:\n` + cut.slice(0, 8).join('\n'));
  }
  const names = await accessibleNames(page);
  const nameless = names.filter((x) => !x.name || x.role !== x.want);
  tap(names.length > 0 && nameless.length === 0,
    `${name}: every chart and table has an accessible name (${names.length} checked)`,
    nameless.map((x) => `${x.sel}: role ${x.role}, name "${x.name}"`).join('\n'));
  for (const x of names) note(`${name}: ${x.sel}: ${x.role} "${x.name.slice(0, 70)}"`);

  const o = await page.evaluate(overflow, WIDTH);
  tap(o.scrollWidth <= WIDTH, `${name}: the page does not scroll sideways at ${WIDTH} px`,
    `document.documentElement.scrollWidth = ${o.scrollWidth} (body ${o.bodyScrollWidth})`);
  tap(o.bad.length === 0, `${name}: nothing outside a .scroll container reaches past ${WIDTH} px`,
    `${o.bad.length} found:\n` + o.bad.slice(0, 12).join('\n'));

  if (kind === 'count') {
    const st = await page.evaluate(sticky);
    if (!st) {
      tap(false, `${name}: count sheet's first column stays put when scrolled sideways`,
        'no .scroll container around table.sheet');
    } else if (st.scrollable <= 0) {
      note(`${name}: the count sheet fits in ${WIDTH} px (overflow-x ${st.overflowX}); sticky column not exercised`);
    } else {
      tap(st.scrollLeft > 0 && Math.abs(st.after) <= 1 && Math.abs(st.before) <= 1,
        `${name}: count sheet's first column stays put when scrolled sideways`,
        `scrolled ${st.scrollLeft} of ${st.scrollable} px (overflow-x ${st.overflowX}); first row header ` +
        `${st.before.toFixed(1)} px from the container's left edge before, ${st.after.toFixed(1)} px after`);
    }
    if (st && st.scrollableY > 0) {
      tap(Math.abs(st.headAfter) <= 1,
        `${name}: count sheet's header row stays put when scrolled down`,
        `scrolled ${st.scrollTop} px; first column header ${st.headAfter.toFixed(1)} px below the container's top`);
    }
  }
  if (errors.length) note(`${name}: page errors: ${errors.slice(0, 3).join(' | ')}`);

  // pictures for people: full page at 390 and 1280 px, and the print PDF
  const shot = async (p, w, dest) => {
    try {
      await p.screenshot({ path: dest, fullPage: true });
      note(`${name}: saved ${dest}`);
    } catch (e) { note(`${name}: no ${w} px screenshot: ${e.message.split('\n')[0]}`); }
  };
  await shot(page, WIDTH, path.join(outDir, `${name}-${WIDTH}.png`));
  try {
    const pdf = path.join(outDir, `${name}-print.pdf`);
    await page.pdf({ path: pdf, format: 'A4', landscape: true, printBackground: true,
      preferCSSPageSize: true });
    note(`${name}: saved ${pdf}`);
  } catch (e) { note(`${name}: no print PDF: ${e.message.split('\n')[0]}`); }
  await context.close();
  const wide = await browser.newContext({ viewport: { width: 1280, height: 800 }, offline: true });
  const wp = await wide.newPage();
  await wide.route('**/*', (route) =>
    route.request().url() === url ? route.continue() : route.abort());
  await wp.goto(url, { waitUntil: 'load', timeout: 30000 });
  const wo = await wp.evaluate(() => document.documentElement.scrollWidth);
  note(`${name}: at 1280 px the page is ${wo} px wide`);
  await shot(wp, 1280, path.join(outDir, `${name}-1280.png`));
  await wide.close();
}

// ---- main ---------------------------------------------------------------
if (!pages.length) {
  console.error('report.mjs: no pages given');
  process.exit(2);
}
if (!fs.existsSync(CHROMIUM)) {
  console.log(`# SKIP browser test: no ${CHROMIUM}; run: apt-get install chromium`);
  process.exit(0);
}
fs.mkdirSync(outDir, { recursive: true });
let browser;
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60000 });
} catch (e) {
  tap(false, 'Chromium starts', e.message);
  if (plan) console.log(`1..${n}`);
  process.exit(1);
}
note(`Chromium ${browser.version()}`);
for (const p of pages) {
  try {
    await checkPage(browser, p);
  } catch (e) {
    tap(false, `${path.basename(p.file)}: checks ran to the end`, e.stack || e.message);
  }
}
await browser.close();
if (plan) console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
