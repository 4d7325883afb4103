/*
** test_svg.c: the charts of the HTML count sheet (src/lib/svg.c).
**
** Numbers print as tenths; scaled prefix sums add up exactly; for every
** election in tests/elections and examples under every rule set both
** charts are well-formed XML (our own tag check, and xmllint when it is
** installed), draw one line per candidate who is not withdrawn, keep every
** coordinate inside the viewBox and give every data shape a <title>;
** names are escaped; a failure leaves the buffer as it was; and the
** 42-candidate NEC-shaped election stays inside the size budget.
*/
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "stv.h"
#include "svg.h"

/* ---- helpers ---------------------------------------------------------- */

static char *num(int64_t t) {
  static char out[64];
  stvi_buf b;
  stvi_buf_init(&b, 64);
  stvi_svg_num(&b, t);
  assert_false(b.failed);
  snprintf(out, sizeof(out), "%s", b.data);
  stvi_buf_free(&b);
  return out;
}

static int count(const char *s, const char *what) {
  int n = 0;
  size_t k = strlen(what);
  while ((s = strstr(s, what))) {
    n++;
    s += k;
  }
  return n;
}

/* Tags balance, attribute values are quoted, and every & starts one of
** the five entities we write.  Returns NULL or what is wrong. */
static const char *well_formed(const char *s) {
  static char why[200];
  const char *stack[64];
  size_t len[64];
  int depth = 0, root = 0;
  const char *p = s;
  while (*p) {
    if (*p == '&') {
      static const char *const ent[] = {"&amp;", "&lt;", "&gt;", "&quot;",
                                        "&#39;"};
      int i, ok = 0;
      for (i = 0; i < 5; i++)
        ok |= strncmp(p, ent[i], strlen(ent[i])) == 0;
      if (!ok) return "a bare &";
      p++;
      continue;
    }
    if (*p == '>') return "a bare > in text";
    if (*p != '<') {
      p++;
      continue;
    }
    if (p[1] == '/') {
      const char *q = p + 2;
      size_t n = strcspn(q, ">");
      if (depth == 0 || n != len[depth - 1] ||
          strncmp(q, stack[depth - 1], n) != 0) {
        snprintf(why, sizeof(why), "</%.*s> does not close <%.*s>", (int)n,
                 q, depth ? (int)len[depth - 1] : 0,
                 depth ? stack[depth - 1] : "");
        return why;
      }
      depth--;
      p = q + n + 1;
      continue;
    }
    {
      const char *q = p + 1, *nm = q;
      size_t n = strcspn(q, " />");
      int quote = 0;
      if (n == 0) return "a bare <";
      q += n;
      while (*q && (quote || *q != '>')) {
        if (*q == '"') quote = !quote;
        if (quote && *q == '<') return "< inside an attribute";
        q++;
      }
      if (!*q) return "an unclosed tag";
      if (depth == 0 && root++) return "two root elements";
      if (q[-1] != '/') {
        if (depth == 64) return "too deep";
        stack[depth] = nm;
        len[depth++] = n;
      }
      p = q + 1;
    }
  }
  return depth ? "unclosed elements" : NULL;
}

/* Reads the number at *pp, skipping spaces and commas. */
static int next_num(const char **pp, double *v) {
  char *end;
  const char *p = *pp;
  while (*p == ' ' || *p == ',') p++;
  if (!(*p == '-' || *p == '.' || (*p >= '0' && *p <= '9'))) return 0;
  *v = strtod(p, &end);
  *pp = end;
  return 1;
}

static double attr(const char *tag, const char *name, int *found) {
  char key[32];
  const char *a;
  snprintf(key, sizeof(key), " %s=\"", name);
  a = strstr(tag, key);
  *found = a != NULL;
  return a ? strtod(a + strlen(key), NULL) : 0;
}

typedef struct box {
  double w, h;
} box;

#define INSIDE(bx, x, y) \
  ((x) >= 0 && (x) <= (bx).w && (y) >= 0 && (y) <= (bx).h)

/* Checks one chart: coordinates inside the viewBox, a <title> for every
** data shape; returns the number of polylines. */
static int check_chart(const char *svg, const char *what) {
  box bx;
  const char *p, *v = strstr(svg, "viewBox=\"0 0 ");
  const char *wf = well_formed(svg);
  int polylines = 0;
  if (wf) fail_msg("%s: not well-formed: %s", what, wf);
  assert_non_null(v);
  assert_int_equal(sscanf(v, "viewBox=\"0 0 %lf %lf\"", &bx.w, &bx.h), 2);
  assert_true(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                           "role=\"img\" aria-labelledby=\"", 67) == 0);
  assert_non_null(strstr(svg, "-t\">"));
  assert_non_null(strstr(svg, "-d\">"));
  /* nothing for a page check of outside references to object to */
  assert_null(strstr(svg, "url("));
  assert_int_equal(count(svg, "http"), 1); /* the xmlns */
  assert_null(strstr(svg, " src="));
  for (p = svg; (p = strchr(p, '<')); p++) {
    char tag[16];
    const char *end;
    size_t tl;
    int f1, f2, f3, f4;
    double x, y, w, h;
    if (strncmp(p, "<defs>", 6) == 0) {
      p = strstr(p, "</defs>");
      assert_non_null(p);
      continue;
    }
    tl = strcspn(p + 1, " />");
    if (tl >= sizeof(tag)) continue;
    memcpy(tag, p + 1, tl);
    tag[tl] = '\0';
    end = strchr(p, '>');
    assert_non_null(end);
    {
      /* this tag only, for the attribute look-ups */
      size_t n = (size_t)(end - p) + 1;
      char *t = malloc(n + 1);
      assert_non_null(t);
      memcpy(t, p, n);
      t[n] = '\0';
      if (!strcmp(tag, "polyline") || !strcmp(tag, "path") ||
          !strcmp(tag, "rect")) {
        if (end[-1] == '/' || strncmp(end + 1, "<title>", 7) != 0)
          fail_msg("%s: a <%s> without a <title>", what, tag);
      }
      if (!strcmp(tag, "polyline")) {
        const char *q = strstr(t, " points=\"") + 9;
        polylines++;
        while (next_num(&q, &x)) {
          assert_true(next_num(&q, &y));
          if (!INSIDE(bx, x, y))
            fail_msg("%s: polyline point %g,%g outside %gx%g", what, x, y,
                     bx.w, bx.h);
        }
      } else if (!strcmp(tag, "path")) {
        const char *q = strstr(t, " d=\"") + 4;
        char cmd = 0;
        int k = 0;
        double last_x = 0, last_y = 0;
        for (;;) {
          double val;
          while (*q == ' ') q++;
          if (*q == '"') break;
          if ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')) {
            cmd = *q++;
            k = 0;
            assert_true(strchr("MLCVHZ", cmd) != NULL); /* absolute only */
            continue;
          }
          assert_true(next_num(&q, &val));
          if (cmd == 'V') last_y = val;
          else if (cmd == 'H') last_x = val;
          else if (k++ % 2 == 0) {
            last_x = val;
            continue;
          } else {
            last_y = val;
          }
          if (!INSIDE(bx, last_x, last_y))
            fail_msg("%s: path point %g,%g outside %gx%g", what, last_x,
                     last_y, bx.w, bx.h);
        }
      } else if (!strcmp(tag, "rect")) {
        x = attr(t, "x", &f1), y = attr(t, "y", &f2);
        w = attr(t, "width", &f3), h = attr(t, "height", &f4);
        assert_true(f1 && f2 && f3 && f4 && w > 0 && h > 0);
        if (!INSIDE(bx, x, y) || !INSIDE(bx, x + w, y + h))
          fail_msg("%s: rect outside", what);
      } else if (!strcmp(tag, "line")) {
        x = attr(t, "x1", &f1), y = attr(t, "y1", &f2);
        assert_true(f1 && f2 && INSIDE(bx, x, y));
        x = attr(t, "x2", &f1), y = attr(t, "y2", &f2);
        assert_true(f1 && f2 && INSIDE(bx, x, y));
      } else if (!strcmp(tag, "use")) {
        x = attr(t, "x", &f1), y = attr(t, "y", &f2);
        assert_non_null(strstr(t, " href=\"#"));
        if (!f1 || !f2 || !INSIDE(bx, x, y))
          fail_msg("%s: marker at %g,%g outside", what, x, y);
      } else if (!strcmp(tag, "text")) {
        x = attr(t, "x", &f1), y = attr(t, "y", &f2);
        if (!f1 || !f2 || !INSIDE(bx, x, y))
          fail_msg("%s: text at %g,%g outside", what, x, y);
      }
      free(t);
    }
  }
  return polylines;
}

static FILE *xml;         /* every chart, for one xmllint run at the end */
static char xml_path[64];
static int charts;

static void both_charts(const stv_result *r, const char *what) {
  stvi_buf b;
  size_t mid;
  int c, standing = 0;
  char *v, *f;
  stvi_buf_init(&b, 64u << 20);
  assert_int_equal(stvi_svg_votes(&b, r, "v"), STV_OK);
  mid = b.len;
  assert_int_equal(stvi_svg_flows(&b, r, "f"), STV_OK);
  assert_false(b.failed);
  v = malloc(mid + 1);
  assert_non_null(v);
  memcpy(v, b.data, mid);
  v[mid] = '\0';
  f = b.data + mid;
  for (c = 0; c < r->ncand; c++) standing += r->status[c] != STVI_WITHDRAWN;
  if (check_chart(v, what) != standing)
    fail_msg("%s: not one polyline per candidate standing (%d)", what,
             standing);
  assert_int_equal(check_chart(f, what), 0);
  assert_int_equal(count(v, "<svg "), 1);
  assert_int_equal(count(f, "<svg "), 1);
  assert_int_equal(count(f, "</svg>"), 1);
  /* the winners are named, ticked, at the end of the flows */
  for (c = 0; c < r->nelected; c++) {
    const char *nm = r->names[r->elected[c] - 1];
    char want[80];
    if (strlen(nm) > 20 || strpbrk(nm, "&<>\"'")) continue;
    snprintf(want, sizeof(want), "\xE2\x9C\x93 %s<", nm);
    if (!strstr(f, want)) fail_msg("%s: no %s", what, want);
  }
  if (xml) {
    fputs("<div>", xml);
    fwrite(b.data, 1, b.len, xml);
    fputs("</div>\n", xml);
  }
  charts += 2;
  free(v);
  stvi_buf_free(&b);
}

static void count_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  const char *const *rules = stv_rule_names();
  if (!d) return;
  while ((de = readdir(d))) {
    char path[512];
    stv_election *e;
    stv_error err;
    int k;
    size_t len = strlen(de->d_name);
    if (len < 5 || strcmp(de->d_name + len - 4, ".blt") != 0) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
    if (stv_election_read_blt(path, &e, &err) != STV_OK) continue;
    for (k = 0; rules[k]; k++) {
      stv_options *o;
      stv_result *r;
      char what[600];
      assert_int_equal(stv_options_create(&o), STV_OK);
      assert_int_equal(stv_options_set(o, "rules", rules[k], &err), STV_OK);
      if (stv_count(e, o, &r, &err) == STV_OK) {
        snprintf(what, sizeof(what), "%s under %s", path, rules[k]);
        both_charts(r, what);
        stv_result_free(r);
      }
      stv_options_free(o);
    }
    stv_election_free(e);
  }
  closedir(d);
}

static int have_xmllint(void) {
  return system("command -v xmllint >/dev/null 2>&1") == 0;
}

/* ---- tests -------------------------------------------------------------- */

static void test_num(void **state) {
  (void)state;
  assert_string_equal(num(0), "0");
  assert_string_equal(num(50), "5");
  assert_string_equal(num(1234), "123.4");
  assert_string_equal(num(7), "0.7");
  assert_string_equal(num(10), "1");
  assert_string_equal(num(-5), "-0.5");
  assert_string_equal(num(-1230), "-123");
  assert_string_equal(num(INT64_MAX), "922337203685477580.7");
  assert_string_equal(num(INT64_MIN), "-922337203685477580.8");
}

/* Positions are prefix sums scaled once: the pieces add up to exactly L,
** never go backwards, and each is within one tenth of its exact share. */
static void test_scale(void **state) {
  int64_t v[200], L, V, y, prev, sum, k;
  uint64_t seed = 42;
  int i, n, round;
  (void)state;
  assert_int_equal(stvi_svg_scale(0, 100, 3000), 0);
  assert_int_equal(stvi_svg_scale(100, 100, 3000), 3000);
  assert_int_equal(stvi_svg_scale(1, 3, 10), 3);   /* floor(10/3) */
  assert_int_equal(stvi_svg_scale(2, 3, 10), 6);   /* floor(20/3) */
  assert_int_equal(stvi_svg_scale(5, 0, 3000), 0); /* V = 0 */
  assert_int_equal(stvi_svg_scale(-5, 10, 3000), 0);
  assert_int_equal(stvi_svg_scale(20, 10, 3000), 3000); /* clamped */
  assert_int_equal(stvi_svg_scale(INT64_MAX, INT64_MAX, 4000), 4000);
  assert_int_equal(stvi_svg_scale(INT64_MAX / 2, INT64_MAX, 4000), 1999);
  for (round = 0; round < 500; round++) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    n = 1 + (int)(seed >> 58);
    L = 1 + (int64_t)((seed >> 20) % 60000);
    for (V = 0, i = 0; i < n; i++) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      /* from zero to about 10^13, as votes with decimals are */
      v[i] = (int64_t)((seed >> 11) % (round % 2 ? 1000 : 10000000000000ULL));
      if (seed % 7 == 0) v[i] = 0;
      V += v[i];
    }
    prev = stvi_svg_scale(0, V, L);
    assert_int_equal(prev, 0);
    for (sum = 0, k = 0, i = 0; i < n; i++) {
      int64_t lo, exact_lo;
      sum += v[i];
      y = stvi_svg_scale(sum, V, L);
      assert_true(y >= prev); /* monotone */
      /* each height is its share rounded down or up */
      lo = y - prev;
      exact_lo = V ? (int64_t)(((__int128)v[i] * L) / V) : 0;
      assert_true(lo >= exact_lo - 1 && lo <= exact_lo + 1);
      k += lo;
      prev = y;
    }
    assert_int_equal(k, V ? L : 0); /* they add up exactly */
  }
}

static void test_every_election(void **state) {
  int fd;
  (void)state;
  charts = 0;
  xml = NULL;
  if (have_xmllint()) {
    snprintf(xml_path, sizeof(xml_path), "/tmp/test_svg_XXXXXX");
    fd = mkstemp(xml_path);
    assert_true(fd >= 0);
    xml = fdopen(fd, "w");
    assert_non_null(xml);
    fputs("<all>\n", xml);
  }
  count_dir("tests/elections");
  count_dir("examples");
  assert_true(charts >= 300);
  if (xml) {
    char cmd[128];
    int rc;
    fputs("</all>\n", xml);
    fclose(xml);
    xml = NULL;
    snprintf(cmd, sizeof(cmd), "xmllint --noout %s", xml_path);
    rc = system(cmd);
    unlink(xml_path);
    assert_int_equal(rc, 0);
  } else {
    print_message("# xmllint not installed: own well-formedness check only\n");
  }
}

/* A hand-built count: a name full of markup, a withdrawn candidate. */
static stv_result *odd_names(const char *rules) {
  static const char *const names[] = {"A&B <i>x</i>", "\"Q\" O'Neil",
                                      "Withdrawn Will", "Dee"};
  static const int r1[] = {1, 2}, r2[] = {2, 1}, r3[] = {4, 2}, r4[] = {3, 1};
  stv_election *e;
  stv_options *o;
  stv_result *r;
  stv_error err;
  int i;
  assert_int_equal(stv_election_create(&e), STV_OK);
  for (i = 0; i < 4; i++)
    assert_int_equal(stv_election_add_candidate(e, names[i]), STV_OK);
  assert_int_equal(stv_election_set_seats(e, 2), STV_OK);
  assert_int_equal(stv_election_withdraw(e, 3), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 7, r1, 2), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 4, r2, 2), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 2, r3, 2), STV_OK);
  assert_int_equal(stv_election_add_ballot(e, 1, r4, 2), STV_OK);
  assert_int_equal(stv_options_create(&o), STV_OK);
  assert_int_equal(stv_options_set(o, "rules", rules, &err), STV_OK);
  assert_int_equal(stv_count(e, o, &r, &err), STV_OK);
  stv_options_free(o);
  stv_election_free(e);
  return r;
}

static void test_names_escaped(void **state) {
  static const char *const rules[] = {"scottish", "meek", "block"};
  int k;
  (void)state;
  for (k = 0; k < 3; k++) {
    stv_result *r = odd_names(rules[k]);
    stvi_buf b;
    stvi_buf_init(&b, 1u << 20);
    assert_int_equal(stvi_svg_votes(&b, r, "v"), STV_OK);
    assert_int_equal(stvi_svg_flows(&b, r, "f"), STV_OK);
    assert_false(b.failed);
    assert_null(strstr(b.data, "<i>"));
    assert_null(strstr(b.data, "A&B"));
    assert_null(strstr(b.data, "Withdrawn Will"));
    assert_non_null(strstr(b.data, "A&amp;B &lt;i&gt;x&lt;/i&gt;"));
    assert_non_null(strstr(b.data, "\"Q\" O'Neil"));
    both_charts(r, rules[k]);
    stvi_buf_free(&b);
    stv_result_free(r);
  }
}

/* A bad id prefix is refused, and nothing is written. */
static void test_bad_prefix(void **state) {
  static const char *const bad[] = {"", "1v", "v\"", "v w", "a<",
                                    "abcdefghijabcdefghijabcdefghijabc"};
  stv_result *r = odd_names("scottish");
  stvi_buf b;
  int i;
  (void)state;
  stvi_buf_init(&b, 1u << 20);
  stvi_buf_puts(&b, "before");
  for (i = 0; i < 6; i++) {
    assert_int_equal(stvi_svg_votes(&b, r, bad[i]), STV_EINVAL);
    assert_int_equal(stvi_svg_flows(&b, r, bad[i]), STV_EINVAL);
  }
  assert_int_equal(stvi_svg_votes(&b, r, NULL), STV_EINVAL);
  assert_string_equal(b.data, "before");
  assert_int_equal(stvi_svg_flows(&b, r, "chart_2-b"), STV_OK);
  stvi_buf_free(&b);
  stv_result_free(r);
}

/* Out of memory at every allocation in turn: ENOMEM, and the buffer keeps
** what it had (or has failed as a whole); no leak (under ASan). */
static long fail_at, calls;
static void *failing(void *ud, void *p, size_t n) {
  (void)ud;
  if (n == 0) {
    free(p);
    return NULL;
  }
  if (++calls == fail_at) return NULL;
  return realloc(p, n);
}

static void test_out_of_memory(void **state) {
  stv_result *r = odd_names("scottish");
  long n;
  int which, ok;
  (void)state;
  for (which = 0; which < 2; which++) {
    ok = 0;
    for (n = 1; n < 2000 && !ok; n++) {
      stvi_buf b;
      stv_status st;
      stvi_buf_init(&b, 1u << 20);
      stvi_buf_puts(&b, "before");
      calls = 0;
      fail_at = n;
      stv_set_allocator(failing, NULL);
      st = which ? stvi_svg_flows(&b, r, "f") : stvi_svg_votes(&b, r, "v");
      stv_set_allocator(NULL, NULL);
      if (st == STV_OK) {
        ok = calls < n;
      } else {
        assert_int_equal(st, STV_ENOMEM);
        assert_true(b.failed || strcmp(b.data, "before") == 0);
      }
      stvi_buf_free(&b);
    }
    assert_true(ok);
  }
  stv_result_free(r);
}

/* The NEC-shaped election (42 candidates, 9 seats, about 40 stages under
** Scottish rules; ERS97 splits its exclusions into 200-odd sub-stages):
** both charts together stay well under 1 MB (the page's limit is 2 MB). */
static void test_nec_size(void **state) {
  static const char *const rules[] = {"scottish", "ers97", "meek"};
  char path[64], cmd[160];
  int fd, k;
  (void)state;
  if (access("build/bench/gen", X_OK) != 0) {
    print_message("# build/bench/gen missing (make build/bench/gen)\n");
    skip();
  }
  snprintf(path, sizeof(path), "/tmp/test_svg_nec_XXXXXX");
  fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  snprintf(cmd, sizeof(cmd), "build/bench/gen nec 20000 %s 1 >/dev/null",
           path);
  assert_int_equal(system(cmd), 0);
  for (k = 0; k < 3; k++) {
    stv_election *e;
    stv_options *o;
    stv_result *r;
    stv_error err;
    stvi_buf b;
    size_t vs;
    assert_int_equal(stv_election_read_blt(path, &e, &err), STV_OK);
    assert_int_equal(stv_options_create(&o), STV_OK);
    assert_int_equal(stv_options_set(o, "rules", rules[k], &err), STV_OK);
    assert_int_equal(stv_count(e, o, &r, &err), STV_OK);
    assert_int_equal(r->ncand, 42);
    if (k == 0) assert_true(r->nstages >= 35 && r->nstages <= 45);
    stvi_buf_init(&b, 64u << 20);
    assert_int_equal(stvi_svg_votes(&b, r, "v"), STV_OK);
    vs = b.len;
    assert_int_equal(stvi_svg_flows(&b, r, "f"), STV_OK);
    print_message("# nec under %s: %d stages, votes chart %zu bytes, "
                  "flows chart %zu bytes\n",
                  rules[k], r->nstages, vs, b.len - vs);
    assert_true(vs < 128u << 10);
    assert_true(b.len - vs < 640u << 10);
    assert_true(b.len < 700u << 10);
    both_charts(r, rules[k]);
    stvi_buf_free(&b);
    stv_result_free(r);
    stv_options_free(o);
    stv_election_free(e);
  }
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_num),
      cmocka_unit_test(test_scale),
      cmocka_unit_test(test_every_election),
      cmocka_unit_test(test_names_escaped),
      cmocka_unit_test(test_bad_prefix),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_nec_size),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
