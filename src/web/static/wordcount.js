// wordcount.js: live word count for every textarea[data-limit] (the
// candidate's statement).  Loaded with <script src defer>; no inline code,
// so the CSP's script-src 'self' is enough.  The count and the label are
// the same as src/web/words.c (words_count, words_label); both are tested
// against tests/web/words.txt.  Without JS the server writes the label.
'use strict';
(function () {
  // U+0009-U+000D, U+0020, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028,
  // U+2029, U+202F, U+205F, U+3000 (U+200B is not whitespace).
  const isSpace = (c) => (c >= 0x09 && c <= 0x0d) || c === 0x20 ||
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f ||
    c === 0x3000;
  const PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

  // A word: a maximal run of non-space code points holding at least one
  // character that is not ASCII punctuation.
  function words(text) {
    let n = 0;
    let word = false;
    for (const ch of text) {
      if (isSpace(ch.codePointAt(0))) {
        if (word) n++;
        word = false;
      } else if (!PUNCT.includes(ch)) {
        word = true;
      }
    }
    return word ? n + 1 : n;
  }

  function label(n, limit) {
    const unit = n === 1 ? 'word' : 'words';
    return n > limit ? `${n} ${unit}: over the limit of ${limit}`
      : `${n} ${unit} of ${limit}`;
  }

  // The server's cap in bytes of UTF-8 (data-maxbytes): past it the label
  // says so and the field refuses the submit with that message, before
  // the form could grow past the server's body cap.  (value holds LF for
  // each line break, as the server counts after turning CR LF into LF.)
  const enc = typeof TextEncoder === 'function' ? new TextEncoder() : null;
  const bytesOver = (ta) => {
    const max = parseInt(ta.dataset.maxbytes, 10);
    if (!enc || !(max > 0)) return '';
    const n = enc.encode(ta.value).length;
    return n > max ? `too long: ${n} bytes, the limit is ${max}` : '';
  };

  window.husWords = words;
  for (const ta of document.querySelectorAll('textarea[data-limit]')) {
    const out = ta.id && document.getElementById(ta.id + '-wc');
    const limit = parseInt(ta.dataset.limit, 10);
    if (!out || !(limit >= 0)) continue;
    const update = () => {
      const n = words(ta.value);
      const big = bytesOver(ta);
      out.textContent = big ? `${label(n, limit)}; ${big}` : label(n, limit);
      out.classList.toggle('over', n > limit || big !== '');
      if (ta.setCustomValidity) ta.setCustomValidity(big ? `Your statement is ${big}.` : '');
    };
    ta.addEventListener('input', update);
    update();
  }
})();
