/*
** roll.c: reads a voter roll in CSV (the rules are in roll.h).  Pure: no
** database and no I/O, so that tests/fuzz/fuzz_web_roll.c can run it on
** anything.
**
** One pass over the bytes after two checks of the whole file (its size;
** UTF-8 with no NUL, locating the first bad byte by line and column).
** Records are cut into cells in a scratch buffer (quotes removed); each
** kept value is copied into one arena allocated at the start with room
** for every value the file can hold (at most 2 * len + 64 bytes: a cell
** stores at most its own bytes and a NUL, and there are at most len + 1
** cells), so pointers into it never move.  Member numbers go into an
** open-addressed hash set (FNV-1a), sized from the number of line
** breaks, which bounds the number of rows; it finds duplicates and
** answers roll_listed.
**
** Ownership: everything hangs off the roll_result (roll_free).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roll.h"
#include "svc_nominate.h" /* svc_email_valid: one rule for addresses */

#define MAX_CELLS 64 /* cells kept per record; more are counted only */

static const char *const col_names[ROLL_NCOLS] = {"member_no", "name",
                                                  "email", "tags"};

const char *roll_col_name(roll_col c) {
  return (unsigned)c < ROLL_NCOLS ? col_names[c] : "";
}

int roll_tag_ok(const char *s) {
  size_t i;
  if (!s || !*s) return 0;
  for (i = 0; s[i]; i++) {
    char c = s[i];
    if (i >= ROLL_TAG_MAX) return 0;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == ':' || c == '_'))
      return 0;
  }
  return 1;
}

/* ------------------------------------------------------------ the set */

typedef struct set_slot {
  uint64_t h;
  const char *s; /* NULL: empty */
  size_t line;
} set_slot;

struct roll_set {
  set_slot *slot;
  size_t cap, n; /* cap a power of two, n < cap / 2 */
};

static uint64_t fnv(const char *s) {
  uint64_t h = UINT64_C(14695981039346656037);
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= UINT64_C(1099511628211);
  }
  return h;
}

/* The slot holding s, or the empty slot where it would go. */
static set_slot *set_find(const struct roll_set *t, const char *s) {
  uint64_t h = fnv(s);
  size_t i = (size_t)h & (t->cap - 1);
  for (;;) {
    set_slot *sl = &t->slot[i];
    if (!sl->s || (sl->h == h && strcmp(sl->s, s) == 0)) {
      sl->h = h;
      return sl;
    }
    i = (i + 1) & (t->cap - 1);
  }
}

int roll_listed(const roll_result *r, const char *member_no) {
  set_slot *sl;
  if (!r || !r->set || !member_no) return 0;
  sl = set_find(r->set, member_no);
  return sl->s != NULL;
}

/* ------------------------------------------------------------- parser */

typedef struct cell {
  size_t off, len; /* in the scratch buffer (NUL-terminated there) */
} cell;

typedef struct parser {
  const unsigned char *p, *end;
  size_t line;                     /* the physical line of p */
  const unsigned char *line_start; /* for character columns */
  char *scratch;
  size_t slen, scap;
  int nomem;
  cell c[MAX_CELLS];
  size_t nc;        /* cells kept */
  size_t ncells;    /* cells in the record, kept or not */
  int over_filled;  /* a cell past MAX_CELLS is not blank */
  size_t filled;    /* cells up to the last one not blank, kept or not */
  size_t quote_pos; /* the first stray quote's column in the record, or 0 */
  size_t quote_line;
  size_t arena_len, arena_cap;
  size_t prob_cap;
  roll_result *out;
} parser;

/* Characters (code points) from a to b, plus one: a 1-based column. */
static size_t column_of(const unsigned char *a, const unsigned char *b) {
  size_t n = 1;
  for (; a < b; a++)
    if ((*a & 0xc0) != 0x80) n++;
  return n;
}

static void sadd(parser *ps, char ch) {
  if (ps->slen + 1 >= ps->scap) {
    size_t nc = ps->scap ? ps->scap * 2 : 1024;
    char *n = realloc(ps->scratch, nc);
    if (!n) {
      ps->nomem = 1;
      return;
    }
    ps->scratch = n;
    ps->scap = nc;
  }
  ps->scratch[ps->slen++] = ch;
}

static int blank(char ch) { return ch == ' ' || ch == '\t'; }

/* Decodes the code point at s[0..n) into *c; returns its length (a byte
** that starts no valid sequence is taken alone, as U+FFFD). */
static size_t cp_at(const unsigned char *s, size_t n, uint32_t *c) {
  size_t k, i;
  uint32_t v;
  if (s[0] < 0x80) k = 1;
  else if (s[0] >= 0xc2 && s[0] <= 0xdf) k = 2;
  else if (s[0] >= 0xe0 && s[0] <= 0xef) k = 3;
  else if (s[0] >= 0xf0 && s[0] <= 0xf4) k = 4;
  else k = 0;
  if (k == 1) {
    *c = s[0];
    return 1;
  }
  if (k == 0 || k > n || !utf8_valid((const char *)s, k)) {
    *c = 0xfffd;
    return 1;
  }
  v = s[0] & (0x7f >> k);
  for (i = 1; i < k; i++) v = v << 6 | (s[i] & 0x3f);
  *c = v;
  return k;
}

/* The whitespace of words.c (the statement word count), less the line
** breaks U+000A-U+000D: those stay in a cell, to be refused as control
** characters (a quoted name may not hold a line break, even at an end). */
static int uspace(uint32_t c) {
  return c == 0x09 || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
         c == 0x202f || c == 0x205f || c == 0x3000;
}

/* The length of the (Unicode) space at s[0..n), or 0. */
static size_t space_at(const char *s, size_t n) {
  uint32_t c;
  size_t k = cp_at((const unsigned char *)s, n, &c);
  return uspace(c) ? k : 0;
}

/* The length of the space ending at s[n - 1], or 0. */
static size_t space_before(const char *s, size_t n) {
  size_t b = n;
  while (b > 0 && n - b < 4) {
    b--;
    if (((unsigned char)s[b] & 0xc0) != 0x80) break;
  }
  if (b == n) return 0;
  return space_at(s + b, n - b) == n - b ? n - b : 0;
}

/* 1 if s[0..n) is empty or all (Unicode) spaces. */
static int all_space(const char *s, size_t n) {
  size_t k;
  while (n > 0 && (k = space_at(s, n)) != 0) {
    s += k;
    n -= k;
  }
  return n == 0;
}

/* Cell i of the record, trimmed of (Unicode) spaces at both ends, in
** place (so a second call finds it trimmed). */
static char *cell_trim(parser *ps, size_t i, size_t *len) {
  char *s = ps->scratch + ps->c[i].off;
  size_t n = ps->c[i].len, a = 0, k;
  while (a < n && (k = space_at(s + a, n - a)) != 0) a += k;
  while (n > a && (k = space_before(s + a, n - a)) != 0) n -= k;
  s[n] = 0;
  ps->c[i].off += a;
  ps->c[i].len = n - a;
  *len = n - a;
  return s + a;
}

/* A line break at p (CR LF, LF or a lone CR): steps over it. */
static void step_break(parser *ps) {
  if (*ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n') ps->p++;
  ps->p++;
  ps->line++;
  ps->line_start = ps->p;
}

static void end_cell(parser *ps, size_t start) {
  size_t len = ps->slen - start;
  sadd(ps, 0);
  if (ps->nc < MAX_CELLS) {
    ps->c[ps->nc].off = start;
    ps->c[ps->nc].len = len;
    ps->nc++;
  } else if (!all_space(ps->scratch + start, len)) {
    ps->over_filled = 1;
  }
  ps->ncells++;
  if (!all_space(ps->scratch + start, len)) ps->filled = ps->ncells;
}

static void stray(parser *ps, const unsigned char *at) {
  if (ps->quote_pos) return;
  ps->quote_pos = column_of(ps->line_start, at);
  ps->quote_line = ps->line;
}

/* Reads one record into the cells.  1: a record; 0: the end of the data;
** -1: a quoted cell runs to the end of the file (error set). */
static int next_record(parser *ps) {
  roll_result *o = ps->out;
  ps->slen = 0;
  ps->nc = ps->ncells = 0;
  ps->over_filled = 0;
  ps->filled = 0;
  ps->quote_pos = ps->quote_line = 0;
  if (ps->p >= ps->end) return 0;
  for (;;) {
    size_t start = ps->slen;
    const unsigned char *q = ps->p;
    while (q < ps->end && blank((char)*q)) q++;
    if (q < ps->end && *q == '"') {
      size_t qline = ps->line, qpos = column_of(ps->line_start, q);
      /* NOLINTNEXTLINE(clang-analyzer-deadcode.DeadStores): defensive */
      const unsigned char *closing = q; /* set before the loop breaks */
      ps->p = q + 1;
      for (;;) {
        unsigned char ch;
        if (ps->p >= ps->end) {
          o->error_code = "unterminated_quote";
          o->error_line = qline;
          o->error_pos = qpos;
          snprintf(o->error, sizeof o->error,
                   "Line %zu, column %zu: a quoted cell starts here and "
                   "its closing quote never comes.", qline, qpos);
          return -1;
        }
        ch = *ps->p;
        if (ch == '"') {
          if (ps->p + 1 < ps->end && ps->p[1] == '"') {
            sadd(ps, '"');
            ps->p += 2;
            continue;
          }
          closing = ps->p++;
          break;
        }
        if (ch == '\r' || ch == '\n') {
          /* kept (the value is then refused as not one line) */
          const unsigned char *b = ps->p;
          step_break(ps);
          for (; b < ps->p; b++) sadd(ps, (char)*b);
          continue;
        }
        sadd(ps, (char)ch);
        ps->p++;
      }
      while (ps->p < ps->end && blank((char)*ps->p)) ps->p++;
      if (ps->p < ps->end && *ps->p != ',' && *ps->p != '\r' &&
          *ps->p != '\n') {
        stray(ps, closing); /* text after the closing quote */
        goto unquoted;
      }
    } else {
    unquoted:
      while (ps->p < ps->end && *ps->p != ',' && *ps->p != '\r' &&
             *ps->p != '\n') {
        if (*ps->p == '"') stray(ps, ps->p);
        sadd(ps, (char)*ps->p);
        ps->p++;
      }
    }
    end_cell(ps, start);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end) step_break(ps);
    return 1;
  }
}

/* 1 if every cell of the record is blank (spaces only). */
static int record_blank(parser *ps) { return ps->filled == 0; }

/* ------------------------------------------------------------ results */

static char *arena_add(parser *ps, const char *s, size_t n) {
  char *d;
  if (ps->arena_len + n + 1 > ps->arena_cap) { /* cannot happen: sized */
    ps->nomem = 1;
    return NULL;
  }
  d = ps->out->arena + ps->arena_len;
  memcpy(d, s, n);
  d[n] = 0;
  ps->arena_len += n + 1;
  return d;
}

/* Copies s into out (cap bytes), cut before a partial UTF-8 sequence. */
static void copy_cut(char *out, size_t cap, const char *s) {
  size_t n = strlen(s);
  if (n >= cap) {
    n = cap - 1;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) n--;
  }
  memcpy(out, s, n);
  out[n] = 0;
}

/* A new problem of the row at line; col is a roll_col or -1 (the row). */
static roll_problem *problem(parser *ps, size_t line, int col,
                             const char *code, const char *member) {
  roll_result *o = ps->out;
  roll_problem *pr;
  if (o->n_problems == ROLL_PROBLEMS_MAX) {
    o->error_code = "too_many_problems";
    o->error_line = line;
    o->error_pos = 0;
    snprintf(o->error, sizeof o->error,
             "More than %d rows have problems (the last at line %zu), so "
             "nothing was imported. Is this the right file?",
             ROLL_PROBLEMS_MAX, line);
    return NULL;
  }
  if (o->n_problems == ps->prob_cap) {
    size_t nc = ps->prob_cap ? ps->prob_cap * 2 : 8;
    roll_problem *n = realloc(o->problem, nc * sizeof *n);
    if (!n) {
      ps->nomem = 1;
      return NULL;
    }
    o->problem = n;
    ps->prob_cap = nc;
  }
  pr = &o->problem[o->n_problems++];
  memset(pr, 0, sizeof *pr);
  pr->line = line;
  pr->column = col < 0 || col >= ROLL_NCOLS ? NULL : col_names[col];
  pr->code = code;
  if (member) copy_cut(pr->member_no, sizeof pr->member_no, member);
  return pr;
}

#define ROW_COL_NONE (-1)

/* The column names a header cell may have, after lowering, '_' -> ' '
** and trimming. */
static int header_col(const char *s, size_t n) {
  static const struct {
    const char *name;
    roll_col col;
  } known[] = {{"member no", ROLL_COL_MEMBER},
               {"member number", ROLL_COL_MEMBER},
               {"membership number", ROLL_COL_MEMBER},
               {"membership no", ROLL_COL_MEMBER},
               {"name", ROLL_COL_NAME},
               {"email", ROLL_COL_EMAIL},
               {"tags", ROLL_COL_TAGS}};
  char low[32];
  size_t i;
  if (n >= sizeof low) return -1;
  for (i = 0; i < n; i++) {
    char ch = s[i];
    if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
    if (ch == '_') ch = ' ';
    low[i] = ch;
  }
  low[n] = 0;
  for (i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(low, known[i].name) == 0) return (int)known[i].col;
  return -1;
}

/* Reads the header record into map (cell index -> column); returns the
** number of cells that count (trailing unnamed ones dropped) or 0 with
** the error set. */
static size_t header(parser *ps, size_t line, int map[MAX_CELLS]) {
  roll_result *o = ps->out;
  size_t i, n = ps->nc, len;
  char shown[64];
  /* only up to the last named cell: spreadsheets pad with empty ones */
  if (ps->filled > MAX_CELLS) {
    o->error_code = "unknown_column";
    snprintf(o->error, sizeof o->error,
             "Line %zu: the header has %zu columns; a roll has at most 4 "
             "(member_no, name, email, tags).", line, ps->filled);
    o->error_line = line;
    return 0;
  }
  while (n > 0) { /* spreadsheets add empty cells at the end */
    (void)cell_trim(ps, n - 1, &len);
    if (len) break;
    n--;
  }
  for (i = 0; i < n; i++) {
    const char *s = cell_trim(ps, i, &len);
    int c = len ? header_col(s, len) : -1;
    size_t j;
    o->error_line = line;
    if (!len) {
      o->error_code = "empty_column";
      snprintf(o->error, sizeof o->error,
               "Line %zu: column %zu of the header has no name.", line, i + 1);
      return 0;
    }
    copy_cut(shown, sizeof shown, s);
    if (c < 0) {
      o->error_code = "unknown_column";
      snprintf(o->error, sizeof o->error,
               "Line %zu: unknown column \"%s\". The columns are member_no "
               "(or \"member number\"), name, email and tags%s.",
               line, shown,
               strchr(s, ';') || strchr(s, '\t')
                   ? "; separate them with commas"
                   : "; the first line must name them");
      return 0;
    }
    for (j = 0; j < i; j++)
      if (map[j] == c) {
        o->error_code = "duplicate_column";
        snprintf(o->error, sizeof o->error,
                 "Line %zu: the column %s is given twice (columns %zu "
                 "and %zu).", line, col_names[c], j + 1, i + 1);
        return 0;
      }
    map[i] = c;
    o->has[c] = 1;
  }
  o->error_line = 0;
  if (!o->has[ROLL_COL_MEMBER] || !o->has[ROLL_COL_NAME]) {
    o->error_code = "missing_column";
    o->error_line = line;
    snprintf(o->error, sizeof o->error,
             "Line %zu: the header must have the columns member_no and "
             "name (it lacks %s).", line,
             !o->has[ROLL_COL_MEMBER] ? "member_no" : "name");
    return 0;
  }
  return n;
}

/* A text cell: text_check (one line), at most max bytes.  Returns the
** problem code, or NULL with *s fine. */
static const char *check_cell(char *s, size_t *len, size_t max) {
  const char *code = text_check(s, len, max, 0);
  return code;
}

/* The first invisible formatting character of s (bidirectional controls
** U+202A-U+202E and U+2066-U+2069; zero-width U+200B-U+200F, U+2060 and
** U+FEFF): 1 with *cp and *pos (its 1-based character position in s),
** else 0.  Such a character can make one name or number look like
** another. */
static int invisible(const char *s, uint32_t *cp, size_t *pos) {
  size_t n = strlen(s), i = 0, k;
  *pos = 0;
  while (i < n) {
    uint32_t c;
    k = cp_at((const unsigned char *)s + i, n - i, &c);
    ++*pos;
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
        (c >= 0x200b && c <= 0x200f) || c == 0x2060 || c == 0xfeff) {
      *cp = c;
      return 1;
    }
    i += k;
  }
  return 0;
}

/* The problem for an invisible character in a cell. */
static void invisible_msg(char *buf, size_t cap, size_t line,
                          const char *what, uint32_t cp, size_t pos) {
  snprintf(buf, cap,
           "Line %zu, %s, character %zu: U+%04X is an invisible %s "
           "character; remove it.", line, what, pos, (unsigned)cp,
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)
               ? "text-direction"
               : "zero-width");
}

static const char *text_msg(const char *code, const char *what, size_t max,
                            char *buf, size_t cap) {
  if (strcmp(code, "too_long") == 0)
    snprintf(buf, cap, "The %s is too long: at most %zu bytes.", what, max);
  else if (strcmp(code, "required") == 0)
    snprintf(buf, cap, "The %s is missing.", what);
  else
    snprintf(buf, cap, "The %s must be one line of text without control "
             "characters.", what);
  return buf;
}

/* Splits, lowers, checks, sorts and de-duplicates the tags of cell s into
** the arena and tagv.  Returns a problem code or NULL; *bad gets the bad
** tag. */
static const char *read_tags(parser *ps, char *s, size_t *first,
                             size_t *count, size_t *tag_n, size_t *tag_cap,
                             char bad[ROLL_TAG_MAX + 8]) {
  roll_result *o = ps->out;
  const char *local[ROLL_TAGS_MAX];
  size_t n = 0, i, j;
  char *t = s;
  *first = *tag_n;
  *count = 0;
  for (i = 0; s[i]; i++)
    if (s[i] >= 'A' && s[i] <= 'Z') s[i] = (char)(s[i] - 'A' + 'a');
  for (;;) {
    size_t len;
    while (*t == ' ' || *t == '\t' || *t == ',' || *t == ';') t++;
    if (!*t) break;
    len = strcspn(t, " \t,;");
    if (t[len]) t[len++] = 0; /* cut (the separator is lost) */
    else len = strlen(t);
    if (!roll_tag_ok(t)) {
      copy_cut(bad, ROLL_TAG_MAX + 8, t);
      return "bad_tag";
    }
    for (j = 0; j < n && strcmp(local[j], t) != 0; j++) {
    }
    if (j == n) {
      if (n == ROLL_TAGS_MAX) return "too_many_tags";
      local[n++] = t;
    }
    t += len;
  }
  /* insertion sort: few tags */
  for (i = 1; i < n; i++)
    for (j = i; j > 0 && strcmp(local[j - 1], local[j]) > 0; j--) {
      const char *x = local[j];
      local[j] = local[j - 1];
      local[j - 1] = x;
    }
  if (*tag_n + n > *tag_cap) {
    size_t nc = *tag_cap ? *tag_cap : 64;
    const char **nv;
    while (nc < *tag_n + n) nc *= 2;
    nv = realloc(o->tagv, nc * sizeof *nv);
    if (!nv) {
      ps->nomem = 1;
      return NULL;
    }
    o->tagv = nv;
    *tag_cap = nc;
  }
  for (i = 0; i < n; i++) {
    const char *d = arena_add(ps, local[i], strlen(local[i]));
    if (!d) return NULL;
    o->tagv[(*tag_n)++] = d;
  }
  *count = n;
  return NULL;
}

/* The first bad byte (not UTF-8, or NUL) of p[0..n): 1 with the error set,
** else 0.  A line break is ASCII, so it never sits inside a sequence: the
** file is valid exactly when every line is. */
static int check_bytes(const unsigned char *p, size_t n, roll_result *o) {
  const unsigned char *end = p + n, *ls = p;
  size_t line = 1;
  int nul = memchr(p, 0, n) != NULL;
  if (!nul && utf8_valid((const char *)p, n)) return 0;
  while (ls <= end) {
    const unsigned char *le = ls;
    while (le < end && *le != '\n' && *le != '\r') le++;
    if (memchr(ls, 0, (size_t)(le - ls)) ||
        !utf8_valid((const char *)ls, (size_t)(le - ls))) {
      const unsigned char *q = ls;
      size_t k = 0;
      while (q < le && *q != 0) { /* step over each good sequence */
        for (k = 1; k <= 4 && q + k <= le; k++)
          if (utf8_valid((const char *)q, k)) break;
        if (k > 4 || q + k > le) break;
        q += k;
      }
      if (q >= le) break; /* not reached */
      o->error_line = line;
      o->error_pos = column_of(ls, q);
      if (*q == 0) {
        o->error_code = "nul";
        snprintf(o->error, sizeof o->error,
                 "Line %zu, column %zu: a NUL byte; this is not a text file. "
                 "Save the roll as CSV (UTF-8).", line, o->error_pos);
      } else {
        o->error_code = "bad_utf8";
        snprintf(o->error, sizeof o->error,
                 "Line %zu, column %zu: byte 0x%02X is not UTF-8 text. Save "
                 "the roll as \"CSV UTF-8\".", line, o->error_pos, *q);
      }
      return 1;
    }
    if (le == end) break;
    if (*le == '\r' && le + 1 < end && le[1] == '\n') le++;
    ls = le + 1;
    line++;
  }
  /* not reached: some line is bad when the whole is */
  o->error_code = "bad_utf8";
  snprintf(o->error, sizeof o->error, "The file is not UTF-8 text.");
  return 1;
}

static size_t count_breaks(const unsigned char *p, size_t n) {
  size_t i, k = 0;
  for (i = 0; i < n; i++)
    if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n')))
      k++;
  return k;
}

/* One data record (cells in ps): a good row, a rejected one or a
** duplicate.  0, or -1 when the file must be refused (error set) or
** memory ran out. */
static int data_row(parser *ps, size_t line, const int *map, size_t hn,
                    size_t *row_cap, size_t *tag_n, size_t *tag_cap) {
  roll_result *o = ps->out;
  size_t idx[ROLL_NCOLS], i, len;
  char *val[ROLL_NCOLS] = {0};
  const char *member = NULL, *code;
  char bad[ROLL_TAG_MAX + 8];
  roll_problem *pr;
  size_t nprob = o->n_problems, tfirst = 0, tcount = 0, pos = 0;
  uint32_t cp = 0;
  set_slot *slot = NULL;
  int cells_ok = ps->nc == hn && !ps->over_filled;
  for (i = 0; i < ROLL_NCOLS; i++) idx[i] = (size_t)-1;
  for (i = 0; i < hn; i++) idx[map[i]] = i;
  if (ps->nc > hn && !ps->over_filled) { /* empty cells past the header */
    cells_ok = 1;
    for (i = hn; i < ps->nc; i++) {
      (void)cell_trim(ps, i, &len);
      if (len) cells_ok = 0;
    }
  }
  /* the member number first: it decides "listed" and duplicates.  Every
  ** good number named goes into the set (roll_listed), but only a row
  ** with no problem claims it (sl->line): the first good row wins, so a
  ** rejected row never makes a later good one a duplicate. */
  if (idx[ROLL_COL_MEMBER] < ps->nc) {
    char *m = cell_trim(ps, idx[ROLL_COL_MEMBER], &len);
    code = len ? check_cell(m, &len, ROLL_MEMBER_MAX) : "required";
    if (!code && invisible(m, &cp, &pos)) code = "invisible";
    if (!code) {
      slot = set_find(o->set, m);
      if (slot->s && slot->line) {
        if (!(pr = problem(ps, line, ROLL_COL_MEMBER, "duplicate", m)))
          return -1;
        pr->first_line = slot->line;
        snprintf(pr->msg, sizeof pr->msg,
                 "Member number %.64s is also on line %zu; this row was not "
                 "imported.", m, slot->line);
        o->duplicates++;
        return 0;
      }
      if (slot->s) {
        member = slot->s;
      } else {
        if (!(member = arena_add(ps, m, len))) return -1;
        slot->s = member;
        slot->line = 0;
        o->set->n++;
      }
    } else {
      if (!(pr = problem(ps, line, ROLL_COL_MEMBER, code, NULL))) return -1;
      if (strcmp(code, "invisible") == 0)
        invisible_msg(pr->msg, sizeof pr->msg, line, "member_no", cp, pos);
      else
        text_msg(code, "member number", ROLL_MEMBER_MAX, pr->msg,
                 sizeof pr->msg);
    }
  }
  if (!cells_ok) {
    if (!(pr = problem(ps, line, ROW_COL_NONE, "cells", member))) return -1;
    snprintf(pr->msg, sizeof pr->msg,
             "This row has %zu cells but the header has %zu (is a comma "
             "inside a cell that is not in quotes?).", ps->ncells, hn);
  } else {
    if (ps->quote_pos) {
      if (!(pr = problem(ps, line, ROW_COL_NONE, "quote", member))) return -1;
      snprintf(pr->msg, sizeof pr->msg,
               "Line %zu, column %zu: a stray quote mark (\"). Put the "
               "whole cell in quotes and write each quote inside it twice.",
               ps->quote_line, ps->quote_pos);
    }
    val[ROLL_COL_NAME] = cell_trim(ps, idx[ROLL_COL_NAME], &len);
    code = len ? check_cell(val[ROLL_COL_NAME], &len, ROLL_NAME_MAX)
               : "required";
    if (!code && invisible(val[ROLL_COL_NAME], &cp, &pos))
      code = "invisible";
    if (code) {
      if (!(pr = problem(ps, line, ROLL_COL_NAME, code, member))) return -1;
      if (strcmp(code, "invisible") == 0)
        invisible_msg(pr->msg, sizeof pr->msg, line, "name", cp, pos);
      else
        text_msg(code, "name", ROLL_NAME_MAX, pr->msg, sizeof pr->msg);
    }
    if (o->has[ROLL_COL_EMAIL]) {
      val[ROLL_COL_EMAIL] = cell_trim(ps, idx[ROLL_COL_EMAIL], &len);
      code = check_cell(val[ROLL_COL_EMAIL], &len, ROLL_EMAIL_MAX);
      if (!code && len && !svc_email_valid(val[ROLL_COL_EMAIL], len))
        code = "bad_email";
      if (code) {
        if (!(pr = problem(ps, line, ROLL_COL_EMAIL, code, member)))
          return -1;
        if (strcmp(code, "bad_email") == 0)
          snprintf(pr->msg, sizeof pr->msg,
                   "This is not an email address (name@example.org); leave "
                   "the cell empty if there is none.");
        else
          text_msg(code, "email address", ROLL_EMAIL_MAX, pr->msg,
                   sizeof pr->msg);
      }
    }
    if (o->has[ROLL_COL_TAGS]) {
      val[ROLL_COL_TAGS] = cell_trim(ps, idx[ROLL_COL_TAGS], &len);
      code = check_cell(val[ROLL_COL_TAGS], &len, ROLL_TAGS_CELL_MAX);
      if (!code)
        code = read_tags(ps, val[ROLL_COL_TAGS], &tfirst, &tcount, tag_n,
                         tag_cap, bad);
      if (ps->nomem) return -1;
      if (code) {
        if (!(pr = problem(ps, line, ROLL_COL_TAGS, code, member))) return -1;
        if (strcmp(code, "bad_tag") == 0)
          snprintf(pr->msg, sizeof pr->msg,
                   "\"%s\" is not a tag: use 1 to %d of a-z, 0-9, ':', "
                   "'_' and '-', separated by spaces, commas or semicolons.",
                   bad, ROLL_TAG_MAX);
        else if (strcmp(code, "too_many_tags") == 0)
          snprintf(pr->msg, sizeof pr->msg, "At most %d tags per member.",
                   ROLL_TAGS_MAX);
        else
          text_msg(code, "tags cell", ROLL_TAGS_CELL_MAX, pr->msg,
                   sizeof pr->msg);
      }
    }
  }
  if (o->n_problems != nprob) {
    o->rejected++;
    return 0;
  }
  {
    roll_row *r;
    if (o->n_rows == *row_cap) {
      size_t nc = *row_cap ? *row_cap * 2 : 64;
      roll_row *nr = realloc(o->row, nc * sizeof *nr);
      if (!nr) {
        ps->nomem = 1;
        return -1;
      }
      o->row = nr;
      *row_cap = nc;
    }
    if (slot) slot->line = line; /* the first good row claims it */
    r = &o->row[o->n_rows];
    memset(r, 0, sizeof *r);
    r->line = line;
    r->member_no = member;
    r->name = arena_add(ps, val[ROLL_COL_NAME], strlen(val[ROLL_COL_NAME]));
    r->email = val[ROLL_COL_EMAIL]
                   ? arena_add(ps, val[ROLL_COL_EMAIL],
                               strlen(val[ROLL_COL_EMAIL]))
                   : "";
    /* tags: an index for now (tagv may move); pointers at the end */
    /* NOLINTNEXTLINE(performance-no-int-to-ptr): an index, as it says */
    r->tag = (const char *const *)(uintptr_t)tfirst;
    r->n_tags = tcount;
    if (!r->name || !r->email) return -1;
    o->n_rows++;
  }
  return 0;
}

web_status roll_parse(const char *data, size_t len, roll_result *out) {
  parser ps;
  const unsigned char *p = (const unsigned char *)data;
  int map[MAX_CELLS];
  size_t hn = 0, line, row_cap = 0, tag_n = 0, tag_cap = 0, i, slots;
  int rc, have_header = 0;
  memset(out, 0, sizeof *out);
  memset(&ps, 0, sizeof ps);
  if (len > ROLL_FILE_MAX) {
    out->error_code = "too_large";
    snprintf(out->error, sizeof out->error,
             "The file is larger than %zu MiB.", ROLL_FILE_MAX >> 20);
    return WEB_EINVALID;
  }
  if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
    p += 3;
    len -= 3;
  } else if (len >= 2 && ((p[0] == 0xff && p[1] == 0xfe) ||
                          (p[0] == 0xfe && p[1] == 0xff))) {
    out->error_code = "utf16";
    out->error_line = 1;
    snprintf(out->error, sizeof out->error,
             "The file is UTF-16 text. Save the roll as \"CSV UTF-8\".");
    return WEB_EINVALID;
  }
  if (check_bytes(p, len, out)) return WEB_EINVALID;
  /* the set: at most one row per line */
  slots = count_breaks(p, len) + 2;
  if (slots > ROLL_ROWS_MAX + 2) slots = ROLL_ROWS_MAX + 2;
  out->set = calloc(1, sizeof *out->set);
  if (!out->set) goto nomem;
  for (out->set->cap = 16; out->set->cap < 2 * slots; out->set->cap *= 2) {
  }
  out->set->slot = calloc(out->set->cap, sizeof *out->set->slot);
  ps.arena_cap = 2 * len + 64;
  out->arena = malloc(ps.arena_cap);
  if (!out->set->slot || !out->arena) goto nomem;
  ps.p = p;
  ps.end = p + len;
  ps.line = 1;
  ps.line_start = p;
  ps.out = out;
  for (;;) {
    line = ps.line;
    rc = next_record(&ps);
    if (ps.nomem) goto nomem;
    if (rc < 0) goto refused;
    if (rc == 0) break;
    if (record_blank(&ps)) continue;
    if (!have_header) {
      memset(map, -1, sizeof map);
      if (!(hn = header(&ps, line, map))) goto refused;
      have_header = 1;
      continue;
    }
    if (out->rows == ROLL_ROWS_MAX) {
      out->error_code = "too_many_rows";
      out->error_line = line;
      snprintf(out->error, sizeof out->error,
               "The roll has more than %d members (line %zu); split it "
               "with the same header on each part.", ROLL_ROWS_MAX, line);
      goto refused;
    }
    out->rows++;
    if (data_row(&ps, line, map, hn, &row_cap, &tag_n, &tag_cap) < 0) {
      if (ps.nomem) goto nomem;
      goto refused;
    }
    if (ps.nomem) goto nomem;
  }
  if (!have_header) {
    out->error_code = "empty";
    snprintf(out->error, sizeof out->error,
             "The file is empty: it needs a header row (member_no,name,"
             "email,tags) and a row per member.");
    goto refused;
  }
  out->listed = out->set->n;
  for (i = 0; i < out->n_rows; i++)
    out->row[i].tag = out->row[i].n_tags
                          ? out->tagv + (uintptr_t)out->row[i].tag
                          : NULL;
  free(ps.scratch);
  return WEB_OK;
refused:
  free(ps.scratch);
  {
    roll_result keep = *out;
    keep.set = NULL;
    keep.arena = NULL;
    keep.tagv = NULL;
    keep.row = NULL;
    keep.problem = NULL;
    roll_free(out);
    memset(out, 0, sizeof *out);
    out->error_code = keep.error_code;
    memcpy(out->error, keep.error, sizeof out->error);
    out->error_line = keep.error_line;
    out->error_pos = keep.error_pos;
  }
  return WEB_EINVALID;
nomem:
  free(ps.scratch);
  roll_free(out);
  return WEB_ENOMEM;
}

void roll_free(roll_result *r) {
  if (!r) return;
  if (r->set) free(r->set->slot);
  free(r->set);
  free(r->arena);
  free((void *)r->tagv);
  free(r->row);
  free(r->problem);
  r->set = NULL;
  r->arena = NULL;
  r->tagv = NULL;
  r->row = NULL;
  r->problem = NULL;
  r->n_rows = r->n_problems = 0;
}
