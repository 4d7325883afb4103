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
//
// Drag is an extra (the buttons are the way that needs no pointer, WCAG
// 2.2 SC 2.5.7): each ranked item has an aria-hidden grip that pointer
// events (mouse, pen, touch: touch-action none on the grip only) drag up
// or down the ranking.  While dragging, a line shows where the item would
// go (a class: box-shadow, so nothing moves); letting go calls the same
// moveTo as Up and Down, so the fields, the announcement and the focus (on
// the moved item's Up button) are the same.  Escape or a cancelled
// pointer ends the drag with nothing changed.  Unranked candidates have no
// grip: their Add button ranks them.
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
      c.grip = el('span', 'js-grip');
      c.grip.setAttribute('aria-hidden', 'true');
      c.grip.title = `Drag to move ${c.name}`;
      c.r.append(c.grip, rn, rb, extras());
      c.r.dataset.field = c.input.name;
      c.u = el('li', 'js-item');
      c.u.dataset.field = c.input.name;
      c.add = button('js-add', 'Add', '', ` ${c.name}`);
      c.u.append(el('span', 'js-name', c.name), c.add, extras());
      c.up.addEventListener('click', () => moveTo(c, ranked.indexOf(c) - 1, c.up));
      c.down.addEventListener('click', () => moveTo(c, ranked.indexOf(c) + 1, c.down));
      grip(c);
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

    // c to place j (0 = first), focus on focus: Up, Down and drag
    function moveTo(c, j, focus) {
      const i = ranked.indexOf(c);
      if (i < 0 || j < 0 || j >= ranked.length) return; // aria-disabled
      ranked.splice(i, 1);
      ranked.splice(j, 0, c);
      write();
      render();
      focus.focus();
      say(`${c.name} moved to ${ordinal(j + 1)} of ${ranked.length}`);
    }

    // ---- drag: drag is null, or {c, id (pointer), x0, y0, y, on (moved
    // past 5 px), at (the place it would drop at, or null), raf}
    let drag = null;

    // the place among the other ranked items above whose middle y is
    function place(y) {
      const rest = ranked.filter((x) => x !== drag.c);
      for (const [k, x] of rest.entries()) {
        const b = x.r.getBoundingClientRect();
        if (y < b.top + b.height / 2) return k;
      }
      return rest.length;
    }

    // mark where the item would go: a line before or after a neighbour
    function over() {
      const i = ranked.indexOf(drag.c);
      const j = place(drag.y);
      const rest = ranked.filter((x) => x !== drag.c);
      drag.at = j === i ? null : j;
      for (const x of rest) {
        x.r.classList.toggle('js-drop-before', drag.at !== null && x === rest[j]);
        x.r.classList.toggle('js-drop-after', drag.at !== null && j === rest.length && x === rest[j - 1]);
      }
    }

    // near the top or bottom of the window, scroll (touch cannot, here)
    function edge() {
      if (!drag) return;
      const by = drag.y < 48 ? -12 : drag.y > window.innerHeight - 48 ? 12 : 0;
      if (by) {
        window.scrollBy(0, by);
        over();
      }
      drag.raf = window.requestAnimationFrame(edge);
    }

    function stop() {
      if (!drag) return;
      const c = drag.c;
      if (drag.raf) window.cancelAnimationFrame(drag.raf);
      if (c.grip.hasPointerCapture(drag.id)) c.grip.releasePointerCapture(drag.id);
      drag = null;
      ol.classList.remove('js-drag-on');
      for (const x of cands) x.r.classList.remove('js-dragging', 'js-drop-before', 'js-drop-after');
    }

    function grip(c) {
      const g = c.grip;
      g.addEventListener('pointerdown', (e) => {
        if (drag || !e.isPrimary || e.button !== 0 || !ranked.includes(c)) return;
        e.preventDefault(); // no text selection, no focus change
        g.setPointerCapture(e.pointerId);
        drag = { c, id: e.pointerId, x0: e.clientX, y0: e.clientY, y: e.clientY, on: false, at: null, raf: 0 };
      });
      g.addEventListener('pointermove', (e) => {
        if (!drag || drag.c !== c || e.pointerId !== drag.id) return;
        drag.y = e.clientY;
        if (!drag.on) {
          if (Math.abs(e.clientX - drag.x0) + Math.abs(e.clientY - drag.y0) < 5) return;
          drag.on = true;
          c.r.classList.add('js-dragging');
          ol.classList.add('js-drag-on');
          drag.raf = window.requestAnimationFrame(edge);
        }
        over();
      });
      g.addEventListener('pointerup', (e) => {
        if (!drag || drag.c !== c || e.pointerId !== drag.id) return;
        const j = drag.on ? drag.at : null;
        stop();
        if (j !== null) moveTo(c, j, c.up);
      });
      g.addEventListener('pointercancel', stop);
      g.addEventListener('lostpointercapture', stop);
      g.addEventListener('contextmenu', (e) => e.preventDefault()); // a long touch
    }
    document.addEventListener('keydown', (e) => {
      if (drag && e.key === 'Escape') {
        e.preventDefault();
        stop();
      }
    });

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
