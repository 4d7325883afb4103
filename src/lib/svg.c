/*
** svg.c: the votes-by-stage line chart and the Sankey of flows, as inline
** SVG in integer tenths of a unit (see svg.h and docs/design/report.md §3).
**
** Both writers work the same way: lay the chart out in tenths from the
** stage record, then append the element in one pass.  Scratch memory is
** per call and freed before returning; the output goes only to the
** caller's capped buffer.  No floating point: widths of text are estimated
** from per-character advances in thousandths of an em.
*/
#include <stdlib.h>
#include <string.h>

#include "flows.h"
#include "html.h"
#include "svg.h"

#define U(x) ((int64_t)(x) * 10) /* user units to tenths */
#define HATCH 8

/* Okabe-Ito (report.md §4): the four hues that reach 3:1 on white carry
** lines and elected candidates; the light ones are fills with a dark
** outline only.  The last light one is a neutral grey. */
static const char *const strong[4] = {"#0072B2", "#D55E00", "#009E73",
                                      "#CC79A7"};
static const char *const light[4] = {"#E69F00", "#56B4E9", "#F0E442",
                                     "#BBBBBB"};
static const char *const dashes[3] = {"", "9 4", "2 3"};

#define FONT "system-ui,-apple-system,Segoe UI,Roboto,Noto Sans," \
             "Liberation Sans,Arial,sans-serif"

/* ---- numbers and text ------------------------------------------------ */

void stvi_svg_num(stvi_buf *b, int64_t t) {
  char tmp[24];
  size_t i = sizeof(tmp);
  uint64_t u = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
  unsigned frac = (unsigned)(u % 10);
  u /= 10;
  if (frac) {
    tmp[--i] = (char)('0' + frac);
    tmp[--i] = '.';
  }
  do {
    tmp[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (t < 0) tmp[--i] = '-';
  stvi_buf_add(b, tmp + i, sizeof(tmp) - i);
}

int64_t stvi_svg_scale(int64_t v, int64_t V, int64_t L) {
  int ovf = 0;
  if (V <= 0 || L <= 0 || v <= 0) return 0;
  if (v > V) v = V;
  return fx_muldiv_floor(v, L, V, &ovf);
}

/* "x,y" */
static void put_xy(stvi_buf *b, int64_t x, int64_t y) {
  stvi_svg_num(b, x);
  stvi_buf_add(b, ",", 1);
  stvi_svg_num(b, y);
}

/* A space, a name and "=", then a quoted number. */
static void put_attr(stvi_buf *b, const char *name, int64_t t) {
  stvi_buf_add(b, " ", 1);
  stvi_buf_puts(b, name);
  stvi_buf_add(b, "=\"", 2);
  stvi_svg_num(b, t);
  stvi_buf_add(b, "\"", 1);
}

/* Outside text (names, actions) goes through the page's one escaper,
** stvi_html_text; a name cut to fit is copied first. */
static void put_text(stvi_buf *b, const char *s, size_t n) {
  char tmp[STV_MAX_NAME + 1];
  if (s[n] == '\0') {
    stvi_html_text(b, s);
    return;
  }
  if (n > STV_MAX_NAME) n = STV_MAX_NAME;
  while (n && ((unsigned char)s[n] & 0xC0) == 0x80) n--; /* whole chars */
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  stvi_html_text(b, tmp);
}

static const char *cand_name(const stv_result *r, int c) {
  return r->names && r->names[c] ? r->names[c] : "?";
}

/* v (dp decimals) as the page writes it, "1,204.5": trailing zeros
** dropped, and at most keep decimals (cut, not rounded). */
static void put_votes(stvi_buf *b, int64_t v, int dp, int keep) {
  if (keep < dp) {
    v = fx_rescale(v, dp, keep);
    dp = keep;
  }
  stvi_html_votes(b, v, dp, 1);
}

/* Advance of the character at s, in thousandths of an em (measured on
** DejaVu Sans, the widest common system sans-serif, rounded up), and its
** length in bytes. */
static int char_w(const unsigned char *s, int *len) {
  unsigned char c = s[0];
  int n = 1;
  if (c >= 0x80) {
    while (n < 4 && (s[n] & 0xC0) == 0x80) n++;
    *len = n;
    return 680;
  }
  *len = 1;
  if (c >= 'A' && c <= 'Z')
    return c == 'I' ? 320 : (c == 'M' || c == 'W') ? 900 : 720;
  if (c >= 'a' && c <= 'z')
    return (c == 'i' || c == 'l' || c == 'j') ? 290
           : (c == 'm' || c == 'w') ? 900 : 600;
  if (c >= '0' && c <= '9') return 640;
  if (c == ' ') return 320;
  return 420;
}

/* Width of s[0..n) in tenths of a unit at font size fs units; bold text
** is an eighth wider. */
static int64_t text_w(const char *s, size_t n, int fs, int bold) {
  int64_t em = 0;
  size_t i = 0;
  while (i < n && s[i]) {
    int len;
    em += char_w((const unsigned char *)s + i, &len);
    i += (size_t)len;
  }
  if (bold) em += em / 8;
  return em * fs / 100;
}

/* The name, cut with "…" to fit maxw tenths at font size fs. */
static void put_name_fit(stvi_buf *b, const char *s, int64_t maxw, int fs,
                         int bold) {
  size_t n = strlen(s), i = 0;
  int64_t w = 0, ell = U(fs); /* "…" is about an em */
  if (text_w(s, n, fs, bold) <= maxw) {
    put_text(b, s, n);
    return;
  }
  while (i < n) {
    int len;
    int64_t cw = char_w((const unsigned char *)s + i, &len) * (int64_t)fs;
    cw /= 100;
    if (bold) cw += cw / 8;
    if (w + cw + ell > maxw) break;
    w += cw;
    i += (size_t)len;
  }
  put_text(b, s, i);
  stvi_buf_puts(b, "\xE2\x80\xA6");
}

static int idp_ok(const char *p) {
  size_t i, n = p ? strlen(p) : 0;
  if (n == 0 || n > 32) return 0;
  if (!((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z')))
    return 0;
  for (i = 1; i < n; i++) {
    char c = p[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return 0;
  }
  return 1;
}

/* ' class="P-x"' */
static void put_class(stvi_buf *b, const char *p, const char *cls) {
  stvi_buf_printf(b, " class=\"%s-%s\"", p, cls);
}

/* Undoes a failed writer's output (the buffer keeps what it had). */
static stv_status undo(stvi_buf *b, size_t start, stv_status st) {
  if (!b->failed && b->data && b->len > start) {
    b->len = start;
    b->data[start] = '\0';
  }
  return st;
}

/* The opening <svg> tag: size, the scaling limits, font and text colour. */
static void open_svg(stvi_buf *b, const char *p, int64_t w, int64_t h) {
  int64_t wu = w / 10;
  stvi_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
                  "aria-labelledby=\"%s-t %s-d\" viewBox=\"0 0 ",
                  p, p);
  stvi_svg_num(b, w);
  stvi_buf_add(b, " ", 1);
  stvi_svg_num(b, h);
  stvi_buf_printf(b,
                  "\" width=\"100%%\" style=\"min-width:%lldpx;"
                  "max-width:%lldpx\" font-family=\"" FONT "\" "
                  "font-size=\"12\" fill=\"#1A1A1A\">",
                  (long long)(wu * 4 / 5), (long long)(wu * 5 / 4));
}

/* Position in the order of election (0-based) per candidate, or -1. */
static void elected_index(const stv_result *r, int *ei) {
  int i;
  for (i = 0; i < r->ncand; i++) ei[i] = -1;
  for (i = 0; i < r->nelected; i++) {
    int c = r->elected[i] - 1;
    if (c >= 0 && c < r->ncand && ei[c] < 0) ei[c] = i;
  }
}

static int withdrawn(const stv_result *r, int c) {
  return r->status && r->status[c] == STVI_WITHDRAWN;
}

static int has_quota(const stv_result *r) {
  int s;
  for (s = 0; s < r->nstages; s++)
    if (r->stages[s].quota > 0) return 1;
  return 0;
}

/* Labels: the wanted centre y, a key for equal ys, and who. */
typedef struct label {
  int64_t y, want;
  int key, who;
} label;

static int label_cmp(const void *a, const void *b) {
  const label *x = a, *y = b;
  if (x->want != y->want) return x->want < y->want ? -1 : 1;
  return x->key - y->key;
}

/* Sorts the labels by wanted y and moves them at least gap apart, inside
** [lo, hi] when they fit: one sweep down, then one up from hi. */
static void spread(label *l, int n, int64_t gap, int64_t lo, int64_t hi) {
  int i;
  if (n <= 0) return;
  qsort(l, (size_t)n, sizeof(label), label_cmp);
  for (i = 0; i < n; i++) {
    l[i].y = l[i].want < lo ? lo : l[i].want;
    if (i && l[i].y < l[i - 1].y + gap) l[i].y = l[i - 1].y + gap;
  }
  if (l[n - 1].y > hi) {
    l[n - 1].y = hi;
    for (i = n - 2; i >= 0; i--)
      if (l[i].y > l[i + 1].y - gap) l[i].y = l[i + 1].y - gap;
  }
}

/* The smallest step of 1, 2 or 5 times a power of ten (at least one vote)
** that covers m in at most maxticks steps. */
static int64_t nice_step(int64_t m, int64_t one, int maxticks) {
  static const int mult[3] = {1, 2, 5};
  int64_t p = one;
  for (;;) {
    int k;
    for (k = 0; k < 3; k++) {
      int64_t step = mult[k] * p;
      if ((m + step - 1) / step <= maxticks) return step;
    }
    if (p > INT64_MAX / 100) return 5 * p;
    p *= 10;
  }
}

/* 1, 2, 5, 10, 20, 50, ...: how many stages apart the labels are. */
static int next_every(int e) {
  int p = 1;
  while (p <= e / 10) p *= 10;
  return e / p == 1 ? 2 * p : e / p == 2 ? 5 * p : 10 * p;
}

/* ---- A. votes by stage ------------------------------------------------ */

typedef struct vlayout {
  int ns;
  int64_t x0, y0, pw, ph; /* plot area, tenths */
  int64_t vmax;           /* votes at the top of the plot */
} vlayout;

static int64_t vx(const vlayout *L, int s) {
  if (L->ns <= 1) return L->x0 + (s ? L->pw : 0);
  return L->x0 + stvi_svg_scale(s, L->ns - 1, L->pw);
}

static int64_t vy(const vlayout *L, int64_t v) {
  return L->y0 + L->ph - stvi_svg_scale(v, L->vmax, L->ph);
}

/* The last stage (0-based) drawn for candidate c: the end of the count, or
** for an excluded candidate the stage its votes are gone (its exclusion,
** or the last of the sub-stages that move its parcels). */
static int last_stage(const stv_result *r, int c, int ex_at) {
  int s;
  if (ex_at < 0) return r->nstages - 1;
  for (s = ex_at; s < r->nstages - 1 && r->stages[s].votes[c] > 0; s++) {}
  return s;
}

static void votes_style(stvi_buf *b, const char *p, int nel) {
  int i;
  stvi_buf_printf(b,
                  "<style>.%s-g{stroke:#DDDDDD}.%s-k{stroke:#595959}"
                  ".%s-a{fill:#595959}.%s-r{text-anchor:end}"
                  ".%s-m{text-anchor:middle}.%s-b{font-weight:bold}"
                  ".%s-h{paint-order:stroke;stroke:#fff;stroke-width:3px;"
                  "stroke-linejoin:round}.%s-n{font-size:13px}"
                  ".%s-o{fill:none;stroke:#767676;stroke-width:1.2}"
                  ".%s-q{fill:none;stroke:#000;stroke-width:1.5;"
                  "stroke-dasharray:8 4}",
                  p, p, p, p, p, p, p, p, p, p);
  for (i = 0; i < nel && i < 12; i++) {
    stvi_buf_printf(b, ".%s-e%d{fill:none;stroke:%s;stroke-width:2.5", p, i,
                    strong[i % 4]);
    if (i / 4)
      stvi_buf_printf(b, ";stroke-dasharray:%s", dashes[i / 4]);
    stvi_buf_puts(b, "}");
  }
  stvi_buf_puts(b, "</style>");
}

/* Markers: circle, square, triangle, diamond in the four strong hues with
** a white rim, and the cross that ends an excluded candidate's line. */
static void votes_markers(stvi_buf *b, const char *p) {
  static const char *const shape[4] = {
      "<circle id=\"%s-m0\" r=\"3.6\"",
      "<rect id=\"%s-m1\" x=\"-3.2\" y=\"-3.2\" width=\"6.4\" "
      "height=\"6.4\"",
      "<path id=\"%s-m2\" d=\"M0-4.4L4 3H-4Z\"",
      "<path id=\"%s-m3\" d=\"M0-4.6L4.6 0 0 4.6-4.6 0Z\""};
  int i;
  stvi_buf_puts(b, "<defs>");
  for (i = 0; i < 4; i++) {
    stvi_buf_printf(b, shape[i], p);
    stvi_buf_printf(b, " fill=\"%s\" stroke=\"#fff\"/>", strong[i]);
  }
  stvi_buf_printf(b,
                  "<path id=\"%s-x\" d=\"M-3.5-3.5L3.5 3.5M-3.5 3.5L3.5-3.5\" "
                  "fill=\"none\" stroke=\"#1A1A1A\" stroke-width=\"1.6\"/>"
                  "</defs>",
                  p);
}

/* A marker (<use> of a shape in <defs>: no url() reference needed). */
static void put_mark(stvi_buf *b, const char *p, const char *id, int64_t x,
                     int64_t y) {
  stvi_buf_printf(b, "<use href=\"#%s-%s\"", p, id);
  put_attr(b, "x", x);
  put_attr(b, "y", y);
  stvi_buf_puts(b, "/>");
}

/* " Elected, in order: A (stage 1), B and C." for a chart's <desc>;
** stages only when el_at (per candidate, -1 if none) is given. */
static void elected_in_order(stvi_buf *b, const stv_result *r,
                             const int *el_at) {
  int i;
  if (r->nelected <= 0) return;
  stvi_buf_puts(b, " Elected, in order: ");
  for (i = 0; i < r->nelected; i++) {
    int c = r->elected[i] - 1;
    if (c < 0 || c >= r->ncand) continue;
    if (i) stvi_buf_puts(b, i == r->nelected - 1 ? " and " : ", ");
    put_text(b, cand_name(r, c), strlen(cand_name(r, c)));
    if (el_at && el_at[c] >= 0) stvi_buf_printf(b, " (stage %d)", el_at[c] + 1);
  }
  stvi_buf_puts(b, ".");
}

static void votes_desc(stvi_buf *b, const stv_result *r, const int *el_at,
                       int nshown) {
  int64_t q0 = r->stages[0].quota, q1 = r->stages[r->nstages - 1].quota;
  stvi_buf_printf(b, "Line chart of the votes of %d candidate%s at each of "
                     "%d stage%s",
                  nshown, nshown == 1 ? "" : "s", r->nstages,
                  r->nstages == 1 ? "" : "s");
  if (has_quota(r)) {
    stvi_buf_puts(b, ", with the quota as a dashed black line (");
    put_votes(b, q0, r->dp, r->dp);
    if (q1 != q0) {
      stvi_buf_puts(b, " at stage 1, ");
      put_votes(b, q1, r->dp, r->dp);
      stvi_buf_printf(b, " at stage %d", r->nstages);
    }
    stvi_buf_puts(b, ")");
  }
  stvi_buf_puts(b, ".");
  elected_in_order(b, r, el_at);
  stvi_buf_puts(b, " Elected candidates have coloured lines, each with its "
                   "own dash pattern and marker; the others are thin grey "
                   "lines, and the line of an excluded candidate ends with a "
                   "cross.");
}

/* Candidate c's line, with its <title>: k-th elected (-1 if not), elected
** at stage el, excluded at stage ex (-1 if not). */
static void votes_line(stvi_buf *b, const char *p, const stv_result *r,
                       const vlayout *L, int c, int k, int el, int ex) {
  int s, last = last_stage(r, c, ex), ns = r->nstages;
  int64_t sp = ns > 1 ? L->pw / (ns - 1) : L->pw;
  const char *nm = cand_name(r, c);
  char id[4];
  stvi_buf_puts(b, "<polyline");
  if (k >= 0)
    stvi_buf_printf(b, " class=\"%s-e%d\"", p, k % 12);
  else
    put_class(b, p, "o");
  stvi_buf_puts(b, " points=\"");
  for (s = 0; s <= last; s++) {
    if (s) stvi_buf_add(b, " ", 1);
    put_xy(b, vx(L, s), vy(L, r->stages[s].votes[c]));
  }
  if (ns == 1) {
    stvi_buf_add(b, " ", 1);
    put_xy(b, vx(L, 1), vy(L, r->stages[0].votes[c]));
  }
  stvi_buf_puts(b, "\"><title>");
  put_text(b, nm, strlen(nm));
  stvi_buf_puts(b, ": first preferences ");
  put_votes(b, r->stages[0].votes[c], r->dp, r->dp);
  if (k >= 0 && el >= 0) {
    stvi_buf_printf(b, "; elected at stage %d", el + 1);
  } else if (ex >= 0) {
    stvi_buf_printf(b, "; excluded at stage %d with ", ex + 1);
    put_votes(b, r->stages[ex > 0 ? ex - 1 : 0].votes[c], r->dp, r->dp);
  } else if (k < 0) {
    stvi_buf_puts(b, "; ");
    put_votes(b, r->stages[ns - 1].votes[c], r->dp, r->dp);
    stvi_buf_puts(b, " at the end, not elected");
  }
  stvi_buf_puts(b, "</title></polyline>");
  /* markers: the elected's shape at every stage (at the ends only when
  ** the stages are close together), a cross where an exclusion ends */
  if (k >= 0) {
    id[0] = 'm', id[1] = (char)('0' + k % 4), id[2] = '\0';
    for (s = 0; s <= last; s++)
      if (s == 0 || s == last || sp >= U(12))
        put_mark(b, p, id, vx(L, s), vy(L, r->stages[s].votes[c]));
    if (ns == 1) put_mark(b, p, id, vx(L, 1), vy(L, r->stages[0].votes[c]));
  } else if (ex >= 0) {
    put_mark(b, p, "x", vx(L, last), vy(L, r->stages[last].votes[c]));
  }
}

/* The quota: a dashed black path through every stage, named at the left.
** (Counts without one, the block vote, have none.) */
static void votes_quota(stvi_buf *b, const char *p, const stv_result *r,
                        const vlayout *L) {
  int s, ns = r->nstages;
  stvi_buf_puts(b, "<path");
  put_class(b, p, "q");
  stvi_buf_puts(b, " d=\"M");
  for (s = 0; s < ns; s++) {
    if (s) stvi_buf_add(b, "L", 1);
    stvi_svg_num(b, vx(L, s));
    stvi_buf_add(b, " ", 1);
    stvi_svg_num(b, vy(L, r->stages[s].quota));
  }
  if (ns == 1) {
    stvi_buf_add(b, "L", 1);
    stvi_svg_num(b, vx(L, 1));
    stvi_buf_add(b, " ", 1);
    stvi_svg_num(b, vy(L, r->stages[0].quota));
  }
  stvi_buf_puts(b, "\"><title>Quota: ");
  put_votes(b, r->stages[0].quota, r->dp, r->dp);
  if (r->stages[ns - 1].quota != r->stages[0].quota) {
    stvi_buf_puts(b, " at stage 1, ");
    put_votes(b, r->stages[ns - 1].quota, r->dp, r->dp);
    stvi_buf_printf(b, " at stage %d", ns);
  }
  stvi_buf_puts(b, "</title></path><text");
  stvi_buf_printf(b, " class=\"%s-h\"", p);
  put_attr(b, "x", L->x0 + U(6));
  put_attr(b, "y", vy(L, r->stages[0].quota) - U(5));
  stvi_buf_puts(b, ">Quota ");
  put_votes(b, r->stages[0].quota, r->dp, 2);
  stvi_buf_puts(b, "</text>");
}

/* Gridlines every step with their values, the axes, stage numbers (every
** stage, or every 2nd, 5th, 10th... when they are close) and the names of
** the axes. */
static void votes_axes(stvi_buf *b, const char *p, const stv_result *r,
                       const vlayout *L, int64_t step) {
  int i, s, every, ns = r->nstages;
  int64_t sp;
  for (i = 0; (int64_t)i * step <= L->vmax; i++) {
    int64_t y = vy(L, (int64_t)i * step);
    stvi_buf_puts(b, "<line");
    put_class(b, p, i ? "g" : "k");
    put_attr(b, "x1", L->x0);
    put_attr(b, "x2", L->x0 + L->pw);
    put_attr(b, "y1", y);
    put_attr(b, "y2", y);
    stvi_buf_puts(b, "/><text");
    stvi_buf_printf(b, " class=\"%s-a %s-r\"", p, p);
    put_attr(b, "x", L->x0 - U(8));
    put_attr(b, "y", y + U(4));
    stvi_buf_puts(b, ">");
    put_votes(b, (int64_t)i * step, r->dp, 0);
    stvi_buf_puts(b, "</text>");
  }
  stvi_buf_puts(b, "<line");
  put_class(b, p, "k");
  put_attr(b, "x1", L->x0);
  put_attr(b, "x2", L->x0);
  put_attr(b, "y1", L->y0);
  put_attr(b, "y2", L->y0 + L->ph);
  stvi_buf_puts(b, "/>");
  sp = ns > 1 ? L->pw / (ns - 1) : L->pw;
  for (every = 1; (int64_t)every * sp < U(22);) every = next_every(every);
  for (s = 0; s < ns; s++) {
    if (s && (s + 1) % every) continue;
    stvi_buf_puts(b, "<text");
    stvi_buf_printf(b, " class=\"%s-a %s-m\"", p, p);
    put_attr(b, "x", ns == 1 ? L->x0 + L->pw / 2 : vx(L, s));
    put_attr(b, "y", L->y0 + L->ph + U(17));
    stvi_buf_printf(b, ">%d</text>", s + 1);
  }
  stvi_buf_printf(b, "<text class=\"%s-a %s-m\"", p, p);
  put_attr(b, "x", L->x0 + L->pw / 2);
  put_attr(b, "y", L->y0 + L->ph + U(36));
  stvi_buf_printf(b, ">Stage</text><text class=\"%s-a %s-r\"", p, p);
  put_attr(b, "x", L->x0 - U(8));
  put_attr(b, "y", L->y0 - U(12));
  stvi_buf_puts(b, ">Votes</text>");

}

stv_status stvi_svg_votes(stvi_buf *b, const stv_result *r, const char *p) {
  int n = r->ncand, ns = r->nstages, c, s, i, nlab = 0, nshown = 0;
  int *el_at, *ex_at, *ei;
  label *lab;
  int64_t m = 0, one, step, maxw = 0, ml, mr, w, h;
  vlayout L;

  if (!idp_ok(p)) return STV_EINVAL;
  if (ns <= 0) {
    open_svg(b, p, U(300), U(40));
    stvi_buf_printf(b, "<title id=\"%s-t\">Votes at each stage</title>"
                       "<desc id=\"%s-d\">The count has no stages.</desc>"
                       "</svg>", p, p);
    return STV_OK;
  }
  el_at = stvi_alloc_array((size_t)n + 1, sizeof(int));
  ex_at = stvi_alloc_array((size_t)n + 1, sizeof(int));
  ei = stvi_alloc_array((size_t)n + 1, sizeof(int));
  lab = stvi_alloc_array((size_t)n + 1, sizeof(label));
  if (!el_at || !ex_at || !ei || !lab) {
    stvi_free(el_at), stvi_free(ex_at), stvi_free(ei), stvi_free(lab);
    return STV_ENOMEM;
  }
  stvi_event_stages(r, el_at, ex_at);
  elected_index(r, ei);

  /* the scale: the largest total or quota, up to a round step */
  one = fx_pow10(r->dp);
  for (s = 0; s < ns; s++) {
    const stvi_stage *st = &r->stages[s];
    if (st->quota > m) m = st->quota;
    for (c = 0; c < n; c++)
      if (!withdrawn(r, c) && st->votes[c] > m) m = st->votes[c];
  }
  step = nice_step(m, one, 6);
  L.vmax = m > 0 ? step * ((m + step - 1) / step) : step;

  /* who is named at the right-hand end, and how wide the names are */
  for (c = 0; c < n; c++) {
    if (withdrawn(r, c)) continue;
    nshown++;
    if (r->status[c] == STVI_EXCLUDED) continue;
    {
      const char *nm = cand_name(r, c);
      int64_t tw = text_w(nm, strlen(nm), 13, ei[c] >= 0) +
                   (ei[c] >= 0 ? U(14) : 0);
      if (tw > maxw) maxw = tw;
    }
    lab[nlab].who = c;
    lab[nlab].key = ei[c] >= 0 ? ei[c] : n + c;
    nlab++;
  }
  if (maxw > U(360)) maxw = U(360);

  L.ns = ns;
  /* 24 units a stage (at least 600), 6 beyond the 50th */
  if (ns <= 50)
    L.pw = ns * 24 > 600 ? U(ns * 24) : U(600);
  else
    L.pw = U(1200 + 6 * (ns - 50));
  L.ph = nlab * 15 > 300 ? U(nlab * 15) : U(300);
  {
    /* room for the widest value, "12,000": digits and separators */
    int64_t v = L.vmax / one, digits = 1;
    while (v >= 10) v /= 10, digits++;
    ml = U(18) + (digits * 640 + (digits - 1) / 3 * 420) * 12 / 100;
  }
  if (ml < U(50)) ml = U(50);
  mr = nlab ? U(34) + maxw + U(8) : U(20);
  if (mr < U(60)) mr = U(60);
  L.x0 = ml;
  L.y0 = U(28);
  w = ml + L.pw + mr;
  h = L.y0 + L.ph + U(44);

  open_svg(b, p, w, h);
  stvi_buf_printf(b, "<title id=\"%s-t\">Votes of each candidate at each "
                     "stage</title><desc id=\"%s-d\">", p, p);
  votes_desc(b, r, el_at, nshown);
  stvi_buf_puts(b, "</desc>");
  votes_style(b, p, r->nelected);
  votes_markers(b, p);

  votes_axes(b, p, r, &L, step);

  /* one line per candidate: the others first, the elected on top, the
  ** first elected last */
  for (c = 0; c < n; c++)
    if (!withdrawn(r, c) && ei[c] < 0)
      votes_line(b, p, r, &L, c, -1, el_at[c], ex_at[c]);
  for (i = r->nelected - 1; i >= 0; i--) {
    c = r->elected[i] - 1;
    if (c >= 0 && c < n && ei[c] == i && !withdrawn(r, c))
      votes_line(b, p, r, &L, c, i, el_at[c], ex_at[c]);
  }

  if (has_quota(r)) votes_quota(b, p, r, &L);

  /* names at the right-hand end, pushed apart, each after a sample of
  ** its line */
  for (i = 0; i < nlab; i++)
    lab[i].want = vy(&L, r->stages[ns - 1].votes[lab[i].who]);
  spread(lab, nlab, U(15), L.y0, L.y0 + L.ph);
  for (i = 0; i < nlab; i++) {
    int64_t xe = L.x0 + L.pw;
    const char *nm;
    c = lab[i].who;
    nm = cand_name(r, c);
    stvi_buf_puts(b, "<line");
    put_class(b, p, "k");
    put_attr(b, "x1", xe + U(3));
    put_attr(b, "y1", lab[i].want);
    put_attr(b, "x2", xe + U(12));
    put_attr(b, "y2", lab[i].y);
    stvi_buf_puts(b, "/><line");
    if (ei[c] >= 0)
      stvi_buf_printf(b, " class=\"%s-e%d\"", p, ei[c] % 12);
    else
      put_class(b, p, "o");
    put_attr(b, "x1", xe + U(12));
    put_attr(b, "y1", lab[i].y);
    put_attr(b, "x2", xe + U(26));
    put_attr(b, "y2", lab[i].y);
    stvi_buf_puts(b, "/>");
    if (ei[c] >= 0) {
      char id[3] = {'m', (char)('0' + ei[c] % 4), '\0'};
      put_mark(b, p, id, xe + U(26), lab[i].y);
    }
    stvi_buf_puts(b, "<text");
    if (ei[c] >= 0)
      stvi_buf_printf(b, " class=\"%s-n %s-b\"", p, p);
    else
      put_class(b, p, "n");
    put_attr(b, "x", xe + U(34));
    put_attr(b, "y", lab[i].y + 45);
    stvi_buf_puts(b, ">");
    if (ei[c] >= 0) stvi_buf_puts(b, "\xE2\x9C\x93 ");
    put_name_fit(b, nm, maxw - (ei[c] >= 0 ? U(14) : 0), 13, ei[c] >= 0);
    stvi_buf_puts(b, "</text>");
  }
  stvi_buf_puts(b, "</svg>");

  stvi_free(el_at), stvi_free(ex_at), stvi_free(ei), stvi_free(lab);
  return b->failed ? STV_ENOMEM : STV_OK;
}

/* ---- B. flows (Sankey) ------------------------------------------------ */

#define NW U(14)  /* node width */
#define GAP U(4)  /* between the nodes of a column */

typedef struct sankey {
  const stv_result *r;
  const char *p;
  int n, N;       /* candidates; nodes: candidates, NT, LOSS */
  int K;          /* columns */
  int *cend;      /* K: last stage of each column (0-based) */
  int *cfirst;    /* K: its first stage */
  int *order;     /* nodes in display order, withdrawn left out */
  int norder;
  int *rank;      /* N: display position, -1 if never drawn */
  int *col;       /* N: colour class */
  int *el;        /* N: position in the order of election, or -1 */
  int64_t *base;  /* K*N: top of the node's slot in tenths, -1: absent */
  int64_t *cum;   /* K*N: votes above the node in its column */
  int64_t V;      /* the largest column total */
  int64_t ph;     /* the height V spans */
  int64_t top;    /* y of the top of the columns */
  int64_t ml, g;  /* left margin; gap between columns */
} sankey;

/* What node shows at the end of stage s (never negative). */
static int64_t node_val(const stv_result *r, int s, int node) {
  const stvi_stage *st = &r->stages[s];
  int64_t v;
  if (node < r->ncand) v = st->votes[node];
  else if (node == STVI_NODE_NT(r->ncand)) v = st->exhausted;
  else v = st->loss;
  return v > 0 ? v : 0;
}

static int64_t sk_x(const sankey *k, int j) { return k->ml + j * (NW + k->g); }

/* y of the point off votes into node's bar in column j. */
static int64_t sk_y(const sankey *k, int j, int node, int64_t off) {
  size_t i = (size_t)j * (size_t)k->N + (size_t)node;
  return k->base[i] + stvi_svg_scale(k->cum[i] + off, k->V, k->ph);
}

static int sk_val(const sankey *k, int j, int node) {
  return k->base[(size_t)j * (size_t)k->N + (size_t)node] >= 0;
}

typedef struct okey {
  int64_t v;
  int c;
} okey;

static int okey_cmp(const void *a, const void *b) {
  const okey *x = a, *y = b;
  if (x->v != y->v) return x->v > y->v ? -1 : 1;
  return x->c - y->c;
}

/* Node order (report.md §3B): the elected in order of election, the others
** by first preferences (most first; ties: lower number), then NT, LOSS. */
static stv_status sk_order(sankey *k) {
  const stv_result *r = k->r;
  int i, c, m = 0, other = 0;
  okey *ok = stvi_alloc_array((size_t)k->n + 1, sizeof(okey));
  if (!ok) return STV_ENOMEM;
  elected_index(r, k->el);
  for (i = 0; i < k->N; i++) k->rank[i] = -1;
  k->el[STVI_NODE_NT(k->n)] = k->el[STVI_NODE_LOSS(k->n)] = -1;
  k->norder = 0;
  for (i = 0; i < r->nelected; i++) {
    c = r->elected[i] - 1;
    if (c < 0 || c >= k->n || withdrawn(r, c) || k->rank[c] >= 0) continue;
    k->rank[c] = k->norder;
    k->order[k->norder++] = c;
    k->col[c] = i % 4;
  }
  for (c = 0; c < k->n; c++)
    if (k->rank[c] < 0 && !withdrawn(r, c)) {
      ok[m].v = r->stages[0].votes[c];
      ok[m++].c = c;
    }
  qsort(ok, (size_t)m, sizeof(okey), okey_cmp);
  for (i = 0; i < m; i++) {
    c = ok[i].c;
    k->rank[c] = k->norder;
    k->order[k->norder++] = c;
    k->col[c] = 4 + other++ % 4;
  }
  for (c = STVI_NODE_NT(k->n); c <= STVI_NODE_LOSS(k->n); c++) {
    k->rank[c] = k->norder;
    k->order[k->norder++] = c;
    k->col[c] = HATCH;
  }
  stvi_free(ok);
  return STV_OK;
}

/* Columns, and every node's slot in each: returns the most nodes any
** column has. */
static int sk_layout(sankey *k) {
  const stv_result *r = k->r;
  int s, j = 0, i, kmax = 1;
  for (s = 0; s < r->nstages; s++) {
    if (stvi_stage_continues(r, s)) {
      k->cend[j - 1] = s;
      continue;
    }
    k->cfirst[j] = k->cend[j] = s;
    j++;
  }
  k->K = j;
  k->V = 0;
  for (j = 0; j < k->K; j++) {
    int64_t acc = 0;
    int slot = 0;
    for (i = 0; i < k->norder; i++) {
      int node = k->order[i];
      int64_t v = node_val(r, k->cend[j], node);
      size_t at = (size_t)j * (size_t)k->N + (size_t)node;
      if (v <= 0) continue;
      k->base[at] = k->top + GAP * slot++;
      k->cum[at] = acc;
      acc += v;
    }
    if (acc > k->V) k->V = acc;
    if (slot > kmax) kmax = slot;
  }
  return kmax;
}

/* The flows from the end of stage s0 to the end of stage s1, worked out
** by flows.c from the net change (one stage, or a run sharing a column). */
static stv_status sk_flows(const stv_result *r, int s0, int s1, int64_t *tr,
                           stvi_flow **f, int *nf) {
  stvi_stage st[2];
  stv_result fk;
  int c;
  memset(st, 0, sizeof(st));
  memset(&fk, 0, sizeof(fk));
  for (c = 0; c < r->ncand; c++)
    tr[c] = r->stages[s1].votes[c] - r->stages[s0].votes[c];
  st[0] = r->stages[s0];
  st[1].kind = r->stages[s1].kind;
  st[1].votes = r->stages[s1].votes;
  st[1].transfers = tr;
  st[1].exhausted = r->stages[s1].exhausted;
  st[1].exhausted_delta = r->stages[s1].exhausted - r->stages[s0].exhausted;
  st[1].loss = r->stages[s1].loss;
  st[1].quota = r->stages[s1].quota;
  fk.ncand = r->ncand;
  fk.dp = r->dp;
  fk.total = r->total;
  fk.stages = st;
  fk.nstages = fk.nclosed = 2;
  return stvi_stage_flows(&fk, 1, f, nf);
}

static void node_name(stvi_buf *b, const stv_result *r, int node) {
  const char *nm;
  if (node == STVI_NODE_NT(r->ncand)) nm = "non-transferable";
  else if (node == STVI_NODE_LOSS(r->ncand)) nm = "loss to rounding";
  else nm = cand_name(r, node);
  put_text(b, nm, strlen(nm));
}

/* "Stage 3" or "Stages 8–12" for column j. */
static void sk_stages(stvi_buf *b, const sankey *k, int j) {
  if (k->cfirst[j] == k->cend[j])
    stvi_buf_printf(b, "Stage %d", k->cend[j] + 1);
  else
    stvi_buf_printf(b, "Stages %d\xE2\x80\x93%d", k->cfirst[j] + 1,
                    k->cend[j] + 1);
}

/* One band from [a0,a1] at x0 to [b0,b1] at x1, at least a tenth thick. */
static void put_band(stvi_buf *b, int64_t x0, int64_t a0, int64_t a1,
                     int64_t x1, int64_t b0, int64_t b1) {
  int64_t xm = (x0 + x1) / 2;
  if (a1 <= a0) a1 = a0 + 1;
  if (b1 <= b0) b1 = b0 + 1;
  stvi_buf_add(b, "M", 1);
  stvi_svg_num(b, x0), stvi_buf_add(b, " ", 1), stvi_svg_num(b, a0);
  stvi_buf_add(b, "C", 1);
  stvi_svg_num(b, xm), stvi_buf_add(b, " ", 1), stvi_svg_num(b, a0);
  stvi_buf_add(b, " ", 1);
  stvi_svg_num(b, xm), stvi_buf_add(b, " ", 1), stvi_svg_num(b, b0);
  stvi_buf_add(b, " ", 1);
  stvi_svg_num(b, x1), stvi_buf_add(b, " ", 1), stvi_svg_num(b, b0);
  stvi_buf_add(b, "V", 1);
  stvi_svg_num(b, b1);
  stvi_buf_add(b, "C", 1);
  stvi_svg_num(b, xm), stvi_buf_add(b, " ", 1), stvi_svg_num(b, b1);
  stvi_buf_add(b, " ", 1);
  stvi_svg_num(b, xm), stvi_buf_add(b, " ", 1), stvi_svg_num(b, a1);
  stvi_buf_add(b, " ", 1);
  stvi_svg_num(b, x0), stvi_buf_add(b, " ", 1), stvi_svg_num(b, a1);
  stvi_buf_add(b, "Z", 1);
}

/* class="P-xK" */
static void sk_class(stvi_buf *b, const char *p, char what, int col) {
  stvi_buf_printf(b, " class=\"%s-%c%d\"", p, what, col);
}

/* Bars n0-7, stays s0-7 and transfers t0-7 in the candidates' colours;
** class 8 is for non-transferable and loss to rounding: white bars hatched
** by hand (a pattern would need a url() reference), grey bands, those
** that go there with a dashed edge. */
static void flows_style(stvi_buf *b, const char *p) {
  int i;
  stvi_buf_printf(b,
                  "<style>.%s-k{stroke:#767676}"
                  ".%s-a{fill:#595959}.%s-r{text-anchor:end}"
                  ".%s-m{text-anchor:middle}.%s-b{font-weight:bold}"
                  ".%s-n%d{fill:#fff;stroke:#1A1A1A}"
                  ".%s-s%d{fill:#595959;fill-opacity:.15}"
                  ".%s-t%d{fill:#595959;fill-opacity:.3;stroke:#595959;"
                  "stroke-width:.8;stroke-dasharray:3 2}"
                  ".%s-d{font-size:11px;paint-order:stroke;stroke:#fff;"
                  "stroke-width:3px;stroke-linejoin:round}",
                  p, p, p, p, p, p, HATCH, p, HATCH, p, HATCH, p);
  for (i = 0; i < 8; i++) {
    const char *hue = i < 4 ? strong[i] : light[i - 4];
    stvi_buf_printf(b,
                    ".%s-n%d{fill:%s;stroke:#1A1A1A}"
                    ".%s-s%d{fill:%s;fill-opacity:.3}"
                    ".%s-t%d{fill:%s;fill-opacity:.6}",
                    p, i, hue, p, i, hue, p, i, hue);
  }
  stvi_buf_puts(b, "</style>");
}

/* A bar as a path: the rectangle, then hatching "/" every 4 units inside
** it (all stroked by the class). */
static void put_hatched(stvi_buf *b, int64_t x, int64_t y, int64_t w,
                        int64_t h) {
  int64_t t;
  stvi_buf_add(b, "M", 1);
  stvi_svg_num(b, x), stvi_buf_add(b, " ", 1), stvi_svg_num(b, y);
  stvi_buf_add(b, "H", 1);
  stvi_svg_num(b, x + w);
  stvi_buf_add(b, "V", 1);
  stvi_svg_num(b, y + h);
  stvi_buf_add(b, "H", 1);
  stvi_svg_num(b, x);
  stvi_buf_add(b, "Z", 1);
  for (t = U(4); t < w + h; t += U(4)) {
    int64_t xa = t > h ? t - h : 0, xb = t < w ? t : w;
    stvi_buf_add(b, "M", 1);
    stvi_svg_num(b, x + xa), stvi_buf_add(b, " ", 1);
    stvi_svg_num(b, y + h - (t - xa));
    stvi_buf_add(b, "L", 1);
    stvi_svg_num(b, x + xb), stvi_buf_add(b, " ", 1);
    stvi_svg_num(b, y + h - (t - xb));
  }
}

static void flows_desc(stvi_buf *b, const sankey *k) {
  const stv_result *r = k->r;
  stvi_buf_printf(b, "Flow diagram of the votes over %d stage%s", r->nstages,
                  r->nstages == 1 ? "" : "s");
  if (k->K != r->nstages)
    stvi_buf_printf(b, " in %d columns (stages that move one candidate's "
                       "papers in parts share a column)", k->K);
  stvi_buf_puts(b, ". Each column shows, as bars, every candidate's votes "
                   "after that stage, with non-transferable votes and votes "
                   "lost to rounding as hatched bars at the bottom; pale "
                   "bands carry the votes a candidate keeps to the next "
                   "column, darker bands in the giver's colour the votes "
                   "transferred, hatched when they become non-transferable.");
  elected_in_order(b, r, NULL);
}

/* The label text of a node; elected names bold with a tick when final. */
static void sk_label_text(stvi_buf *b, const sankey *k, int node, int final,
                          int64_t maxw) {
  const stv_result *r = k->r;
  if (node >= k->n) {
    stvi_buf_puts(b, node == STVI_NODE_NT(k->n) ? "Non-transferable"
                                                : "Loss to rounding");
    return;
  }
  if (final && k->el[node] >= 0) {
    stvi_buf_puts(b, "\xE2\x9C\x93 ");
    maxw -= U(14);
  }
  put_name_fit(b, cand_name(r, node), maxw, 12, final && k->el[node] >= 0);
}

static int64_t sk_label_w(const sankey *k, int node, int final) {
  const char *nm;
  if (node >= k->n) return text_w("Non-transferable", 16, 12, 0);
  nm = cand_name(k->r, node);
  if (final && k->el[node] >= 0)
    return text_w(nm, strlen(nm), 12, 1) + U(14);
  return text_w(nm, strlen(nm), 12, 0);
}

/* Names beside column j (left of it, or right when right != 0). */
static stv_status sk_labels(stvi_buf *b, const sankey *k, int j, int right,
                            int64_t maxw, int64_t hp) {
  const char *p = k->p;
  int i, nl = 0;
  int64_t xe = right ? sk_x(k, j) + NW : sk_x(k, j);
  label *l = stvi_alloc_array((size_t)k->norder + 1, sizeof(label));
  if (!l) return STV_ENOMEM;
  for (i = 0; i < k->norder; i++) {
    int node = k->order[i];
    if (!sk_val(k, j, node)) continue;
    l[nl].who = node;
    l[nl].key = i;
    l[nl++].want = (sk_y(k, j, node, 0) +
                    sk_y(k, j, node, node_val(k->r, k->cend[j], node))) / 2;
  }
  spread(l, nl, U(14), k->top + U(5), k->top + hp);
  for (i = 0; i < nl; i++) {
    int64_t d = right ? U(1) : -U(1);
    stvi_buf_puts(b, "<line");
    put_class(b, p, "k");
    put_attr(b, "x1", xe + 2 * d);
    put_attr(b, "y1", l[i].want);
    put_attr(b, "x2", xe + 8 * d);
    put_attr(b, "y2", l[i].y);
    stvi_buf_puts(b, "/><text");
    if (right && l[i].who < k->n && k->el[l[i].who] >= 0)
      put_class(b, p, "b");
    else if (!right)
      put_class(b, p, "r");
    put_attr(b, "x", xe + 10 * d);
    put_attr(b, "y", l[i].y + U(4));
    stvi_buf_puts(b, ">");
    sk_label_text(b, k, l[i].who, right, maxw);
    stvi_buf_puts(b, "</text>");
  }
  stvi_free(l);
  return STV_OK;
}

typedef struct fkey {
  int64_t key;
  int i;
} fkey;

static int fkey_cmp(const void *a, const void *b) {
  const fkey *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->i - y->i;
}

/* The transfers from column j-1 to column j: each a band in the giver's
** colour, stacked below the stays at both ends (givers' pieces in the
** order of their receivers, receivers' in the order of their givers). */
static stv_status sk_transfers(stvi_buf *b, const sankey *k, int j,
                               int64_t *tr, int64_t *run) {
  const stv_result *r = k->r;
  const char *p = k->p;
  fkey *fk;
  stvi_flow *f;
  int nf, i, m = 0, node;
  int64_t *aoff, *boff, x0 = sk_x(k, j - 1) + NW, x1 = sk_x(k, j);
  stv_status st = sk_flows(r, k->cend[j - 1], k->cend[j], tr, &f, &nf);
  if (st != STV_OK) return st;
  if (nf == 0) {
    stvi_free(f);
    return STV_OK;
  }
  aoff = stvi_alloc_array((size_t)nf, sizeof(int64_t));
  boff = stvi_alloc_array((size_t)nf, sizeof(int64_t));
  fk = stvi_alloc_array((size_t)nf, sizeof(fkey));
  if (!aoff || !boff || !fk) {
    stvi_free(aoff), stvi_free(boff), stvi_free(f), stvi_free(fk);
    return STV_ENOMEM;
  }
  /* (a node with nothing to show, such as a cumulative total a rounding
  ** took below zero, has no bar to hang a band on) */
  for (i = 0; i < nf; i++)
    if (k->rank[f[i].from] >= 0 && k->rank[f[i].to] >= 0 &&
        sk_val(k, j - 1, f[i].from) && sk_val(k, j, f[i].to)) {
      fk[m].key = (int64_t)k->rank[f[i].from] * k->N + k->rank[f[i].to];
      fk[m++].i = i;
    }
  for (node = 0; node < k->N; node++) {
    int64_t a = node_val(r, k->cend[j - 1], node);
    int64_t c = node_val(r, k->cend[j], node);
    run[node] = a < c ? a : c; /* the stay comes first */
  }
  qsort(fk, (size_t)m, sizeof(fkey), fkey_cmp);
  for (i = 0; i < m; i++) {
    aoff[fk[i].i] = run[f[fk[i].i].from];
    run[f[fk[i].i].from] += f[fk[i].i].v;
  }
  for (node = 0; node < k->N; node++) {
    int64_t a = node_val(r, k->cend[j - 1], node);
    int64_t c = node_val(r, k->cend[j], node);
    run[node] = a < c ? a : c;
  }
  for (i = 0; i < m; i++) {
    const stvi_flow *g = &f[fk[i].i];
    fk[i].key = (int64_t)k->rank[g->to] * k->N + k->rank[g->from];
  }
  qsort(fk, (size_t)m, sizeof(fkey), fkey_cmp);
  for (i = 0; i < m; i++) {
    boff[fk[i].i] = run[f[fk[i].i].to];
    run[f[fk[i].i].to] += f[fk[i].i].v;
  }
  /* drawn in the givers' order */
  for (i = 0; i < m; i++)
    fk[i].key = (int64_t)k->rank[f[fk[i].i].from] * k->N +
                k->rank[f[fk[i].i].to];
  qsort(fk, (size_t)m, sizeof(fkey), fkey_cmp);
  for (i = 0; i < m; i++) {
    const stvi_flow *g = &f[fk[i].i];
    int hatch = g->to >= k->n || g->from >= k->n;
    int64_t a0 = sk_y(k, j - 1, g->from, aoff[fk[i].i]);
    int64_t a1 = sk_y(k, j - 1, g->from, aoff[fk[i].i] + g->v);
    int64_t b0 = sk_y(k, j, g->to, boff[fk[i].i]);
    int64_t b1 = sk_y(k, j, g->to, boff[fk[i].i] + g->v);
    /* A share estimated among several givers that is under a tenth of a
    ** unit at both ends is left out (Meek iterations would otherwise
    ** draw every giver times every receiver); a single giver's transfers
    ** are all drawn, the smallest a tenth thick. */
    if (g->estimated && a1 == a0 && b1 == b0) continue;
    stvi_buf_puts(b, "<path");
    sk_class(b, p, 't', hatch ? HATCH : k->col[g->from]);
    stvi_buf_puts(b, " d=\"");
    put_band(b, x0, a0, a1, x1, b0, b1);
    stvi_buf_puts(b, "\"><title>");
    sk_stages(b, k, j);
    stvi_buf_puts(b, ": ");
    put_votes(b, g->v, r->dp, r->dp);
    stvi_buf_puts(b, " votes from ");
    node_name(b, r, g->from);
    stvi_buf_puts(b, g->to == STVI_NODE_NT(k->n) ? ", " : " to ");
    node_name(b, r, g->to);
    if (g->estimated) stvi_buf_puts(b, " (estimated share)");
    stvi_buf_puts(b, "</title></path>");
  }
  /* the name of the candidate whose papers move, by its bar */
  for (i = 0; i < m; i++) {
    const stvi_flow *g = &f[fk[i].i];
    const stvi_stage *sj = &r->stages[k->cfirst[j]];
    int64_t stay, all;
    if (g->from >= k->n || (i && f[fk[i - 1].i].from == g->from)) continue;
    if (!stvi_stage_has_subject(sj, g->from)) continue;
    all = node_val(r, k->cend[j - 1], g->from);
    stay = node_val(r, k->cend[j], g->from);
    if (stay > all) stay = all;
    stvi_buf_puts(b, "<text");
    put_class(b, p, "d");
    put_attr(b, "x", x0 + U(4));
    put_attr(b, "y", (sk_y(k, j - 1, g->from, stay) +
                      sk_y(k, j - 1, g->from, all)) / 2 + U(4));
    stvi_buf_puts(b, ">");
    put_name_fit(b, cand_name(r, g->from), k->g - U(12), 11, 0);
    stvi_buf_puts(b, "</text>");
  }
  stvi_free(aoff), stvi_free(boff), stvi_free(f), stvi_free(fk);
  return STV_OK;
}

static void sk_free(sankey *k) {
  stvi_free(k->cend), stvi_free(k->cfirst), stvi_free(k->order);
  stvi_free(k->rank), stvi_free(k->col), stvi_free(k->el);
  stvi_free(k->base), stvi_free(k->cum);
}

/* "Non-transferable", "Loss to rounding" or the candidate's name. */
static void sk_node_name(stvi_buf *b, const sankey *k, int node) {
  if (node >= k->n)
    stvi_buf_puts(b, node == STVI_NODE_NT(k->n) ? "Non-transferable"
                                               : "Loss to rounding");
  else
    node_name(b, k->r, node);
}

/* Stage numbers over the columns ("8–12" for a shared one), each with the
** stage's action as its <title>. */
static void sk_heads(stvi_buf *b, const sankey *k) {
  const char *p = k->p;
  int j;
  stvi_buf_printf(b, "<text class=\"%s-a %s-r\"", p, p);
  put_attr(b, "x", sk_x(k, 0) - U(10));
  put_attr(b, "y", k->top - U(12));
  stvi_buf_puts(b, ">Stage</text>");
  for (j = 0; j < k->K; j++) {
    const char *a = k->r->stages[k->cfirst[j]].action;
    stvi_buf_printf(b, "<text class=\"%s-a %s-m\"", p, p);
    put_attr(b, "x", sk_x(k, j) + NW / 2);
    put_attr(b, "y", k->top - U(12));
    stvi_buf_printf(b, ">%d", k->cfirst[j] + 1);
    if (k->cend[j] != k->cfirst[j])
      stvi_buf_printf(b, "\xE2\x80\x93%d", k->cend[j] + 1);
    stvi_buf_puts(b, "<title>");
    sk_stages(b, k, j);
    if (a) {
      stvi_buf_puts(b, ": ");
      put_text(b, a, strlen(a));
    }
    stvi_buf_puts(b, "</title></text>");
  }
}

/* What each node keeps from one column to the next: one path per node for
** the whole count, a band per gap at the top of both bars. */
static void sk_stays(stvi_buf *b, const sankey *k) {
  const stv_result *r = k->r;
  const char *p = k->p;
  int i, j;
  for (i = 0; i < k->norder; i++) {
    int node = k->order[i], any = 0;
    for (j = 1; j < k->K; j++) {
      int64_t a = node_val(r, k->cend[j - 1], node);
      int64_t c = node_val(r, k->cend[j], node);
      int64_t stay = a < c ? a : c;
      if (stay <= 0) continue;
      if (!any) {
        stvi_buf_puts(b, "<path");
        sk_class(b, p, 's', k->col[node]);
        stvi_buf_puts(b, " d=\"");
        any = 1;
      }
      put_band(b, sk_x(k, j - 1) + NW, sk_y(k, j - 1, node, 0),
               sk_y(k, j - 1, node, stay), sk_x(k, j),
               sk_y(k, j, node, 0), sk_y(k, j, node, stay));
    }
    if (any) {
      stvi_buf_puts(b, "\"><title>");
      sk_node_name(b, k, node);
      stvi_buf_puts(b, node >= k->n
                           ? ": the total so far, carried forward</title>"
                             "</path>"
                           : ": votes kept from one stage to the next"
                             "</title></path>");
    }
  }
}

/* The bars: a rectangle per candidate with votes in each column, hatched
** for non-transferable and loss to rounding. */
static void sk_bars(stvi_buf *b, const sankey *k) {
  const stv_result *r = k->r;
  const char *p = k->p;
  int i, j;
  for (j = 0; j < k->K; j++)
    for (i = 0; i < k->norder; i++) {
      int node = k->order[i];
      int64_t y0, y1;
      if (!sk_val(k, j, node)) continue;
      y0 = sk_y(k, j, node, 0);
      y1 = sk_y(k, j, node, node_val(r, k->cend[j], node));
      if (node >= k->n) {
        stvi_buf_puts(b, "<path");
        sk_class(b, p, 'n', HATCH);
        stvi_buf_puts(b, " d=\"");
        put_hatched(b, sk_x(k, j), y0, NW, y1 > y0 ? y1 - y0 : 1);
        stvi_buf_puts(b, "\"><title>");
      } else {
        stvi_buf_puts(b, "<rect");
        sk_class(b, p, 'n', k->col[node]);
        put_attr(b, "x", sk_x(k, j));
        put_attr(b, "y", y0);
        put_attr(b, "width", NW);
        put_attr(b, "height", y1 > y0 ? y1 - y0 : 1);
        stvi_buf_puts(b, "><title>");
      }
      sk_node_name(b, k, node);
      stvi_buf_puts(b, ": ");
      put_votes(b, node_val(r, k->cend[j], node), r->dp, r->dp);
      stvi_buf_printf(b, " after stage %d</title></%s>", k->cend[j] + 1,
                      node >= k->n ? "path" : "rect");
    }
}

stv_status stvi_svg_flows(stvi_buf *b, const stv_result *r, const char *p) {
  size_t start = b->len, kn, at;
  sankey k;
  int j, i, kmax;
  int64_t hp, wl = 0, wr = 0, w, h, *tr = NULL, *run = NULL;
  stv_status st = STV_OK;

  if (!idp_ok(p)) return STV_EINVAL;
  if (r->nstages <= 0) {
    open_svg(b, p, U(300), U(40));
    stvi_buf_printf(b, "<title id=\"%s-t\">Where the votes went</title>"
                       "<desc id=\"%s-d\">The count has no stages.</desc>"
                       "</svg>", p, p);
    return STV_OK;
  }
  memset(&k, 0, sizeof(k));
  k.r = r;
  k.p = p;
  k.n = r->ncand;
  k.N = r->ncand + 2;
  kn = (size_t)r->nstages * (size_t)k.N;
  k.cend = stvi_alloc_array((size_t)r->nstages, sizeof(int));
  k.cfirst = stvi_alloc_array((size_t)r->nstages, sizeof(int));
  k.order = stvi_alloc_array((size_t)k.N, sizeof(int));
  k.rank = stvi_alloc_array((size_t)k.N, sizeof(int));
  k.col = stvi_alloc_array((size_t)k.N, sizeof(int));
  k.el = stvi_alloc_array((size_t)k.N, sizeof(int));
  k.base = stvi_alloc_array(kn, sizeof(int64_t));
  k.cum = stvi_alloc_array(kn, sizeof(int64_t));
  tr = stvi_alloc_array((size_t)k.N, sizeof(int64_t));
  run = stvi_alloc_array((size_t)k.N, sizeof(int64_t));
  if (!k.cend || !k.cfirst || !k.order || !k.rank || !k.col || !k.el ||
      !k.base || !k.cum || !tr || !run) {
    st = STV_ENOMEM;
    goto done;
  }
  for (at = 0; at < kn; at++) k.base[at] = -1;
  if ((st = sk_order(&k)) != STV_OK) goto done;
  k.top = U(30);
  kmax = sk_layout(&k);
  hp = kmax * 15 > 400 ? U(kmax * 15) : U(400);
  k.ph = hp - GAP * (kmax - 1);
  k.g = k.K <= 12 ? U(110) : U(100);
  for (i = 0; i < k.norder; i++) {
    int node = k.order[i];
    int64_t t;
    if (k.K > 1 && sk_val(&k, 0, node)) {
      t = sk_label_w(&k, node, 0);
      if (t > wl) wl = t;
    }
    if (sk_val(&k, k.K - 1, node)) {
      t = sk_label_w(&k, node, 1);
      if (t > wr) wr = t;
    }
  }
  if (wl > U(330)) wl = U(330);
  if (wr > U(330)) wr = U(330);
  k.ml = U(20) + (wl > U(40) ? wl : U(40));
  w = sk_x(&k, k.K - 1) + NW + U(20) + wr + U(6);
  h = k.top + hp + U(14);

  open_svg(b, p, w, h);
  stvi_buf_printf(b, "<title id=\"%s-t\">Where the votes went, stage by "
                     "stage</title><desc id=\"%s-d\">", p, p);
  flows_desc(b, &k);
  stvi_buf_puts(b, "</desc>");
  flows_style(b, p);

  sk_heads(b, &k);
  sk_stays(b, &k);
  for (j = 1; j < k.K; j++)
    if ((st = sk_transfers(b, &k, j, tr, run)) != STV_OK) goto done;
  sk_bars(b, &k);

  if (k.K > 1 && (st = sk_labels(b, &k, 0, 0, wl, hp)) != STV_OK) goto done;
  if ((st = sk_labels(b, &k, k.K - 1, 1, wr, hp)) != STV_OK) goto done;
  stvi_buf_puts(b, "</svg>");
  if (b->failed) st = STV_ENOMEM;

done:
  sk_free(&k);
  stvi_free(tr), stvi_free(run);
  return st == STV_OK ? STV_OK : undo(b, start, st);
}
