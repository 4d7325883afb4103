// tests/browser/service.mjs: the election service in headless Chromium
// (docs/design/service.md §10 "Browser").  tests/browser/service.sh starts
// the server on a fresh demo database and runs
//
//   node tests/browser/service.mjs --modules DIR --out DIR --start N
//        --base http://127.0.0.1:PORT --setup SETUP-LINK
//        [--election steering-2027] [--words tests/web/words.txt]
//
// Checks, each a TAP line:
//  1. the first administrator is set up in the browser (lands on /admin),
//     then makes an API token on /admin/tokens for the API calls below;
//  2. a candidate nominates with the keyboard alone at 390 px: every
//     control reached by Tab, in document order; radios by arrow keys and
//     Space, boxes by Space, Enter on the submit button; the "received"
//     page shows the private link, which shows the statement; the API
//     holds what was typed;
//  3. the live word count (#f-statement-wc) follows typing, turns "over"
//     past the limit, and window.husWords agrees with tests/web/words.txt;
//  4. without JavaScript, "Check word count" shows the server's count and
//     a preview and saves nothing;
//  5. markup in a name and a statement never runs (window.__xss), on the
//     candidate's page, the admin's page and the publication pages;
//  6. the administrator accepts every submitted nomination and publishes,
//     by the API;
//  7. /e/E/candidates and /e/E/checklist at 390 and 1280 px show exactly
//     the accepted candidates, one checklist column each, no sideways
//     scroll of the page at 390 px, tables in focusable named regions;
//  8. no console error (CSP violations are console errors), no page
//     error, and no request to anything but the server;
//  9. form and publication pages: every control has a label, one h1, and
//     the skip link moves focus to #main.
// Screenshots: OUT/service-{nominate-390,admin-1280,candidates-390,
// checklist-390,candidates-1280,checklist-1280}.png.  No timing is
// asserted.  Prints "1..N" only without --start; exits 1 if any failed.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [ // as report.mjs (shared/docs/dependencies.md §10)
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update',
  '--disable-sync',
];
const opt = { modules: 'build/browser/node_modules', out: 'build/browser',
  election: 'steering-2027', words: 'tests/web/words.txt' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
if (!opt.base || !opt.setup) {
  console.error('usage: service.mjs --base URL --setup LINK [--modules DIR] [--out DIR] [--start N]');
  process.exit(2);
}
const BASE = opt.base.replace(/\/$/, '');
const ORIGIN = new URL(BASE).origin;
const E = opt.election;
const FORM = `/e/${E}/c/general/nominate`;

let n = Number(opt.start || 0);
let failed = 0;
function tap(ok, name, detail) {
  n++;
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name}`);
  if (!ok && detail) for (const l of String(detail).split('\n').slice(0, 20)) console.log(`#   ${l}`);
  return ok;
}
const note = (s) => console.log(`# ${s}`);

const require = createRequire(path.resolve(opt.modules, 'noop.js'));
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.log(`# SKIP browser service test: no playwright-core in ${opt.modules}; run: make browser-deps`);
  process.exit(0);
}

// ---- the browser, and what every page reports ----------------------------
const consoleErrors = [];
const pageErrors = [];
const offHost = [];
const visited = new Set();
let browser;

async function context(width, extra = {}) {
  const ctx = await browser.newContext({ viewport: { width, height: width < 800 ? 844 : 800 }, ...extra });
  ctx.setDefaultTimeout(15000);
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(ORIGIN + '/')) return route.continue();
    offHost.push(u);
    return route.abort();
  });
  ctx.on('page', (page) => {
    const where = () => page.url().replace(BASE, '');
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${where()}: ${m.text()}`); });
    page.on('pageerror', (e) => pageErrors.push(`${where()}: ${e.message}`));
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.add(f.url().replace(BASE, '').replace(/#.*/, '')); });
  });
  return ctx;
}

// runs action (a click, a key) and waits for the page it leads to
async function navigate(page, action) {
  const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
  return resp;
}

async function shot(page, name) {
  const dest = path.join(opt.out, `service-${name}.png`);
  await page.screenshot({ path: dest, fullPage: true });
  note(`saved ${dest}`);
}

// runs a group of checks; an exception is one failing line
async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    tap(false, `${name}: ran to the end`, e.stack || e.message);
  }
}

// ---- the API, from node ------------------------------------------------
let token = null;
async function api(method, p, body) {
  if (!token) throw new Error('no API token (the set-up check failed), so no API call');
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(`${BASE}/api/v1${p}`, { method, headers,
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* reported below */ }
  return { status: r.status, json, text };
}
async function nominations() {
  const r = await api('GET', `/elections/${E}/nominations`);
  if (r.status !== 200 || !r.json) throw new Error(`GET nominations: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json.nominations;
}

// ---- in the page ---------------------------------------------------------
// What a page says about itself: labels, h1s, markup that must not be there.
function pageFacts() {
  const nameOf = (el) => {
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(/\s+/).map((id) => document.getElementById(id)?.textContent || '').join(' ').trim();
    return (el.getAttribute('aria-label') || [...(el.labels || [])].map((l) => l.textContent).join(' ')).trim();
  };
  const controls = [...document.querySelectorAll('input:not([type=hidden]), textarea, select')];
  return {
    h1: document.querySelectorAll('h1').length,
    controls: controls.length,
    unlabelled: controls.filter((el) => !nameOf(el)).map((el) => `<${el.tagName.toLowerCase()} name="${el.name}">`),
    handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name)))
      .map((el) => el.outerHTML.slice(0, 80)),
    jsLinks: [...document.querySelectorAll('a[href]')].filter((a) => /^\s*javascript:/i.test(a.getAttribute('href')))
      .map((a) => a.outerHTML.slice(0, 80)),
    scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src') || 'inline'),
    imgs: document.querySelectorAll('main img').length,
    xss: window.__xss,
    scrollWidth: document.scrollingElement.scrollWidth,
    // what reaches past the window's right edge outside a scroll region
    // (or escapes one, being absolutely positioned)
    past: [...document.body.querySelectorAll('*')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.right > window.innerWidth + 0.5 && (r.width || r.height) &&
        (!el.closest('[role=region]') || /absolute|fixed/.test(getComputedStyle(el).position));
    }).slice(0, 5).map((el) => `${el.outerHTML.slice(0, 70)} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`),
  };
}

// The publication page's contests: titles, names shown, and each table's
// shape and scroll region.
function publication() {
  const txt = (el) => (el ? el.textContent.trim() : '');
  return [...document.querySelectorAll('section.contest')].map((s) => {
    const table = s.querySelector('table');
    const region = table && table.closest('[role=region]');
    const by = region && region.getAttribute('aria-labelledby');
    const rb = region && region.getBoundingClientRect();
    return {
      title: txt(s.querySelector('h2')),
      articles: [...s.querySelectorAll('article.candidate h3')].map(txt),
      table: table && {
        cols: [...table.querySelectorAll('thead th[scope=col]')].slice(1).map(txt),
        rows: table.querySelectorAll('tbody th[scope=row]').length,
        region: !!region,
        tabindex: region ? region.getAttribute('tabindex') : null,
        name: by ? txt(document.getElementById(by)) : '',
        overflowX: region ? getComputedStyle(region).overflowX : '',
        right: rb ? rb.right : 0,
        scrolls: region ? region.scrollWidth > region.clientWidth : false,
      },
    };
  });
}

// Tab until the focus is on sel (at most 80 presses); counts moves that go
// backwards in document order (a wrap, or a jumbled tab order).
let backwards = 0;
let presses = 0;
async function tabTo(page, sel) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    presses++;
    const r = await page.evaluate((s) => {
      const a = document.activeElement;
      const prev = window.__lastFocus;
      window.__lastFocus = a;
      const back = !!(prev && a && prev !== a &&
        (a.compareDocumentPosition(prev) & Node.DOCUMENT_POSITION_FOLLOWING));
      return { hit: !!a && a.matches(s), back, at: a ? a.outerHTML.slice(0, 60) : 'nothing' };
    }, sel);
    if (r.back) { backwards++; note(`focus went backwards to ${r.at}`); }
    if (r.hit) return;
  }
  throw new Error(`80 presses of Tab never reached ${sel}`);
}

// The word-count vectors: COUNT<TAB>text, with \n \t \\ \uXXXX escapes.
function vectors(file) {
  const out = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const tab = line.indexOf('\t');
    const esc = line.slice(tab + 1).replace(/"/g, '\\"');
    out.push({ line: i + 1, count: Number(line.slice(0, tab)), text: JSON.parse(`"${esc}"`) });
  });
  return out;
}

// Checks a page for markup that ran or survived (check 5).
async function noXss(page, where, name) {
  const f = await page.evaluate(pageFacts);
  const body = await page.textContent('main');
  const bad = [];
  if (f.xss !== undefined) bad.push(`window.__xss = ${f.xss}`);
  if (f.handlers.length) bad.push(`on* attributes: ${f.handlers.join(' | ')}`);
  if (f.jsLinks.length) bad.push(`javascript: links: ${f.jsLinks.join(' | ')}`);
  if (f.imgs) bad.push(`${f.imgs} <img> in main`);
  if (f.scripts.some((s) => s !== '/static/wordcount.js')) bad.push(`scripts: ${f.scripts.join(', ')}`);
  if (name && !body.includes(name)) bad.push('the name is not shown as text');
  tap(bad.length === 0, `xss: ${where}: the markup in the name and statement is inert`, bad.join('\n'));
}

// Exactly one h1, every control labelled, and the skip link (check 9).
async function a11y(page, where) {
  await page.goto(BASE + where); // afresh: Tab starts at the top
  const f = await page.evaluate(pageFacts);
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => document.activeElement.matches('a.skip[href="#main"]'));
  await page.keyboard.press('Enter');
  const at = await page.evaluate(() => document.activeElement.id);
  tap(f.h1 === 1 && f.unlabelled.length === 0 && first && at === 'main',
    `a11y: ${where}: one h1, ${f.controls} controls all labelled, skip link focuses #main`,
    `h1: ${f.h1}; unlabelled: ${f.unlabelled.join(' ') || 'none'}; first Tab on the skip link: ${first}; ` +
    `after Enter the focus is on #${at}`);
}

// ---- main ----------------------------------------------------------------
if (!fs.existsSync(CHROMIUM)) {
  console.log(`# SKIP browser service test: no ${CHROMIUM}; run: apt-get install chromium`);
  process.exit(0);
}
fs.mkdirSync(opt.out, { recursive: true });
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60000 });
} catch (e) {
  tap(false, 'Chromium starts', e.message);
  process.exit(1);
}
note(`Chromium ${browser.version()}, server ${BASE}`);
const admin = await context(1280);
const adminPage = await admin.newPage();
const mine = {}; // name -> private link, of the nominations made here
const KEY_NAME = 'Rosa Keyboard';
const XSS_NAME = '<img src=x onerror="window.__xss=1">Zed';
let before = null;

// 1. the first administrator, and an API token
await step('setup', async () => {
  const p = adminPage;
  await p.goto(opt.setup);
  await p.fill('#f-name', 'Test Administrator');
  await p.fill('#f-email', 'admin@example.org');
  await p.fill('#f-password', 'correct horse battery staple');
  await p.fill('#f-password2', 'correct horse battery staple');
  await navigate(p, () => p.click('main form button[type=submit]'));
  tap(new URL(p.url()).pathname === '/admin', 'setup: the setup form creates the administrator and lands on /admin',
    `at ${p.url()}: ${(await p.textContent('main')).slice(0, 300)}`);
  await p.goto(`${BASE}/admin/tokens`);
  await p.fill('#f-label', 'browser test');
  await navigate(p, () => p.click('main form[action="/admin/tokens"] button[type=submit]'));
  token = (await p.locator('#new-token').textContent({ timeout: 2000 }).catch(() => '')).trim();
  const r = token ? await api('GET', `/elections/${E}`) : { status: 0, text: '' };
  tap(/^hst_[A-Za-z0-9_-]{43}$/.test(token) && r.status === 200,
    'setup: /admin/tokens makes an API token (#new-token) that the API accepts',
    `token "${token.slice(0, 8)}...", GET /api/v1/elections/${E}: ${r.status} ${r.text.slice(0, 200)}`);
  before = (await nominations()).length;
  note(`${before} nominations in the demo election`);
});

// 2. nominating with the keyboard alone
await step('keyboard', async () => {
  const ctx = await context(390);
  const p = await ctx.newPage();
  await p.goto(BASE + FORM);
  const questions = await p.$$eval('input[type=radio][value=yes]', (els) => els.map((e) => e.name));
  const cats = await p.$$eval('input[type=checkbox][name=categories]', (els) => els.map((e) => e.value));
  const statement = 'I have organised tenants in Northfield for six years.\n\n- *Open* meetings\n- Minutes within a month';
  const comment = 'Except where a member is at risk.';
  await tabTo(p, 'input[name=name]');
  await p.keyboard.type(KEY_NAME);
  await tabTo(p, 'input[name=email]');
  await p.keyboard.type('rosa.keyboard@example.org');
  await tabTo(p, 'textarea[name=statement]');
  await p.keyboard.type(statement);
  const want = {};
  for (const [i, q] of questions.entries()) {
    await tabTo(p, `input[name="${q}"]`); // into the group: its first radio
    if (i % 3 === 0) await p.keyboard.press('Space');
    else if (i % 3 === 1) await p.keyboard.press('ArrowRight');
    else { await p.keyboard.press('ArrowDown'); await p.keyboard.press('ArrowUp'); }
    want[q] = i % 3 === 1 ? 'no' : 'yes';
    if (i === 0) {
      await tabTo(p, `textarea[name="${q.replace('answers.', 'comments.')}"]`);
      await p.keyboard.type(comment);
    }
  }
  const cat = cats[cats.length - 1];
  await tabTo(p, `input[name=categories][value="${cat}"]`);
  await p.keyboard.press('Space');
  await tabTo(p, 'input[name=declaration]');
  await p.keyboard.press('Space');
  const state = await p.evaluate(() => ({
    radios: Object.fromEntries([...document.querySelectorAll('input[type=radio]:checked')].map((r) => [r.name, r.value])),
    cats: [...document.querySelectorAll('input[name=categories]:checked')].map((c) => c.value),
    declaration: document.querySelector('input[name=declaration]').checked,
    wc: document.getElementById('f-statement-wc').textContent,
    words: window.husWords(document.getElementById('f-statement').value),
  }));
  await shot(p, 'nominate-390');
  tap(JSON.stringify(state.radios) === JSON.stringify(want) && state.cats.join() === cat && state.declaration &&
      backwards === 0 && state.wc === `${state.words} words of 250` && state.words === 15,
    `keyboard: every control reached by Tab in document order (${presses} presses), radios, boxes and count set`,
    `${JSON.stringify(state)}; wanted radios ${JSON.stringify(want)}, category ${cat}, 15 words; ` +
    `${backwards} backward focus moves`);
  await tabTo(p, 'form[method=post] button[type=submit]:not([name])');
  await navigate(p, () => p.keyboard.press('Enter'));
  const u = new URL(p.url());
  const link = (await p.locator('code.token').textContent({ timeout: 2000 }).catch(() => '')).trim();
  const received = await p.locator('main h2', { hasText: 'Your nomination has been received' }).count();
  tap(/^\/n\/[A-Za-z0-9_-]{43}$/.test(u.pathname) && received === 1 && link === BASE + u.pathname,
    'keyboard: Enter submits; the "received" page shows the private link to save',
    `at ${p.url()}; received heading: ${received}; link shown: "${link}"`);
  mine[KEY_NAME] = link;
  const fresh = await context(390);
  const q = await fresh.newPage();
  await q.goto(link);
  const shown = await q.inputValue('#f-statement').catch(() => '');
  tap(shown.replace(/\r\n/g, '\n').trim() === statement, 'keyboard: the private link, opened afresh, shows the statement',
    `statement shown: ${JSON.stringify(shown.slice(0, 200))}`);
  await fresh.close();
  const got = (await nominations()).find((x) => x.name === KEY_NAME);
  const full = got ? (await api('GET', `/nominations/${got.id}`)).json : null;
  const answers = full ? Object.fromEntries(full.answers.map((a) => [`answers.${a.question}`, a.answer])) : {};
  tap(full && full.email === 'rosa.keyboard@example.org' && full.statement.markdown === statement &&
      full.statement.words === 15 && JSON.stringify(answers) === JSON.stringify(want) &&
      full.answers[0].comment === comment && full.categories.join() === cat && full.status === 'submitted',
    'keyboard: the API holds what was typed (email, statement and its 15 words, answers, comment, category)',
    JSON.stringify(full || got || 'not found').slice(0, 600));
  await ctx.close();
});

// 3. the live word count, and the shared vectors
await step('wordcount', async () => {
  const ctx = await context(390);
  const p = await ctx.newPage();
  await p.goto(BASE + FORM);
  const wc = p.locator('#f-statement-wc');
  await p.click('#f-statement');
  await p.keyboard.type("Hello **world**, don't co-operate - £5 now.\n\n# 9. NEC's");
  const a = await p.evaluate(() => ({ n: window.husWords(document.getElementById('f-statement').value),
    text: document.getElementById('f-statement-wc').textContent,
    over: document.getElementById('f-statement-wc').classList.contains('over') }));
  await p.fill('#f-statement', 'lorem ipsum '.repeat(127));
  await p.keyboard.type(' dolor sit');
  const b = await p.evaluate(() => ({ n: window.husWords(document.getElementById('f-statement').value),
    text: document.getElementById('f-statement-wc').textContent,
    over: document.getElementById('f-statement-wc').classList.contains('over') }));
  await p.fill('#f-statement', 'Back under');
  const c = { text: await wc.textContent(), over: await wc.evaluate((el) => el.classList.contains('over')) };
  tap(a.n === 8 && a.text === '8 words of 250' && !a.over &&
      b.n === 256 && b.text === '256 words: over the limit of 250' && b.over &&
      c.text === '2 words of 250' && !c.over && (await wc.getAttribute('aria-live')) === 'polite',
    '#f-statement-wc follows typing: "8 words of 250", "256 words: over the limit of 250" (.over), back to "2 words of 250"',
    `typed: ${JSON.stringify(a)}; long: ${JSON.stringify(b)}; short again: ${JSON.stringify(c)}`);
  const vs = vectors(opt.words);
  const bad = await p.evaluate((list) => list.filter((v) => window.husWords(v.text) !== v.count)
    .map((v) => `line ${v.line}: want ${v.count}, husWords gives ${window.husWords(v.text)}: ${JSON.stringify(v.text)}`), vs);
  tap(vs.length > 0 && bad.length === 0, `window.husWords agrees with all ${vs.length} vectors of ${opt.words}`, bad.join('\n'));
  await a11y(p, FORM);
  await ctx.close();
});

// 4. without JavaScript
await step('nojs', async () => {
  const ctx = await context(390, { javaScriptEnabled: false });
  const p = await ctx.newPage();
  const count0 = (await nominations()).length;
  await p.goto(BASE + FORM);
  await p.fill('#f-name', 'Noel Script');
  await p.fill('#f-email', 'noel@example.org');
  const text = 'Preview **only**: nothing is saved.\n\nSecond paragraph here.';
  await p.fill('#f-statement', text);
  const resp = await navigate(p, () => p.click('button[name=action][value=preview]'));
  const f = {
    status: resp && resp.status(), path: new URL(p.url()).pathname,
    wc: (await p.textContent('#f-statement-wc')).trim(),
    preview: (await p.locator('#preview-title').count()) === 1,
    strong: await p.locator('section.notice .statement strong').allTextContents(),
    kept: await p.inputValue('#f-statement'), name: await p.inputValue('#f-name'),
    token: await p.locator('code.token').count(),
  };
  const count1 = (await nominations()).length;
  tap(f.status === 200 && f.path === FORM && f.wc === '8 words of 250' && f.preview && f.strong.join() === 'only' &&
      f.kept.replace(/\r\n/g, '\n') === text && f.name === 'Noel Script' && f.token === 0 && count1 === count0,
    'no JS: "Check word count" shows the server\'s count ("8 words of 250") and a preview, and saves nothing',
    `${JSON.stringify(f)}; nominations before ${count0}, after ${count1}`);
  await ctx.close();
});

// 5. markup in the name and the statement (submitted; checked again later)
const xssStatement = 'Vote for me. <script>window.__xss=2</script>\n\nSee [x](javascript:window.__xss=3) too.';
await step('xss', async () => {
  const ctx = await context(390);
  const p = await ctx.newPage();
  await p.goto(BASE + FORM);
  await p.fill('#f-name', XSS_NAME);
  await p.fill('#f-email', 'zed@example.org');
  await p.fill('#f-statement', xssStatement);
  for (const q of await p.$$eval('input[type=radio][value=yes]', (els) => els.map((e) => e.name)))
    await p.check(`input[name="${q}"][value=yes]`);
  await p.check('#f-declaration');
  await navigate(p, () => p.click('form[method=post] button[type=submit]:not([name])'));
  const link = (await p.locator('code.token').textContent({ timeout: 2000 }).catch(() => '')).trim();
  tap(/\/n\/[A-Za-z0-9_-]{43}$/.test(link), 'xss: the nomination with markup in its name and statement is received',
    `at ${p.url()}: ${(await p.textContent('main')).slice(0, 300)}`);
  mine[XSS_NAME] = link;
  if (link) {
    const name = await p.inputValue('#f-name').catch(() => null);
    await noXss(p, 'the private page', null);
    if (name !== XSS_NAME) tap(false, 'xss: the private page shows the name as typed', `name field: ${name}`);
  }
  await ctx.close();
});

// 6. accept by the API, and publish
await step('accept', async () => {
  const list = await nominations();
  const todo = list.filter((x) => x.status === 'submitted');
  const bad = [];
  for (const x of todo) {
    const r = await api('POST', `/nominations/${x.id}/decision`, { decision: 'accept', reason: 'Meets the rules (browser test).' });
    if (r.status !== 200 || !r.json || r.json.status !== 'accepted') bad.push(`#${x.id}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  const after = await nominations();
  const ours = [KEY_NAME, XSS_NAME].map((nm) => after.find((x) => x.name === nm));
  tap(todo.length >= 2 && bad.length === 0 && ours.every((x) => x && x.status === 'accepted'),
    `api: the ${todo.length} submitted nominations are accepted, the two made here among them`,
    bad.concat(ours.map((x, i) => `${i ? 'xss' : 'keyboard'} nomination: ${x ? x.status : 'missing'}`)).join('\n'));
  const r = await api('POST', `/elections/${E}/publish`, {});
  tap(r.status === 200 && r.json && r.json.published_at, `api: POST /elections/${E}/publish publishes the candidates`,
    `${r.status} ${r.text.slice(0, 300)}`);
});

// 7 and 9. the publication pages; 5 again there
await step('publication', async () => {
  const el = (await api('GET', `/elections/${E}`)).json;
  const accepted = (await nominations()).filter((x) => x.status === 'accepted');
  const nq = el.questions.length;
  for (const width of [390, 1280]) {
    const ctx = await context(width);
    const p = await ctx.newPage();
    for (const kind of ['candidates', 'checklist']) {
      const where = `/e/${E}/${kind} at ${width} px`;
      await p.goto(`${BASE}/e/${E}/${kind}`);
      const secs = await p.evaluate(publication);
      const bad = [];
      for (const c of el.contests) {
        const want = accepted.filter((x) => x.contest === c.slug).map((x) => x.name).sort();
        const s = secs.find((x) => x.title === c.title);
        if (!s) { bad.push(`no section for "${c.title}"`); continue; }
        const got = (kind === 'candidates' ? s.articles : s.table ? s.table.cols : []).slice().sort();
        if (JSON.stringify(got) !== JSON.stringify(want))
          bad.push(`${c.slug}: shows [${got.join(', ')}], accepted [${want.join(', ')}]`);
        if (kind === 'checklist' && s.table && s.table.rows !== nq) bad.push(`${c.slug}: ${s.table.rows} rows, ${nq} questions`);
      }
      const total = accepted.length;
      tap(bad.length === 0 && secs.length === el.contests.length,
        `${where}: exactly the ${total} accepted candidates${kind === 'checklist' ? ', one column each' : ''}`,
        bad.join('\n') + `\nsections: ${secs.map((s) => s.title).join(', ')}`);
      const f = await p.evaluate(pageFacts);
      const tables = secs.filter((s) => s.table).map((s) => s.table);
      const loose = tables.filter((t) => !t.region || t.tabindex !== '0' || !t.name ||
        !/^(auto|scroll)$/.test(t.overflowX) || t.right > width + 0.5);
      if (width === 390)
        tap(f.scrollWidth <= 390 && loose.length === 0 && (kind === 'candidates' || tables.length > 0),
          `${where}: no sideways scroll of the page; ${tables.length} tables in focusable, named scroll regions`,
          `scrollWidth ${f.scrollWidth}; reaching past ${width} px: ${f.past.join(' | ') || 'nothing'}; ` +
          `tables not in a focusable named region: ${JSON.stringify(loose).slice(0, 500)}`);
      await shot(p, `${kind}-${width}`);
      await noXss(p, where, XSS_NAME);
      if (width === 390) await a11y(p, `/e/${E}/${kind}`);
    }
    await ctx.close();
  }
  const cand = await context(390);
  const q = await cand.newPage();
  await q.goto(mine[XSS_NAME]);
  await noXss(q, 'the private page after acceptance', XSS_NAME);
  await cand.close();
  const id = (await nominations()).find((x) => x.name === XSS_NAME).id;
  await adminPage.goto(`${BASE}/admin/n/${id}`);
  await noXss(adminPage, `/admin/n/${id}`, XSS_NAME);
  await adminPage.goto(`${BASE}/admin`);
  await shot(adminPage, 'admin-1280');
});

// 8. what every page reported
const pages = [...visited].filter((u) => u.startsWith('/')).map((u) => u.replace(/\/(n|setup)\/[^/?]+/, '/$1/…'));
note(`visited ${pages.length} pages: ${[...new Set(pages)].join(' ')}`);
tap(consoleErrors.length === 0 && pageErrors.length === 0 && pages.length >= 10,
  `no console error, CSP violation or page error on the ${pages.length} pages visited`,
  consoleErrors.concat(pageErrors).join('\n'));
tap(offHost.length === 0, `no request left ${ORIGIN}`, offHost.join('\n'));
await browser.close();
if (opt.start === undefined) console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
