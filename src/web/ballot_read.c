/*
** ballot_read.c: the ranking form's rules (docs/design/ballot.md §3.3).
** Reads the fields "r.{contest_id}.{nomination_id}" of a posted ballot
** against the voter's paper and gives, per contest, the nomination ids in
** the voter's order, or field errors.
**
**   empty                    not ranked
**   spaces around digits     trimmed (space and tab)
**   not digits               not_a_number on the field
**   0, or > the number of    out_of_range on the field
**   candidates in the contest
**   a number used twice      duplicate on each field concerned
**   the same field twice     duplicate on that field
**   a gap (1, 2, 4)          accepted and closed up (gap_closed)
**   a contest not on the     not_eligible on "contest.C"
**   paper, or a candidate
**   not in the contest
**
** Only names of exactly the form r.DIGITS.DIGITS (no leading zero, at most
** 18 digits each) are ballot fields; every other name (csrf, r.x, r.03.4)
** is ignored, so it cannot rank anything.
**
** Pure: no I/O, no database, no globals.  The choices belong to the
** caller (ballot_choices_free).  Errors are added in paper order (the
** contests of the paper first to last, each contest's candidates in the
** order shown), after any contest not on the paper.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_vote.h"

/* A field's state while reading. */
enum {
  CELL_OK = 0,
  CELL_NAN,    /* not_a_number */
  CELL_RANGE,  /* out_of_range */
  CELL_DUP,    /* duplicate: its number is used on another field */
  CELL_TWICE   /* duplicate: the field itself was posted twice */
};

typedef struct cell {
  int num;            /* 1..n when ranked, 0 when not */
  unsigned char seen; /* the field was posted */
  unsigned char code; /* CELL_* */
} cell;

/* The longest list of names a duplicate message spells out; past it the
** message gives a count (verr messages hold 255 bytes). */
#define DUP_NAMES_MAX 170

/* Parses 1..18 decimal digits with no leading zero at s[0..n) into *out;
** 1 on success. */
static int parse_id(const char *s, size_t n, int64_t *out) {
  int64_t v = 0;
  size_t i;
  if (n == 0 || n > 18 || s[0] == '0') return 0;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 1;
}

/* Splits "r.C.N" into its ids; 1 if name is a ballot field. */
static int parse_name(const char *name, int64_t *c, int64_t *nom) {
  const char *dot;
  if (name[0] != 'r' || name[1] != '.') return 0;
  name += 2;
  dot = strchr(name, '.');
  if (!dot) return 0;
  return parse_id(name, (size_t)(dot - name), c) &&
         parse_id(dot + 1, strlen(dot + 1), nom);
}

/* Reads one value: 0 for empty (unranked), CELL_NAN or CELL_RANGE with
** *num untouched, or CELL_OK with *num in 1..max. */
static int read_value(const char *s, size_t len, int max, int *num) {
  size_t a = 0, b = len, i;
  int v = 0;
  while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
  if (a == b) {
    *num = 0;
    return CELL_OK;
  }
  for (i = a; i < b; i++)
    if (s[i] < '0' || s[i] > '9') return CELL_NAN;
  while (a < b && s[a] == '0') a++;
  if (b - a > 6) return CELL_RANGE; /* a paper has at most 380 names */
  for (i = a; i < b; i++) v = v * 10 + (s[i] - '0');
  if (v < 1 || v > max) return CELL_RANGE;
  *num = v;
  return CELL_OK;
}

static const char *name_of(const svc_bcand *c) {
  return c->name ? c->name : "";
}

static const char *title_of(const svc_bcontest *c) {
  return c->title ? c->title : "this contest";
}

/* The message for a field whose number k is also on other fields of the
** contest: "You gave 3 to Ada Brennan and to Tomasz Wren. Use each number
** once.", or "to A, B and C" for three or more (in the order shown). */
static void dup_message(verr *v, const char *field, const svc_bcontest *bc,
                        const cell *cells, int k) {
  char names[DUP_NAMES_MAX + 1];
  size_t i, used = 0, count = 0, total = 0, len;
  int fits = 1;
  for (i = 0; i < bc->n; i++)
    if (cells[i].code == CELL_DUP && cells[i].num == k) total++;
  names[0] = 0;
  for (i = 0; i < bc->n; i++) {
    const char *sep;
    if (cells[i].code != CELL_DUP || cells[i].num != k) continue;
    count++;
    sep = count == 1 ? "" : count < total ? ", " : total == 2 ? " and to "
                                                               : " and ";
    len = strlen(sep) + strlen(name_of(&bc->cand[i]));
    if (used + len > DUP_NAMES_MAX) {
      fits = 0;
      break;
    }
    snprintf(names + used, sizeof names - used, "%s%s", sep,
             name_of(&bc->cand[i]));
    used += len;
  }
  if (fits)
    verr_add(v, field, "duplicate",
             "You gave %d to %s. Use each number once.", k, names);
  else
    verr_add(v, field, "duplicate",
             "You gave %d to %zu candidates. Use each number once.", k,
             total);
}

/* Adds the errors of contest ci (cells[0..n)) to v in the order shown. */
static void contest_errors(verr *v, const svc_bcontest *bc,
                           const cell *cells, int bad_cand) {
  char field[FORM_MAX_NAME + 1];
  size_t i;
  if (bad_cand) {
    snprintf(field, sizeof field, "contest.%lld", (long long)bc->id);
    verr_add(v, field, "not_eligible",
             "This ballot has a candidate who is not standing in %s.",
             title_of(bc));
  }
  for (i = 0; i < bc->n; i++) {
    const svc_bcand *c = &bc->cand[i];
    if (cells[i].code == CELL_OK) continue;
    snprintf(field, sizeof field, "r.%lld.%lld", (long long)bc->id,
             (long long)c->nomination_id);
    switch (cells[i].code) {
    case CELL_NAN:
    case CELL_RANGE:
      verr_add(v, field,
               cells[i].code == CELL_NAN ? "not_a_number" : "out_of_range",
               "Enter a whole number from 1 to %zu for %s, or leave it "
               "empty.", bc->n, name_of(c));
      break;
    case CELL_DUP:
      dup_message(v, field, bc, cells, cells[i].num);
      break;
    default:
      verr_add(v, field, "duplicate",
               "%s was given more than one number. Give each candidate "
               "one number.", name_of(c));
      break;
    }
  }
}

/* Marks each ranked field whose number another field of the contest also
** uses.  count has room for n + 1 entries. */
static void mark_duplicates(cell *cells, size_t n, unsigned *count) {
  size_t i;
  memset(count, 0, (n + 1) * sizeof *count);
  for (i = 0; i < n; i++)
    if (cells[i].code == CELL_OK && cells[i].num) count[cells[i].num]++;
  for (i = 0; i < n; i++)
    if (cells[i].code == CELL_OK && cells[i].num &&
        count[cells[i].num] > 1)
      cells[i].code = CELL_DUP;
}

/* Fills one choice from a contest's valid cells: candidates by number,
** gaps closed.  pos has room for n + 1 entries. */
static web_status make_choice(ballot_choice *ch, const svc_bcontest *bc,
                              const cell *cells, size_t *pos) {
  size_t i, k = 0, top = 0;
  ch->contest_id = bc->id;
  for (i = 0; i <= bc->n; i++) pos[i] = (size_t)-1;
  for (i = 0; i < bc->n; i++)
    if (cells[i].num) {
      pos[cells[i].num] = i;
      k++;
      if ((size_t)cells[i].num > top) top = (size_t)cells[i].num;
    }
  ch->n = k;
  ch->gap_closed = top != k;
  if (!k) return WEB_OK;
  ch->order = malloc(k * sizeof *ch->order);
  if (!ch->order) return WEB_ENOMEM;
  k = 0;
  for (i = 1; i <= top; i++) {
    const svc_bcand *c;
    if (pos[i] == (size_t)-1) continue;
    c = &bc->cand[pos[i]];
    ch->order[k++] = c->nomination_id;
    if (c->withdrawn) ch->has_withdrawn = 1;
  }
  return WEB_OK;
}

void ballot_choices_free(ballot_choice *c, size_t n) {
  size_t i;
  if (!c) return;
  for (i = 0; i < n; i++) free(c[i].order);
  free(c);
}

web_status ballot_read(const form *f, const svc_ballot *b,
                       ballot_choice **out, size_t *n, verr *v) {
  verr local;
  cell *cells = NULL;
  size_t *base = NULL, *pos = NULL, total = 0, widest = 0, i, j;
  unsigned *count = NULL;
  unsigned char *bad_cand = NULL;
  int64_t *foreign = NULL;
  size_t nforeign = 0, errors = 0;
  ballot_choice *ch = NULL;
  web_status st = WEB_OK;

  *out = NULL;
  *n = 0;
  if (!v) {
    memset(&local, 0, sizeof local);
    v = &local;
  }
  for (i = 0; i < b->n; i++) {
    if (b->c[i].n > (size_t)1 << 20) return WEB_ETOOBIG;
    total += b->c[i].n;
    if (b->c[i].n > widest) widest = b->c[i].n;
  }
  cells = calloc(total ? total : 1, sizeof *cells);
  base = calloc(b->n ? b->n : 1, sizeof *base);
  bad_cand = calloc(b->n ? b->n : 1, 1);
  count = calloc(widest + 1, sizeof *count);
  pos = calloc(widest + 1, sizeof *pos);
  foreign = calloc(f->n ? f->n : 1, sizeof *foreign);
  if (!cells || !base || !bad_cand || !count || !pos || !foreign) {
    st = WEB_ENOMEM;
    goto done;
  }
  for (i = 1; i < b->n; i++) base[i] = base[i - 1] + b->c[i - 1].n;

  /* each posted ballot field onto its cell */
  for (i = 0; i < f->n; i++) {
    int64_t cid, nid;
    const svc_bcontest *bc = NULL;
    cell *cl;
    size_t ci = 0, k;
    if (!parse_name(f->name[i], &cid, &nid)) continue;
    for (j = 0; j < b->n && !bc; j++)
      if (b->c[j].id == cid) {
        bc = &b->c[j];
        ci = j;
      }
    if (!bc) {
      for (k = 0; k < nforeign && foreign[k] != cid; k++) {
      }
      if (k == nforeign) foreign[nforeign++] = cid;
      continue;
    }
    for (k = 0; k < bc->n && bc->cand[k].nomination_id != nid; k++) {
    }
    if (k == bc->n) {
      bad_cand[ci] = 1;
      continue;
    }
    cl = &cells[base[ci] + k];
    if (cl->seen) {
      cl->code = CELL_TWICE;
      cl->num = 0;
      continue;
    }
    cl->seen = 1;
    cl->code = (unsigned char)read_value(f->value[i], f->vlen[i],
                                         (int)bc->n, &cl->num);
  }

  /* the errors, contests not on the paper first, then in paper order */
  for (i = 0; i < nforeign; i++) {
    char field[FORM_MAX_NAME + 1];
    snprintf(field, sizeof field, "contest.%lld", (long long)foreign[i]);
    verr_add(v, field, "not_eligible",
             "This ballot has a contest you cannot vote in.");
    errors++;
  }
  for (i = 0; i < b->n; i++) {
    cell *cs = cells + base[i];
    size_t bad = bad_cand[i];
    mark_duplicates(cs, b->c[i].n, count);
    for (j = 0; j < b->c[i].n; j++) bad += cs[j].code != CELL_OK;
    if (!bad) continue;
    contest_errors(v, &b->c[i], cs, bad_cand[i]);
    errors += bad;
  }
  if (errors) {
    st = WEB_EINVALID;
    goto done;
  }

  if (b->n) {
    ch = calloc(b->n, sizeof *ch);
    if (!ch) {
      st = WEB_ENOMEM;
      goto done;
    }
  }
  for (i = 0; i < b->n; i++) {
    st = make_choice(&ch[i], &b->c[i], cells + base[i], pos);
    if (st != WEB_OK) {
      ballot_choices_free(ch, b->n);
      ch = NULL;
      goto done;
    }
  }
  *out = ch;
  *n = b->n;
done:
  free(cells);
  free(base);
  free(bad_cand);
  free(count);
  free(pos);
  free(foreign);
  return st;
}
