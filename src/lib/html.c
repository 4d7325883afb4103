/*
** html.c: escaping and number formatting for HTML (see html.h).
*/
#include <string.h>

#include "html.h"

static void escape(stvi_buf *b, const char *s, int attr) {
  const char *run = s;
  for (; *s; s++) {
    const char *rep = NULL;
    switch (*s) {
    case '&': rep = "&amp;"; break;
    case '<': rep = "&lt;"; break;
    case '>': rep = "&gt;"; break;
    case '"': rep = attr ? "&quot;" : NULL; break;
    case '\'': rep = attr ? "&#39;" : NULL; break;
    default:
      /* XML forbids C0 controls but tab, LF and CR: U+FFFD instead */
      if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
        rep = "\xef\xbf\xbd";
    }
    if (!rep) continue;
    stvi_buf_add(b, run, (size_t)(s - run));
    stvi_buf_puts(b, rep);
    run = s + 1;
  }
  stvi_buf_add(b, run, (size_t)(s - run));
}

void stvi_html_text(stvi_buf *b, const char *s) { escape(b, s ? s : "", 0); }
void stvi_html_attr(stvi_buf *b, const char *s) { escape(b, s ? s : "", 1); }

void stvi_html_votes(stvi_buf *b, int64_t v, int dp, int trim) {
  char tmp[48];
  const char *p = tmp, *point;
  size_t whole, i, end;
  fx_format(v, dp, tmp, sizeof(tmp));
  if (*p == '-') {
    stvi_buf_puts(b, "\xe2\x88\x92"); /* U+2212 minus sign */
    p++;
  }
  point = strchr(p, '.');
  whole = point ? (size_t)(point - p) : strlen(p);
  for (i = 0; i < whole; i++) {
    if (i && (whole - i) % 3 == 0) stvi_buf_puts(b, ",");
    stvi_buf_add(b, p + i, 1);
  }
  if (!point) return;
  end = strlen(point);
  if (trim) {
    while (end > 1 && point[end - 1] == '0') end--;
    if (end == 1) return;
  }
  stvi_buf_add(b, point, end);
}

int64_t stvi_pct10(int64_t x, int64_t t) {
  int ovf = 0;
  int64_t p;
  if (t <= 0 || x <= 0) return 0;
  p = fx_muldiv_floor(x, 2000, t, &ovf);
  return ovf ? 0 : (p + 1) / 2;
}

void stvi_html_pct(stvi_buf *b, int64_t x, int64_t t) {
  int64_t p = stvi_pct10(x, t);
  stvi_buf_printf(b, "%lld.%lld%%", (long long)(p / 10), (long long)(p % 10));
}
