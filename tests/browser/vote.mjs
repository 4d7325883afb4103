// tests/browser/vote.mjs: the voter's ballot in headless Chromium
// (docs/design/ballot.md §3, §8 "Browser").  tests/browser/vote.sh starts
// the server on a demo database with voting open and runs
//
//   node tests/browser/vote.mjs --modules DIR --out DIR --start N
//        --base http://127.0.0.1:PORT --codes A,B[,C,D] [--replaced CODE]
//
// A and B are voting codes (A: a voter who sees two contests); C and D,
// when given, repeat the two casts at 1280 px.  Checks, each a TAP line:
//  1. /v: a code typed with the keyboard, in lower case with spaces, lands
//     on /v/CODE and its ballot (303); a malformed code gets the page of
//     an unknown link (404), as does /v/NONSENSE; a replaced code says so;
//  2. the ballot: one fieldset per contest, a number field per candidate
//     (text, inputmode numeric, labelled with the name), each statement in
//     <details><summary>Statement of NAME</summary>, no-store;
//  3. JS off: Tab through the number fields and type, with a duplicate;
//     "Check my vote" answers 422, the focus is in the error summary, both
//     fields are aria-invalid and described by their message, which stands
//     before the input; the summary's link leads to the field; fixed, the
//     review lists the choices in order; Tab to "Cast my vote", Enter: the
//     receipt (200); the link then says it was used (GET 200, cast 409);
//  4. JS on: only Tab, Shift+Tab, Space and Enter on Add, Up, Down, Remove
//     and "Type numbers instead": after each, document.activeElement and
//     the live region's text are asserted, and the hidden number fields
//     follow; then review and cast;
//  5. drag (an extra to the buttons): each ranked item has one grip,
//     aria-hidden, out of the Tab order, touch-action none (the item and
//     its buttons keep auto), at least 24 x 24 px; unranked ones have none.
//     page.mouse down on the 3rd item's grip, move over the top of the
//     1st: the dragged item and a drop line are marked, no item moved on
//     the page, the fields unchanged; up: the list, the hidden number
//     fields, the live region ("X moved to 1st of 4") and the focus (the
//     moved item's Up) are as after the Up button.  A drag cancelled with
//     Escape changes nothing (list, fields, live region, focus, marks).
//     A drag of the 1st below the last moves it to 4th; at 390 px a touch
//     drag (CDP touch events) moves the 3rd to 1st; the review lists the
//     final order (no cast: the JS-on check casts with that code later);
//  6. at 390 px no page scrolls sideways; every page has one h1 and every
//     control a label; no console error (CSP violations are console
//     errors; the expected 404/409/422 answers are not counted), no page
//     error, no request leaves the server.
// Screenshots: OUT/vote-{ballot,errors,review,receipt,js,js-ranked,
// js-numbers,drag,drag-done}-{390,1280}.png (drag: mid-drag).  No timing is asserted.  Prints "# casts: N" (for
// vote.sh's database check) and "1..N" only without --start; exits 1 if
// any check failed.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [ // as report.mjs (shared/docs/dependencies.md §10)
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update',
  '--disable-sync',
];
const opt = { modules: 'build/browser/node_modules', out: 'build/browser', replaced: '' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
if (!opt.base || !opt.codes) {
  console.error('usage: vote.mjs --base URL --codes A,B[,C,D] [--replaced CODE] [--modules DIR] [--out DIR] [--start N]');
  process.exit(2);
}
const BASE = opt.base.replace(/\/$/, '');
const ORIGIN = new URL(BASE).origin;
const CODES = opt.codes.split(',').filter((c) => /^[0-9A-Z]{26}$/.test(c));

let n = Number(opt.start || 0);
let failed = 0;
let casts = 0;
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
  console.log(`# SKIP browser vote test: no playwright-core in ${opt.modules}; run: make browser-deps`);
  process.exit(0);
}

// ---- the browser, and what every page reports ----------------------------
const consoleErrors = [];
const pageErrors = [];
const offHost = [];
let pagesSeen = 0;
let browser;
// Chromium logs a refused main document ("the server responded with a
// status of 422") as a console error; those answers are expected here
const EXPECTED = /Failed to load resource: the server responded with a status of (404|409|422)/;

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
    const where = () => page.url().replace(BASE, '').replace(/\/v\/[0-9A-Z]{26}/, '/v/…');
    page.on('console', (m) => {
      if (m.type() === 'error' && !EXPECTED.test(m.text())) consoleErrors.push(`${where()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => pageErrors.push(`${where()}: ${e.message}`));
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) pagesSeen++; });
  });
  return ctx;
}

// runs action (a key press) and waits for the page it leads to
async function navigate(page, action) {
  const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
  return resp;
}

async function shot(page, name) {
  const dest = path.join(opt.out, `vote-${name}.png`);
  await page.screenshot({ path: dest, fullPage: true });
  note(`saved ${dest}`);
}

async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    tap(false, `${name}: ran to the end`, e.stack || e.message);
  }
}

// Tab (or Shift+Tab) until the focus is on sel, at most 150 presses.
async function tabTo(page, sel, back = false) {
  for (let i = 0; i < 150; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if (await page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), sel)) return;
  }
  throw new Error(`150 presses of ${back ? 'Shift+Tab' : 'Tab'} never reached ${sel}`);
}

// ---- in the page ---------------------------------------------------------
function pageFacts() {
  const nameOf = (el) => {
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(/\s+/).map((id) => document.getElementById(id)?.textContent || '').join(' ').trim();
    return (el.getAttribute('aria-label') || [...(el.labels || [])].map((l) => l.textContent).join(' ')).trim();
  };
  const controls = [...document.querySelectorAll('input:not([type=hidden]), textarea, select')];
  const buttons = [...document.querySelectorAll('button')];
  return {
    h1: document.querySelectorAll('h1').length,
    h1text: document.querySelector('h1')?.textContent || '',
    unlabelled: controls.filter((el) => !nameOf(el)).map((el) => `<${el.tagName.toLowerCase()} name="${el.name}">`)
      .concat(buttons.filter((b) => !b.textContent.trim()).map((b) => b.outerHTML.slice(0, 60))),
    scrollWidth: document.scrollingElement.scrollWidth,
    scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src') || 'inline'),
  };
}

// The ballot's shape: contests, candidates, their fields and statements.
function paperFacts() {
  return [...document.querySelectorAll('form#ballot fieldset.contest')].map((fs) => ({
    id: fs.dataset.contest,
    legend: fs.querySelector('legend')?.textContent.trim() || '',
    cands: [...fs.querySelectorAll('li.cand')].map((li) => {
      const input = li.querySelector('input.rank');
      const label = input && input.labels && input.labels[0];
      const d = li.querySelector('details > summary');
      return {
        name: li.dataset.name,
        id: input?.id, field: input?.name, type: input?.type, mode: input?.getAttribute('inputmode'),
        label: label ? label.textContent.trim() : '',
        summary: d ? d.textContent.trim() : null,
      };
    }),
  }));
}

// What the JS ballot shows for one contest, and where the focus is.
function jsState(cid) {
  const fs = document.querySelector(`fieldset.contest[data-contest="${cid}"]`);
  const a = document.activeElement;
  const item = a && a.closest('.js-item');
  return {
    ranked: [...fs.querySelectorAll('.js-ranked .js-name')].map((e) => e.textContent),
    unranked: [...fs.querySelectorAll('.js-unranked .js-name')].map((e) => e.textContent),
    fields: Object.fromEntries([...fs.querySelectorAll('input.rank')].filter((i) => i.value).map((i) => [i.name, i.value])),
    paperHidden: fs.querySelector('ol.ballot').hidden,
    listHidden: fs.querySelector('.js-ballot').hidden,
    pressed: fs.querySelector('.js-toggle')?.getAttribute('aria-pressed'),
    status: fs.querySelector('[role=status]')?.textContent || '',
    focus: a ? {
      cls: a.className, field: item ? item.dataset.field : null, list: item ? (item.closest('.js-ranked') ? 'ranked' : 'unranked') : null,
      disabled: a.getAttribute('aria-disabled'), text: a.textContent.trim(), id: a.id,
    } : null,
  };
}

async function facts(page, where, width) {
  const f = await page.evaluate(pageFacts);
  const bad = [];
  if (f.h1 !== 1) bad.push(`${f.h1} h1 elements`);
  if (f.unlabelled.length) bad.push(`unlabelled: ${f.unlabelled.join(' ')}`);
  if (width <= 390 && f.scrollWidth > width) bad.push(`scrollWidth ${f.scrollWidth} > ${width}`);
  if (f.scripts.some((s) => s !== '/static/ballot.js')) bad.push(`scripts: ${f.scripts.join(', ')}`);
  tap(bad.length === 0, `${where} at ${width} px: one h1, every control labelled${width <= 390 ? ', no sideways scroll' : ''}`,
    bad.join('\n'));
}

// ---- the flows -------------------------------------------------------------
// JS off: Tab and type, a duplicate, the errors, the fix, review, cast.
async function noJs(code, width) {
  const ctx = await context(width, { javaScriptEnabled: false });
  const p = await ctx.newPage();
  const W = `JS off, ${width} px`;
  const r0 = await p.goto(`${BASE}/v/${code}`);
  const paper = await p.evaluate(paperFacts);
  const cc = r0.headers()['cache-control'] || '';
  const shape = [];
  for (const c of paper)
    for (const k of c.cands) {
      if (k.type !== 'text' || k.mode !== 'numeric') shape.push(`${k.field}: type ${k.type}, inputmode ${k.mode}`);
      if (k.label !== k.name) shape.push(`${k.field}: label "${k.label}", name "${k.name}"`);
      if (k.id !== `r-${c.id}-${k.field.split('.')[2]}` || k.field !== `r.${c.id}.${k.field.split('.')[2]}`) shape.push(`${k.field}: id ${k.id}`);
      if (k.summary !== null && k.summary !== `Statement of ${k.name}`) shape.push(`${k.field}: summary "${k.summary}"`);
    }
  const withStatement = paper.reduce((s, c) => s + c.cands.filter((k) => k.summary).length, 0);
  tap(r0.status() === 200 && paper.length >= 1 && paper.every((c) => c.cands.length >= 2) && shape.length === 0 &&
      withStatement > 0 && /no-store/.test(cc),
    `${W}: the ballot has ${paper.length} contests, a labelled numeric text field per candidate, statements in <details>, no-store`,
    `status ${r0.status()}, cache-control "${cc}"; ${shape.join('\n')}\n${JSON.stringify(paper).slice(0, 400)}`);
  await shot(p, `ballot-${width}`);
  await facts(p, `${W}: the ballot`, width);

  // type 1, 2, 2 into the first contest's first three fields (a duplicate)
  const c0 = paper[0];
  const [a, b, c] = c0.cands;
  await tabTo(p, `#${a.id}`);
  await p.keyboard.type('1');
  await tabTo(p, `#${b.id}`);
  await p.keyboard.type('2');
  await tabTo(p, `#${c.id}`);
  await p.keyboard.type(' 2 ');
  await tabTo(p, '#ballot button[type=submit]');
  const r1 = await navigate(p, () => p.keyboard.press('Enter'));
  const err = await p.evaluate(([ids]) => {
    const a = document.activeElement;
    return {
      inSummary: !!(a && a.closest('.error-summary')),
      links: [...document.querySelectorAll('.error-summary a')].map((l) => l.getAttribute('href')),
      fields: ids.map((id) => {
        const i = document.getElementById(id);
        const d = i && i.getAttribute('aria-describedby');
        const m = d && document.getElementById(d.split(' ').pop());
        return {
          id, invalid: i && i.getAttribute('aria-invalid'), value: i && i.value,
          msg: m ? m.textContent : null,
          before: !!(m && (m.compareDocumentPosition(i) & Node.DOCUMENT_POSITION_FOLLOWING)),
        };
      }),
    };
  }, [[a.id, b.id, c.id]]);
  const [ea, eb, ec] = err.fields;
  tap(r1.status() === 422 && err.inSummary && ea.invalid === null &&
      eb.invalid === 'true' && ec.invalid === 'true' && /You gave 2 to .* and to .*Use each number once/.test(eb.msg || '') &&
      eb.before && ec.before && ec.value === ' 2 ' && err.links.join() === `#${b.id},#${c.id}`,
    `${W}: a number used twice answers 422, focus in the error summary, both fields aria-invalid with their message before them`,
    JSON.stringify({ status: r1.status(), ...err }));
  await shot(p, `errors-${width}`);

  // follow the summary's second link with the keyboard, and fix the field
  await tabTo(p, `.error-summary a[href="#${c.id}"]`);
  await p.keyboard.press('Enter');
  const landed = await p.evaluate(() => document.activeElement && document.activeElement.id);
  if (landed !== c.id) {
    note(`the summary link left the focus on "${landed}"; tabbing to #${c.id}`);
    await tabTo(p, `#${c.id}`);
  }
  tap(landed === c.id, `${W}: the error summary's link moves the focus to its field (#${c.id})`, `focus on "${landed}"`);
  await p.keyboard.press('ControlOrMeta+a');
  await p.keyboard.type('3');
  await tabTo(p, '#ballot button[type=submit]');
  const r2 = await navigate(p, () => p.keyboard.press('Enter'));
  const rv = await p.evaluate(() => ({
    h1: document.querySelector('h1').textContent,
    lists: [...document.querySelectorAll('section.review-contest')].map((s) => [...s.querySelectorAll('ol.review li')].map((l) => l.textContent)),
    notes: [...document.querySelectorAll('ul.notes li')].map((l) => l.textContent),
  }));
  const want = [a.name, b.name, c.name];
  tap(r2.status() === 200 && rv.h1 === 'Check your vote' && JSON.stringify(rv.lists[0]) === JSON.stringify(want) &&
      rv.notes.some((t) => /unranked/.test(t)),
    `${W}: fixed, "Check your vote" lists the choices in order, with notes`,
    JSON.stringify({ status: r2.status(), ...rv, want }));
  await shot(p, `review-${width}`);
  await facts(p, `${W}: the review`, width);

  // cast with the keyboard; keep the form to post it again
  const again = await p.evaluate(() => new URLSearchParams(new FormData(document.querySelector('form[action$="/cast"]'))).toString());
  await tabTo(p, '#cast');
  const r3 = await navigate(p, () => p.keyboard.press('Enter'));
  const receipt = (await p.locator('#receipt').textContent().catch(() => '')).trim();
  const rurl = new URL(p.url()).pathname;
  if (r3.status() === 200) casts++;
  tap(r3.status() === 200 && /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/.test(receipt) && rurl === `/v/${code}/cast` &&
      !p.url().includes(receipt),
    `${W}: Enter on "Cast my vote" answers the receipt page (200, not a redirect) with a receipt code`,
    `status ${r3.status()} at ${rurl}, receipt "${receipt}"`);
  await shot(p, `receipt-${width}`);
  await facts(p, `${W}: the receipt`, width);
  const re = await ctx.request.post(`${BASE}/v/${code}/cast`, {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, data: again, maxRedirects: 0 });
  const reText = await re.text();
  const r4 = await p.goto(`${BASE}/v/${code}`);
  const h1 = (await p.textContent('h1')).trim();
  tap(re.status() === 409 && /This link was used to vote/.test(reText) && r4.status() === 200 &&
      h1 === 'This link was used to vote',
    `${W}: the same cast again answers 409 "This link was used to vote", and so does the link`,
    `cast again: ${re.status()}; GET: ${r4.status()} "${h1}"`);
  await ctx.close();
}

// JS on: only the keyboard on the ranking buttons.
async function withJs(code, width) {
  const ctx = await context(width);
  const p = await ctx.newPage();
  const W = `JS on, ${width} px`;
  await p.goto(`${BASE}/v/${code}`);
  const paper = await p.evaluate(paperFacts);
  const cid = paper[0].id;
  const [x1, x2, x3] = paper[0].cands;
  const st = () => p.evaluate(jsState, cid);
  // the live region is written a moment after the change
  const said = (text) => p.waitForFunction(([c, t]) => document.querySelector(
    `fieldset.contest[data-contest="${c}"] [role=status]`)?.textContent === t, [cid, text], { timeout: 3000 })
    .then(() => true, () => false);
  const checks = [];
  const expect = (what, ok, s) => { if (!ok) checks.push(`${what}: ${JSON.stringify(s)}`); };

  let s = await st();
  expect('start: the list shown, the number fields hidden', s.paperHidden && !s.listHidden && s.ranked.length === 0 &&
    s.unranked.length === paper[0].cands.length && s.pressed === 'false', s);
  await shot(p, `js-${width}`);

  await tabTo(p, `.js-unranked li[data-field="${x1.field}"] .js-add`);
  await p.keyboard.press('Enter');
  let ok = await said(`${x1.name} added as 1st of 1`);
  s = await st();
  expect('Enter on Add', ok && s.ranked.join() === x1.name && s.focus.field === x2.field && s.focus.list === 'unranked' &&
    /js-add/.test(s.focus.cls) && s.fields[x1.field] === '1', s);
  await p.keyboard.press('Space');
  ok = await said(`${x2.name} added as 2nd of 2`);
  s = await st();
  expect('Space on the next Add', ok && s.ranked.join() === [x1.name, x2.name].join() && s.focus.field === x3.field, s);
  await p.keyboard.press('Enter');
  ok = await said(`${x3.name} added as 3rd of 3`);
  s = await st();
  expect('Enter on the third Add', ok && s.ranked.join() === [x1, x2, x3].map((x) => x.name).join() &&
    JSON.stringify(s.fields) === JSON.stringify({ [x1.field]: '1', [x2.field]: '2', [x3.field]: '3' }), s);

  // back to the third's Up: Enter twice moves it to the top, where Up is
  // aria-disabled, keeps the focus and does nothing
  await tabTo(p, `.js-ranked li[data-field="${x3.field}"] .js-up`, true);
  await p.keyboard.press('Enter');
  ok = await said(`${x3.name} moved to 2nd of 3`);
  s = await st();
  expect('Up', ok && s.ranked.join() === [x1, x3, x2].map((x) => x.name).join() && s.focus.field === x3.field &&
    /js-up/.test(s.focus.cls) && s.fields[x3.field] === '2', s);
  await p.keyboard.press('Enter');
  ok = await said(`${x3.name} moved to 1st of 3`);
  s = await st();
  expect('Up to the top', ok && s.ranked[0] === x3.name && s.focus.field === x3.field && /js-up/.test(s.focus.cls) &&
    s.focus.disabled === 'true', s);
  await p.keyboard.press('Space');
  s = await st();
  expect('Up at the top does nothing', s.ranked[0] === x3.name && s.focus.field === x3.field && /js-up/.test(s.focus.cls), s);
  await p.keyboard.press('Tab');
  await p.keyboard.press('Enter');
  ok = await said(`${x3.name} moved to 2nd of 3`);
  s = await st();
  expect('Tab, Enter on Down', ok && s.ranked.join() === [x1, x3, x2].map((x) => x.name).join() &&
    s.focus.field === x3.field && /js-down/.test(s.focus.cls), s);
  await p.keyboard.press('Tab');
  await p.keyboard.press('Enter');
  ok = await said(`${x3.name} removed; 2 ranked`);
  s = await st();
  expect('Tab, Enter on Remove: focus on the next ranked item', ok && s.ranked.join() === [x1, x2].map((x) => x.name).join() &&
    s.focus.field === x2.field && s.focus.list === 'ranked' && /js-remove/.test(s.focus.cls) &&
    JSON.stringify(s.fields) === JSON.stringify({ [x1.field]: '1', [x2.field]: '2' }), s);
  await p.keyboard.press('Enter');
  ok = await said(`${x2.name} removed; 1 ranked`);
  s = await st();
  expect('Remove the last item: focus on the list heading', ok && s.focus.id === `c-${cid}-ranking`, s);
  await tabTo(p, `.js-unranked li[data-field="${x2.field}"] .js-add`);
  await p.keyboard.press('Enter');
  await said(`${x2.name} added as 2nd of 2`);
  await shot(p, `js-ranked-${width}`);

  // "Type numbers instead", and back
  await tabTo(p, `fieldset.contest[data-contest="${cid}"] .js-toggle`, true);
  await p.keyboard.press('Space');
  s = await st();
  expect('Type numbers instead', !s.paperHidden && s.listHidden && s.pressed === 'true' &&
    JSON.stringify(s.fields) === JSON.stringify({ [x1.field]: '1', [x2.field]: '2' }), s);
  await shot(p, `js-numbers-${width}`);
  await p.keyboard.press('Space');
  s = await st();
  expect('and back', s.paperHidden && !s.listHidden && s.pressed === 'false' && s.ranked.join() === [x1.name, x2.name].join(), s);
  tap(checks.length === 0,
    `${W}: Add, Up, Down, Remove and the numbers toggle by keyboard alone; focus and live region right after each`,
    checks.join('\n'));

  await tabTo(p, '#ballot button[type=submit]');
  const r2 = await navigate(p, () => p.keyboard.press('Enter'));
  const list = await p.evaluate(() => [...document.querySelectorAll('section.review-contest')][0]
    ? [...document.querySelectorAll('section.review-contest')[0].querySelectorAll('ol.review li')].map((l) => l.textContent) : []);
  tap(r2.status() === 200 && list.join() === [x1.name, x2.name].join(),
    `${W}: the review lists what the buttons ranked`, `status ${r2.status()}, list ${JSON.stringify(list)}`);
  await tabTo(p, '#cast');
  const r3 = await navigate(p, () => p.keyboard.press('Enter'));
  const receipt = (await p.locator('#receipt').textContent().catch(() => '')).trim();
  if (r3.status() === 200) casts++;
  tap(r3.status() === 200 && /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/.test(receipt),
    `${W}: cast with the keyboard; the receipt page shows the code`, `status ${r3.status()}, receipt "${receipt}"`);
  await ctx.close();
}

// Drag with page.mouse (and touch at 390 px) on the first contest; ends on
// the review page without casting.
async function dragging(code, width) {
  const touch = width < 800;
  const ctx = await context(width, touch ? { hasTouch: true } : {});
  const p = await ctx.newPage();
  const W = `JS on, ${width} px, drag`;
  await p.goto(`${BASE}/v/${code}`);
  const paper = await p.evaluate(paperFacts);
  const cid = paper[0].id;
  const x = paper[0].cands.slice(0, 4);
  const names = (...k) => k.map((i) => x[i].name).join();
  const fields = (...k) => JSON.stringify(Object.fromEntries(x.map((c) => [c.field, String(k.indexOf(x.indexOf(c)) + 1)])
    .filter(([, v]) => v !== '0').sort()));
  const st = async () => {
    const s = await p.evaluate(jsState, cid);
    s.fields = JSON.stringify(Object.fromEntries(Object.entries(s.fields).sort()));
    return s;
  };
  const said = (text) => p.waitForFunction(([c, t]) => document.querySelector(
    `fieldset.contest[data-contest="${c}"] [role=status]`)?.textContent === t, [cid, text], { timeout: 3000 })
    .then(() => true, () => false);
  const item = (c) => `fieldset.contest[data-contest="${cid}"] .js-ranked li[data-field="${c.field}"]`;
  // viewport boxes of the grips and items, and the drag marks
  const boxes = () => p.evaluate((c) => {
    const fs = document.querySelector(`fieldset.contest[data-contest="${c}"]`);
    const r = (e) => { const b = e.getBoundingClientRect(); return { x: b.x, y: b.y, w: b.width, h: b.height }; };
    return [...fs.querySelectorAll('.js-ranked > li')].map((li) => ({
      field: li.dataset.field, box: r(li), grip: r(li.querySelector('.js-grip')),
      marks: ['js-dragging', 'js-drop-before', 'js-drop-after'].filter((k) => li.classList.contains(k)),
    }));
  }, cid);
  const marks = (b) => b.filter((i) => i.marks.length).map((i) => `${i.field}:${i.marks.join('+')}`).join();
  const at = (b, c) => b.find((i) => i.field === c.field);
  const mid = (g) => [g.x + g.w / 2, g.y + g.h / 2];

  for (const c of x) {
    await p.click(`fieldset.contest[data-contest="${cid}"] .js-unranked li[data-field="${c.field}"] .js-add`);
    await said(`${c.name} added as ${x.indexOf(c) + 1}${['st', 'nd', 'rd', 'th'][x.indexOf(c)]} of ${x.indexOf(c) + 1}`);
  }
  const g = await p.evaluate((c) => {
    const fs = document.querySelector(`fieldset.contest[data-contest="${c}"]`);
    const grips = [...fs.querySelectorAll('.js-grip')];
    const li = fs.querySelector('.js-ranked > li');
    const grip = li.querySelector('.js-grip');
    const b = grip.getBoundingClientRect();
    return {
      ranked: fs.querySelectorAll('.js-ranked > li').length,
      inRanked: grips.filter((e) => e.closest('.js-ranked')).length,
      hidden: grips.every((e) => e.getAttribute('aria-hidden') === 'true'),
      tabbable: grips.filter((e) => e.tabIndex >= 0 || e.querySelector('button, a, input, [tabindex]')).length,
      touch: getComputedStyle(grip).touchAction, liTouch: getComputedStyle(li).touchAction,
      upTouch: getComputedStyle(li.querySelector('.js-up')).touchAction,
      w: b.width, h: b.height,
    };
  }, cid);
  tap(g.ranked === 4 && g.inRanked === 4 && g.hidden && g.tabbable === 0 && g.touch === 'none' &&
      g.liTouch === 'auto' && g.upTouch === 'auto' && g.w >= 24 && g.h >= 24,
    `${W}: one aria-hidden grip per ranked item, none unranked, not in the Tab order, touch-action none on the grip only, ${g.w} x ${g.h} px`,
    JSON.stringify(g));

  // mouse: the 3rd item's grip onto the top of the 1st
  await p.locator(`fieldset.contest[data-contest="${cid}"] .js-ranked`).evaluate((e) => e.scrollIntoView({ block: 'center' }));
  const checks = [];
  const expect = (what, ok, s) => { if (!ok) checks.push(`${what}: ${JSON.stringify(s)}`); };
  let b0 = await boxes();
  await p.mouse.move(...mid(at(b0, x[2]).grip));
  await p.mouse.down();
  await p.mouse.move(at(b0, x[0]).box.x + 60, at(b0, x[0]).box.y + 6, { steps: 8 });
  let b = await boxes();
  let s = await st();
  expect('mid-drag: the 3rd marked as dragged, a drop line before the 1st', marks(b) ===
    `${x[0].field}:js-drop-before,${x[2].field}:js-dragging`, marks(b));
  expect('mid-drag: no item moved on the page', JSON.stringify(b.map((i) => i.box)) === JSON.stringify(b0.map((i) => i.box)),
    { before: b0.map((i) => i.box), during: b.map((i) => i.box) });
  expect('mid-drag: list and fields unchanged', s.ranked.join() === names(0, 1, 2, 3) && s.fields === fields(0, 1, 2, 3), s);
  await shot(p, `drag-${width}`);
  await p.mouse.up();
  let ok = await said(`${x[2].name} moved to 1st of 4`);
  s = await st();
  b = await boxes();
  expect('dropped on the 1st: moved to 1st, fields, live region, focus on its Up', ok && s.ranked.join() === names(2, 0, 1, 3) &&
    s.fields === fields(2, 0, 1, 3) && s.focus.field === x[2].field && s.focus.list === 'ranked' && /js-up/.test(s.focus.cls) &&
    s.focus.disabled === 'true' && marks(b) === '', { ...s, marks: marks(b) });
  tap(checks.length === 0, `${W}: page.mouse drags the 3rd item's grip onto the 1st: drop line, then the order, number fields, "moved to 1st of 4" and focus as after Up`,
    checks.join('\n'));

  // Escape during a drag: nothing changes
  checks.length = 0;
  const before = s;
  b0 = b;
  await p.mouse.move(...mid(at(b0, x[3]).grip));
  await p.mouse.down();
  await p.mouse.move(at(b0, x[2]).box.x + 60, at(b0, x[2]).box.y + 6, { steps: 8 });
  b = await boxes();
  expect('mid-drag: a drop line before the 1st', marks(b) === [x[2], x[3]].map((c) => c === x[2] ? `${c.field}:js-drop-before` : `${c.field}:js-dragging`).join(), marks(b));
  await p.keyboard.press('Escape');
  b = await boxes();
  expect('Escape: the marks go at once', marks(b) === '', marks(b));
  await p.mouse.move(at(b0, x[2]).box.x + 60, at(b0, x[2]).box.y + 2, { steps: 3 });
  await p.mouse.up();
  await p.waitForTimeout(400); // the live region is written 50 ms after a change
  s = await st();
  b = await boxes();
  expect('Escape, move, up: list, fields, live region and focus unchanged', s.ranked.join() === before.ranked.join() &&
    s.fields === before.fields && s.status === before.status && s.focus.field === before.focus.field &&
    s.focus.cls === before.focus.cls && marks(b) === '', { ...s, marks: marks(b) });
  tap(checks.length === 0, `${W}: a drag cancelled with Escape changes nothing`, checks.join('\n'));

  // the 1st below the last (a drop line after it), then touch
  checks.length = 0;
  b0 = b;
  await p.mouse.move(...mid(at(b0, x[2]).grip));
  await p.mouse.down();
  const last = at(b0, x[3]).box;
  await p.mouse.move(last.x + 60, last.y + last.h - 4, { steps: 10 });
  b = await boxes();
  expect('mid-drag: a drop line after the last', marks(b) === `${x[2].field}:js-dragging,${x[3].field}:js-drop-after`, marks(b));
  await p.mouse.up();
  ok = await said(`${x[2].name} moved to 4th of 4`);
  s = await st();
  expect('dropped below the last: 4th', ok && s.ranked.join() === names(0, 1, 3, 2) && s.fields === fields(0, 1, 3, 2) &&
    s.focus.field === x[2].field && /js-up/.test(s.focus.cls) && s.focus.disabled === 'false', s);
  let want = [0, 1, 3, 2];
  if (touch) {
    b0 = await boxes();
    const cdp = await ctx.newCDPSession(p);
    const [gx, gy] = mid(at(b0, x[3]).grip);
    const top = at(b0, x[0]).box;
    const t = (type, pts) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: pts });
    await t('touchStart', [{ x: gx, y: gy }]);
    for (let k = 1; k <= 8; k++) await t('touchMove', [{ x: gx, y: gy + (top.y + 6 - gy) * k / 8 }]);
    b = await boxes();
    expect('touch mid-drag: a drop line before the 1st', marks(b) === `${x[0].field}:js-drop-before,${x[3].field}:js-dragging`, marks(b));
    await t('touchEnd', []);
    ok = await said(`${x[3].name} moved to 1st of 4`);
    s = await st();
    expect('touch drop: 1st', ok && s.ranked.join() === names(3, 0, 1, 2) && s.fields === fields(3, 0, 1, 2) &&
      s.focus.field === x[3].field && /js-up/.test(s.focus.cls), s);
    want = [3, 0, 1, 2];
  }
  await shot(p, `drag-done-${width}`);
  tap(checks.length === 0, `${W}: the 1st dragged below the last becomes 4th${touch ? '; a touch drag moves the 3rd to 1st' : ''}`,
    checks.join('\n'));

  await p.click('#ballot button[type=submit]');
  await p.waitForLoadState('load');
  const list = await p.evaluate(() => {
    const sec = document.querySelector('section.review-contest');
    return sec ? [...sec.querySelectorAll('ol.review li')].map((l) => l.textContent) : [];
  });
  tap(list.join() === names(...want), `${W}: the review lists the dragged order`, JSON.stringify({ list, want: names(...want) }));
  await ctx.close();
}

// The /v page, malformed and unknown codes, a replaced code.
async function codes(code) {
  const ctx = await context(390, { javaScriptEnabled: false });
  const p = await ctx.newPage();
  await p.goto(`${BASE}/v`);
  await facts(p, '/v', 390);
  const typed = code.toLowerCase().match(/.{1,4}/g).join(' ');
  await tabTo(p, '#f-code');
  await p.keyboard.type(typed);
  await tabTo(p, 'form[action="/v"] button[type=submit]');
  const r = await navigate(p, () => p.keyboard.press('Enter'));
  const h1 = (await p.textContent('h1')).trim();
  const redirected = r.request().redirectedFrom();
  tap(new URL(p.url()).pathname === `/v/${code}` && r.status() === 200 && /^Your ballot/.test(h1) &&
      redirected && (await redirected.response()).status() === 303,
    '/v: a code typed in lower case with spaces answers 303 to /v/CODE and its ballot',
    `typed "${typed}": at ${p.url()} (${r.status()}), h1 "${h1}"`);
  await p.goto(`${BASE}/v`);
  await tabTo(p, '#f-code');
  await p.keyboard.type('not-a-code');
  await tabTo(p, 'form[action="/v"] button[type=submit]');
  const r1 = await navigate(p, () => p.keyboard.press('Enter'));
  const body1 = (await p.textContent('main')).trim();
  const r2 = await p.goto(`${BASE}/v/AAAAAAAAAAAAAAAAAAAAAAAAAA`);
  const body2 = (await p.textContent('main')).trim();
  tap(r1.status() === 404 && r2.status() === 404 && body1 === body2 && /^This voting link is not valid/.test(body1),
    '/v: a malformed code and an unknown link get the same page (404)',
    `malformed: ${r1.status()} "${body1.slice(0, 80)}"; unknown: ${r2.status()} "${body2.slice(0, 80)}"`);
  if (opt.replaced) {
    const r3 = await p.goto(`${BASE}/v/${opt.replaced}`);
    const h = (await p.textContent('h1')).trim();
    tap(r3.status() === 200 && h === 'This link was replaced' && /use your latest email/.test(await p.textContent('main')),
      '/v/CODE: a replaced code says "This link was replaced by a newer one"', `${r3.status()} "${h}"`);
  }
  await ctx.close();
}

// ---- main ----------------------------------------------------------------
if (!fs.existsSync(CHROMIUM)) {
  console.log(`# SKIP browser vote test: no ${CHROMIUM}; run: apt-get install chromium`);
  process.exit(0);
}
if (CODES.length < 2) {
  tap(false, 'two voting codes given', `--codes ${opt.codes}`);
  process.exit(1);
}
fs.mkdirSync(opt.out, { recursive: true });
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60000 });
} catch (e) {
  tap(false, 'Chromium starts', e.message);
  process.exit(1);
}
note(`Chromium ${browser.version()}, server ${BASE}, ${CODES.length} codes`);
await step('codes', () => codes(CODES[1]));
await step('nojs 390', () => noJs(CODES[0], 390));
await step('drag 390', () => dragging(CODES[1], 390));
await step('js 390', () => withJs(CODES[1], 390));
if (CODES.length >= 4) {
  await step('nojs 1280', () => noJs(CODES[2], 1280));
  await step('drag 1280', () => dragging(CODES[3], 1280));
  await step('js 1280', () => withJs(CODES[3], 1280));
} else note('two codes only: no casts at 1280 px');
tap(consoleErrors.length === 0 && pageErrors.length === 0 && pagesSeen >= 8,
  `no console error, CSP violation or page error on the ${pagesSeen} pages visited`,
  consoleErrors.concat(pageErrors).join('\n'));
tap(offHost.length === 0, `no request left ${ORIGIN}`, offHost.join('\n'));
await browser.close();
console.log(`# casts: ${casts}`);
if (opt.start === undefined) console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
