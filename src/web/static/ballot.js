// ballot.js: the ranked list on the voter's ballot (docs/design/ballot.md
// §3.4).  Loaded with <script src defer> by /v/CODE (p_vote.c); no inline
// code, no inline style (the CSP allows neither).  Without it the ballot
// is a number field per candidate and nothing here is needed.
//
// Per contest (fieldset.contest) it builds "Your ranking", an <ol> whose
// items have Up, Down and Remove buttons, and "Not ranked", a <ul> with an
// Add button per candidate.  The number fields (input.rank, "r.C.N") stay
// in the form, hidden, and are rewritten after every change, so the post
// and the server's rules are the same as without JS.  "Type numbers
// instead" shows them again; going back reads them (two-way).
//
// Focus: after Up or Down it stays on the same button of the moved item
// (at the ends that button is aria-disabled and does nothing); after Add
// it goes to the next unranked candidate's Add button; after Remove to the
// next ranked item's Remove button, or the "Your ranking" heading.  Each
// contest has a role=status region that says what happened ("Ada Brennan
// moved to 2nd of 5").  Every action is Tab plus Enter or Space.
'use strict';
(function () {
  const form = document.getElementById('ballot');
  const summary = document.querySelector('.error-summary');
  if (summary) summary.focus();
  if (!form || !document.querySelector || !window.Map) return;

  const ordinal = (n) => {
    const t = n % 100;
    const s = t >= 11 && t <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] || 'th';
    return n + s;
  };
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  // a button whose accessible name is before + visible + after
  const button = (cls, visible, before, after) => {
    const b = el('button', 'small ' + cls);
    b.type = 'button';
    if (before) b.appendChild(el('span', 'visually-hidden', before));
    b.appendChild(document.createTextNode(visible));
    if (after) b.appendChild(el('span', 'visually-hidden', after));
    return b;
  };

  let serial = 0;
  for (const fs of document.querySelectorAll('fieldset.contest')) setup(fs);

  function setup(fs) {
    const paper = fs.querySelector('ol.ballot');
    if (!paper) return;
    const id = fs.dataset.contest || String(++serial);
    const cands = [...paper.querySelectorAll('li.cand')].map((li) => ({
      li,
      input: li.querySelector('input.rank'),
      name: li.dataset.name || '',
      withdrawn: li.dataset.withdrawn === '1',
      statement: li.querySelector('details'),
      note: li.querySelector('.withdrawn-note'),
      cats: li.querySelector('.cats'),
    })).filter((c) => c.input);
    if (!cands.length) return;
    let ranked = [];   // candidates, best first
    let numbers = false; // the number fields are shown

    // ---- the widgets
    const box = el('div', 'js-ballot');
    const head = el('h3', 'js-head', 'Your ranking');
    head.id = `c-${id}-ranking`;
    head.tabIndex = -1;
    const none = el('p', 'hint js-none', 'You have not ranked anyone here yet. Use the Add buttons below.');
    const ol = el('ol', 'js-ranked');
    ol.setAttribute('aria-labelledby', head.id);
    ol.setAttribute('role', 'list'); // list-style none: keep the list in WebKit
    const head2 = el('h3', 'js-head', 'Not ranked');
    head2.id = `c-${id}-unranked`;
    const ul = el('ul', 'js-unranked');
    ul.setAttribute('aria-labelledby', head2.id);
    ul.setAttribute('role', 'list');
    const all = el('p', 'hint js-all', 'You have ranked every candidate.');
    const status = el('p', 'visually-hidden');
    status.setAttribute('role', 'status');
    const toggle = button('secondary js-toggle', 'Type numbers instead');
    toggle.setAttribute('aria-pressed', 'false');
    const toggleMsg = el('p', 'error-msg js-toggle-msg');
    toggleMsg.id = `c-${id}-toggle-msg`;
    toggleMsg.hidden = true;
    box.append(head, none, ol, head2, ul, all);
    paper.before(toggle, toggleMsg, box);
    fs.appendChild(status);

    // one ranked and one unranked item per candidate, made once and moved
    for (const c of cands) {
      const extras = () => {
        const frag = document.createDocumentFragment();
        if (c.cats) frag.appendChild(el('span', 'cats', c.cats.textContent));
        if (c.withdrawn) frag.appendChild(el('p', 'withdrawn-note', c.note ? c.note.textContent : 'Withdrawn'));
        if (c.statement) {
          const d = c.statement.cloneNode(true);
          d.open = false;
          frag.appendChild(d);
        }
        return frag;
      };
      c.r = el('li', 'js-item');
      const rn = el('span', 'js-name', c.name);
      c.up = button('js-up', 'Up', `Move ${c.name} `);
      c.down = button('js-down', 'Down', `Move ${c.name} `);
      c.remove = button('secondary js-remove', 'Remove', '', ` ${c.name}`);
      const rb = el('span', 'js-buttons');
      rb.append(c.up, c.down, c.remove);
      c.r.append(rn, rb, extras());
      c.r.dataset.field = c.input.name;
      c.u = el('li', 'js-item');
      c.u.dataset.field = c.input.name;
      c.add = button('js-add', 'Add', '', ` ${c.name}`);
      c.u.append(el('span', 'js-name', c.name), c.add, extras());
      c.up.addEventListener('click', () => move(c, -1, c.up));
      c.down.addEventListener('click', () => move(c, 1, c.down));
      c.remove.addEventListener('click', () => remove(c));
      c.add.addEventListener('click', () => add(c));
      c.input.addEventListener('input', () => { if (numbers) { const r = read(); if (r.ok) { ranked = r.list; render(); } } });
    }

    // The fields' numbers as a ranking: ok when each is empty or 1..n and
    // no number is used twice (gaps are closed, as the server does).
    function read() {
      const seen = new Map();
      let ok = true;
      for (const c of cands) {
        const v = c.input.value.trim();
        if (v === '') continue;
        const k = /^[0-9]+$/.test(v) ? parseInt(v, 10) : 0;
        if (k < 1 || k > cands.length || seen.has(k)) ok = false;
        else seen.set(k, c);
      }
      const list = [...seen.keys()].sort((a, b) => a - b).map((k) => seen.get(k));
      return { ok, list };
    }

    function write() {
      for (const c of cands) {
        const i = ranked.indexOf(c);
        c.input.value = i < 0 ? '' : String(i + 1);
      }
    }

    function render() {
      for (const [i, c] of ranked.entries()) {
        ol.appendChild(c.r);
        c.up.setAttribute('aria-disabled', i === 0 ? 'true' : 'false');
        c.down.setAttribute('aria-disabled', i === ranked.length - 1 ? 'true' : 'false');
      }
      for (const c of cands) {
        if (ranked.includes(c)) c.u.remove();
        else { ul.appendChild(c.u); c.r.remove(); }
      }
      none.hidden = ranked.length > 0;
      all.hidden = ranked.length < cands.length;
      box.hidden = numbers;
      paper.hidden = !numbers;
      toggle.setAttribute('aria-pressed', numbers ? 'true' : 'false');
    }

    function say(text) {
      status.textContent = '';
      window.setTimeout(() => { status.textContent = text; }, 50);
    }

    function move(c, by, focus) {
      const i = ranked.indexOf(c);
      const j = i + by;
      if (i < 0 || j < 0 || j >= ranked.length) return; // aria-disabled
      ranked.splice(i, 1);
      ranked.splice(j, 0, c);
      write();
      render();
      focus.focus();
      say(`${c.name} moved to ${ordinal(j + 1)} of ${ranked.length}`);
    }

    function add(c) {
      if (ranked.includes(c)) return;
      const rest = cands.filter((x) => !ranked.includes(x));
      const at = rest.indexOf(c);
      const next = rest[at + 1] || rest[at - 1];
      ranked.push(c);
      write();
      render();
      (next ? next.add : head).focus();
      say(`${c.name} added as ${ordinal(ranked.length)} of ${ranked.length}`);
    }

    function remove(c) {
      const i = ranked.indexOf(c);
      if (i < 0) return;
      ranked.splice(i, 1);
      write();
      render();
      (ranked[i] ? ranked[i].remove : head).focus();
      say(`${c.name} removed; ${ranked.length} ranked`);
    }

    toggle.addEventListener('click', () => {
      if (!numbers) {
        numbers = true;
        toggleMsg.hidden = true;
        render();
        say('Number fields shown');
        return;
      }
      const r = read();
      if (!r.ok) {
        toggleMsg.textContent = 'Some numbers are not valid or are used twice: correct them first.';
        toggleMsg.hidden = false;
        toggle.setAttribute('aria-describedby', toggleMsg.id);
        say(toggleMsg.textContent);
        return;
      }
      toggleMsg.hidden = true;
      toggle.removeAttribute('aria-describedby');
      numbers = false;
      ranked = r.list;
      write();
      render();
      say(`Ranking buttons shown; ${ranked.length} ranked`);
    });

    // start from the fields (a "Change my vote" page fills them); a page
    // with errors here, or numbers the list cannot show, keeps the fields
    const r = read();
    numbers = !r.ok || fs.querySelector('[aria-invalid="true"]') !== null;
    ranked = r.ok ? r.list : [];
    if (!numbers) write();
    render();
  }
})();
