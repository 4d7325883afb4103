/*
** svc_nominate.c: the candidates' side of nominations (svc_nominate.h):
** the nomination read model of svc.h (by id and by private token), the
** checks of a candidate's form, submitting, editing and withdrawing a
** nomination, and branches' supporting nominations through their links.
**
** Every action validates first (nothing changes on a field error), then
** runs one db_write whose transaction re-reads the state it depends on
** (phase, nominations_close, status) and holds the change with its audit
** row, so a request that arrives after the deadline is refused even when
** the clock thread has not moved the phase yet.  The db_fn callbacks
** only touch the database (tokens and renderings are made before), so
** db_write may run them again on SQLITE_BUSY.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http.h"
#include "svc_nominate.h"

/* The nomination form holds two fields per question (answer, comment),
** one per category chosen, and name, email, statement, declaration,
** action and csrf: it must parse within FORM_MAX_FIELDS. */
_Static_assert(2 * NOM_MAX_QUESTIONS + NOM_MAX_CATEGORIES + 16 <=
                   FORM_MAX_FIELDS,
               "the nomination form would exceed FORM_MAX_FIELDS");
/* A statement of NOM_STATEMENT_MAX bytes that are all percent-encoded
** (every byte of non-ASCII text is, %XX) still fits the form body with
** the name and email beside it, so an over-long statement is refused on
** its field (too_long) before the body cap answers 413. */
_Static_assert(3 * ((size_t)NOM_STATEMENT_MAX + NOM_NAME_MAX +
                    NOM_EMAIL_MAX) + 2048 <= FORM_BODY_MAX,
               "a whole statement must fit the form body");

/* Audit detail buffers (svc_setup.h: SVC_JSON_WORST). */
#define DETAIL_NOM (SVC_DETAIL_BASE + SVC_JSON_WORST(NOM_NAME_MAX))
#define DETAIL_WITHDRAW (SVC_DETAIL_BASE + SVC_JSON_WORST(NOM_REASON_MAX))
#define DETAIL_SUPPORT (SVC_DETAIL_BASE + SVC_JSON_WORST(SVC_BRANCH_MAX))

/* ------------------------------------------------------------- helpers */

/* A NUL-terminated copy of s[0..n) (s may hold NULs; n counts them). */
static char *dupn(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (!p) return NULL;
  if (n) memcpy(p, s, n);
  p[n] = 0;
  return p;
}

/* The hex BLAKE2b-256 of a statement, as the audit log shows it. */
static void statement_hash(const char *md, size_t n, char out[65]) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, (const unsigned char *)md, n, NULL, 0);
  sodium_bin2hex(out, 65, h, sizeof h);
}

/* Replaces v's items with one conflict item (when v is given). */
static web_status conflict(verr *v, const char *code, const char *msg) {
  if (v) {
    v->n = 0;
    verr_add(v, "", code, "%s", msg);
  }
  return WEB_ECONFLICT;
}

/* A token's shape: TOKEN_LEN base64url characters. */
static int token_shape(const char *t) {
  size_t i;
  if (!t) return 0;
  for (i = 0; t[i]; i++) {
    char c = t[i];
    if (i >= TOKEN_LEN ||
        !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return 0;
  }
  return i == TOKEN_LEN;
}

/* --------------------------------------------------------- status names */

static const char *const status_names[] = {"submitted", "accepted",
                                           "rejected", "withdrawn"};

const char *svc_nom_status_name(svc_nom_status s) {
  return (unsigned)s < 4 ? status_names[s] : "?";
}

int svc_nom_status_parse(const char *s, svc_nom_status *out) {
  int i;
  for (i = 0; i < 4; i++)
    if (s && strcmp(s, status_names[i]) == 0) {
      *out = (svc_nom_status)i;
      return 1;
    }
  return 0;
}

/* ---------------------------------------------------------- read model */

#define NOM_COLS                                                             \
  "SELECT n.id, n.contest_id, c.election_id, n.name, n.email, n.status, "   \
  "s.markdown, s.html, s.words, n.created_at, n.updated_at, "               \
  "(SELECT d.reason FROM decisions d WHERE d.nomination_id = n.id "         \
  "ORDER BY d.id DESC LIMIT 1), w.at, w.reason "                            \
  "FROM nominations n JOIN contests c ON c.id = n.contest_id "              \
  "LEFT JOIN statements s ON s.nomination_id = n.id "                       \
  "LEFT JOIN withdrawals w ON w.nomination_id = n.id "

static const char nom_sql_id[] = NOM_COLS "WHERE n.id = ?1";
static const char nom_sql_hash[] = NOM_COLS "WHERE n.edit_hash = ?1";

void svc_nomination_free(svc_nomination *n) {
  free(n->name);
  free(n->email);
  free(n->markdown);
  free(n->html);
  free(n->reason);
  free(n->withdraw_reason);
  memset(n, 0, sizeof *n);
}

static web_status nom_read(sqlite3_stmt *st, svc_nomination *n) {
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) {
    sqlite3_reset(st);
    return WEB_ENOTFOUND;
  }
  if (rc != SQLITE_ROW) {
    sqlite3_reset(st);
    return db_status(rc);
  }
  n->id = sqlite3_column_int64(st, 0);
  n->contest_id = sqlite3_column_int64(st, 1);
  n->election_id = sqlite3_column_int64(st, 2);
  n->name = svcs_col_dup(st, 3);
  n->email = svcs_col_dup(st, 4);
  if (!svc_nom_status_parse((const char *)sqlite3_column_text(st, 5),
                            &n->status))
    n->status = NOM_SUBMITTED;
  n->markdown = svcs_col_dup(st, 6);
  n->html = svcs_col_dup(st, 7);
  n->words = sqlite3_column_int(st, 8);
  n->created_at = sqlite3_column_int64(st, 9);
  n->updated_at = sqlite3_column_int64(st, 10);
  n->reason = svcs_col_dup(st, 11);
  n->withdrawn_at = sqlite3_column_int64(st, 12);
  n->withdraw_reason = svcs_col_dup(st, 13);
  sqlite3_reset(st);
  if (!n->name || !n->email || !n->markdown || !n->html || !n->reason ||
      !n->withdraw_reason) {
    svc_nomination_free(n);
    return WEB_ENOMEM;
  }
  return WEB_OK;
}

web_status svc_nomination_get(sqlite3 *db, int64_t id, svc_nomination *out) {
  sqlite3_stmt *st = db_stmt(db, nom_sql_id);
  memset(out, 0, sizeof *out);
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, id);
  return nom_read(st, out);
}

web_status svc_nomination_by_token(sqlite3 *db, const char *token,
                                   svc_nomination *out) {
  unsigned char h[32];
  sqlite3_stmt *st;
  memset(out, 0, sizeof *out);
  if (!token_shape(token)) return WEB_ENOTFOUND;
  st = db_stmt(db, nom_sql_hash);
  if (!st) return WEB_EDB;
  auth_token_hash(token, h);
  sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_TRANSIENT);
  return nom_read(st, out);
}

/* ---------------------------------------------------------------- spec */

void svc_nom_spec_free(svc_nom_spec *s) {
  free(s->contest.title);
  svc_questions_free(s->q, s->nq);
  svc_categories_free(s->cat, s->ncat);
  memset(s, 0, sizeof *s);
}

static web_status spec_fill(sqlite3 *db, int64_t election_id,
                            svc_nom_spec *out) {
  /* the same readers (and caps) as the set-up pages */
  web_status s = svc_questions(db, election_id, &out->q, &out->nq);
  if (!s) s = svc_categories(db, election_id, &out->cat, &out->ncat);
  if (s) svc_nom_spec_free(out);
  return s;
}

web_status svc_nom_spec_get(sqlite3 *db, int64_t election_id,
                            const char *contest_slug, svc_nom_spec *out) {
  web_status s;
  memset(out, 0, sizeof *out);
  s = svc_contest_get(db, election_id, contest_slug, &out->contest);
  if (s) {
    svc_nom_spec_free(out);
    return s;
  }
  return spec_fill(db, election_id, out);
}

web_status svc_nom_spec_get_id(sqlite3 *db, int64_t election_id,
                               int64_t contest_id, svc_nom_spec *out) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT id, election_id, slug, title, position, seats, rules, "
          "threshold, threshold_kind FROM contests WHERE id = ?1 AND "
          "election_id = ?2");
  svc_contest *c = &out->contest;
  int rc;
  memset(out, 0, sizeof *out);
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, contest_id);
  sqlite3_bind_int64(st, 2, election_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    c->id = sqlite3_column_int64(st, 0);
    c->election_id = sqlite3_column_int64(st, 1);
    svcs_col_copy(st, 2, c->slug, sizeof c->slug);
    c->title = svcs_col_dup(st, 3);
    c->position = sqlite3_column_int(st, 4);
    c->seats = sqlite3_column_int(st, 5);
    svcs_col_copy(st, 6, c->rules, sizeof c->rules);
    c->threshold = sqlite3_column_int(st, 7);
    svcs_col_copy(st, 8, c->threshold_kind, sizeof c->threshold_kind);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  if (!c->title) return WEB_ENOMEM;
  return spec_fill(db, election_id, out);
}

/* --------------------------------------------------------------- input */

void svc_nom_input_free(svc_nom_input *in) {
  size_t i;
  free(in->name);
  free(in->email);
  free(in->statement);
  if (in->comment)
    for (i = 0; i < in->nq; i++) free(in->comment[i]);
  free(in->comment);
  free(in->comment_len);
  free(in->answer);
  free(in->cat_on);
  memset(in, 0, sizeof *in);
}

/* Allocates the per-question and per-category arrays of in for s. */
static web_status input_alloc(svc_nom_input *in, const svc_nom_spec *s) {
  memset(in, 0, sizeof *in);
  in->nq = s->nq;
  in->ncat = s->ncat;
  in->answer = calloc(s->nq + 1, 1);
  in->comment = calloc(s->nq + 1, sizeof *in->comment);
  in->comment_len = calloc(s->nq + 1, sizeof *in->comment_len);
  in->cat_on = calloc(s->ncat + 1, 1);
  if (!in->answer || !in->comment || !in->comment_len || !in->cat_on) {
    svc_nom_input_free(in);
    return WEB_ENOMEM;
  }
  return WEB_OK;
}

/* A copy of form field name ("" when absent). */
static char *form_dup(const form *f, const char *name, size_t *len) {
  size_t n = 0;
  const char *v = form_value(f, name, &n);
  if (!v) n = 0;
  *len = n;
  return dupn(v ? v : "", n);
}

/* GCC 12's -fanalyzer loses track of the comment copies stored in the
** in->comment array (input_alloc's) and reports them leaked; they are
** in's, freed by svc_nom_input_free (a false positive). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
web_status svc_nom_input_from_form(const form *f, const svc_nom_spec *s,
                                   svc_nom_input *in) {
  char field[FORM_MAX_NAME + 1];
  const char *val;
  size_t i, j;
  if (input_alloc(in, s)) return WEB_ENOMEM;
  in->name = form_dup(f, "name", &in->name_len);
  in->email = form_dup(f, "email", &in->email_len);
  in->statement = form_dup(f, "statement", &in->statement_len);
  if (!in->name || !in->email || !in->statement) goto nomem;
  for (i = 0; i < s->nq; i++) {
    size_t n;
    snprintf(field, sizeof field, "answers.%lld", (long long)s->q[i].id);
    val = form_get(f, field);
    if (!val || !*val) in->answer[i] = NOM_ANS_NONE;
    else if (strcmp(val, "yes") == 0) in->answer[i] = NOM_ANS_YES;
    else if (strcmp(val, "no") == 0) in->answer[i] = NOM_ANS_NO;
    else in->answer[i] = NOM_ANS_BAD;
    snprintf(field, sizeof field, "comments.%lld", (long long)s->q[i].id);
    if ((val = form_value(f, field, &n)) != NULL) {
      if (!(in->comment[i] = dupn(val, n))) goto nomem;
      in->comment_len[i] = n;
    }
  }
  for (i = 0; (val = form_get_nth(f, "categories", i)) != NULL; i++) {
    for (j = 0; j < s->ncat; j++)
      if (strcmp(val, s->cat[j].slug) == 0) break;
    if (j < s->ncat) in->cat_on[j] = 1;
    else in->cat_unknown = 1;
  }
  val = form_get(f, "declaration");
  in->declaration = val && strcmp(val, "yes") == 0;
  return WEB_OK;
nomem:
  svc_nom_input_free(in);
  return WEB_ENOMEM;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

web_status svc_nom_input_load(sqlite3 *db, int64_t id, const svc_nom_spec *s,
                              svc_nom_input *in) {
  svc_nomination n;
  sqlite3_stmt *st;
  size_t i;
  int rc;
  web_status ws = svc_nomination_get(db, id, &n);
  if (ws) return ws;
  if (input_alloc(in, s)) {
    svc_nomination_free(&n);
    return WEB_ENOMEM;
  }
  in->name = n.name;
  in->email = n.email;
  in->statement = n.markdown;
  n.name = n.email = n.markdown = NULL;
  svc_nomination_free(&n);
  in->name_len = strlen(in->name);
  in->email_len = strlen(in->email);
  in->statement_len = strlen(in->statement);
  in->declaration = 1;
  st = db_stmt(db, "SELECT question_id, answer, comment FROM answers "
                   "WHERE nomination_id = ?1");
  if (!st) goto dberr;
  sqlite3_bind_int64(st, 1, id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t q = sqlite3_column_int64(st, 0);
    const char *a = (const char *)sqlite3_column_text(st, 1);
    for (i = 0; i < s->nq; i++)
      if (s->q[i].id == q) break;
    if (i == s->nq) continue;
    in->answer[i] = a && strcmp(a, "yes") == 0  ? NOM_ANS_YES
                    : a && strcmp(a, "no") == 0 ? NOM_ANS_NO
                                                : NOM_ANS_NONE;
    free(in->comment[i]);
    if (!(in->comment[i] = svcs_col_dup(st, 2))) {
      sqlite3_reset(st);
      svc_nom_input_free(in);
      return WEB_ENOMEM;
    }
    in->comment_len[i] = strlen(in->comment[i]);
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) goto dberr;
  st = db_stmt(db, "SELECT category_id FROM nomination_categories "
                   "WHERE nomination_id = ?1");
  if (!st) goto dberr;
  sqlite3_bind_int64(st, 1, id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t c = sqlite3_column_int64(st, 0);
    for (i = 0; i < s->ncat; i++)
      if (s->cat[i].id == c) in->cat_on[i] = 1;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) goto dberr;
  return WEB_OK;
dberr:
  svc_nom_input_free(in);
  return WEB_EDB;
}

/* ----------------------------------------------------------- validation */

int svc_email_valid(const char *s, size_t n) {
  const char *at = NULL;
  size_t i, label = 0, labels = 0;
  if (n == 0 || n > NOM_EMAIL_MAX) return 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c == 0x7f || strchr("\"<>()[]\\,;:", c)) return 0;
    if (c == '@') {
      if (at) return 0;
      at = s + i;
    }
  }
  if (!at || at == s || at - s > 64) return 0;
  /* the domain: labels of letters, digits, '-' (not at either end) and
  ** non-ASCII bytes (internationalised names), joined by single dots */
  for (i = (size_t)(at - s) + 1; i <= n; i++) {
    unsigned char c = i < n ? (unsigned char)s[i] : '.';
    if (c == '.') {
      if (label == 0 || label > 63 || s[i - 1] == '-') return 0;
      labels++;
      label = 0;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c >= 0x80 || (c == '-' && label > 0)))
      return 0;
    label++;
  }
  return labels >= 2;
}

/* Trims spaces and tabs at both ends of s[0..*n), in place. */
static void trim(char *s, size_t *n) {
  size_t a = 0, b = *n;
  while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
  if (a) memmove(s, s + a, b - a);
  s[b - a] = 0;
  *n = b - a;
}

/* One text field through text_check; adds its error to v on field with
** what ("Your name") in the message.  Returns 1 when fine. */
static int check_text(verr *v, const char *field, const char *what, char *s,
                      size_t *len, size_t max, int multiline, int required) {
  const char *code = text_check(s, len, (size_t)-1, multiline);
  if (!code && !multiline) trim(s, len);
  if (!code && *len > max) code = "too_long";
  if (code && strcmp(code, "bad_utf8") == 0)
    verr_add(v, field, code, "%s contains bytes that are not valid text "
             "(UTF-8); type it again.", what);
  else if (code && strcmp(code, "control") == 0)
    verr_add(v, field, code, "%s contains control characters; remove "
             "them.", what);
  else if (code)
    verr_add(v, field, code, "%s is too long: the limit is %zu bytes.",
             what, max);
  else if (required && *len == 0)
    verr_add(v, field, "required", "%s is missing.", what);
  else
    return 1;
  return 0;
}

/* 1 if the declaration holds any text, so it must be agreed to. */
static int has_declaration(const svc_election *e) {
  const char *d = e->declaration_md;
  for (; d && *d; d++)
    if (*d != ' ' && *d != '\t' && *d != '\n' && *d != '\r') return 1;
  return 0;
}

web_status svc_nom_validate(const svc_election *e, const svc_nom_spec *s,
                            svc_nom_input *in, verr *v) {
  char field[FORM_MAX_NAME + 1];
  size_t i, limit = e->word_limit > 0 ? (size_t)e->word_limit : 250;
  v->n = 0;
  in->words = 0;
  if (in->nq != s->nq || in->ncat != s->ncat) return WEB_EINVALID;
  if (check_text(v, "name", "Your name", in->name, &in->name_len,
                 NOM_NAME_MAX, 0, 0) &&
      in->name_len == 0)
    verr_add(v, "name", "required", "Enter your name.");
  if (check_text(v, "email", "Your email address", in->email,
                 &in->email_len, NOM_EMAIL_MAX, 0, 0)) {
    if (in->email_len == 0)
      verr_add(v, "email", "required", "Enter your email address.");
    else if (!svc_email_valid(in->email, in->email_len))
      verr_add(v, "email", "bad_email", "Enter an email address in the "
               "form name@example.org.");
  }
  if (!check_text(v, "statement", "Your statement", in->statement,
                  &in->statement_len, NOM_STATEMENT_MAX, 1, 0)) {
    verr_item *it = v->n ? &v->e[v->n - 1] : NULL;
    if (it && strcmp(it->field, "statement") == 0 &&
        strcmp(it->code, "too_long") == 0) /* say why in bytes */
      snprintf(it->msg, sizeof it->msg,
               "Your statement is too long: it takes %zu bytes and the "
               "limit is %d. Letters outside A to Z take 2 or 3 bytes "
               "each; shorten it.",
               in->statement_len, NOM_STATEMENT_MAX);
  } else {
    in->words = words_count(in->statement, in->statement_len);
    if (in->words == 0)
      verr_add(v, "statement", "required", "Write your statement.");
    else if (in->words > limit)
      verr_add(v, "statement", "too_many_words", "Your statement has %zu "
               "words; the limit is %zu.", in->words, limit);
  }
  for (i = 0; i < s->nq; i++) {
    const svc_question *q = &s->q[i];
    snprintf(field, sizeof field, "answers.%lld", (long long)q->id);
    if (in->answer[i] == NOM_ANS_NONE)
      verr_add(v, field, "required", "Answer yes or no to \"%s\".",
               q->short_label);
    else if (in->answer[i] == NOM_ANS_BAD)
      verr_add(v, field, "invalid", "Answer yes or no to \"%s\".",
               q->short_label);
    if (!in->comment[i]) continue;
    snprintf(field, sizeof field, "comments.%lld", (long long)q->id);
    if (check_text(v, field, "Your comment", in->comment[i],
                   &in->comment_len[i], NOM_COMMENT_MAX, 1, 0) &&
        !q->allow_comment && in->comment_len[i] > 0)
      verr_add(v, field, "not_allowed", "The question \"%s\" takes no "
               "comment.", q->short_label);
  }
  if (in->cat_unknown)
    verr_add(v, "categories", "invalid",
             "Choose only from the categories listed.");
  if (has_declaration(e) && !in->declaration)
    verr_add(v, "declaration", "required",
             "Tick the box to agree to the declaration.");
  return v->n ? WEB_EINVALID : WEB_OK;
}

/* --------------------------------------------------------- transactions */

/* Inside a transaction: WEB_OK if election_id takes nominations at now
** (phase nominations, before nominations_close), else the conflict. */
static web_status open_in_txn(sqlite3 *db, int64_t election_id, int64_t now,
                              verr *v) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT phase, (SELECT at FROM timetable WHERE election_id = e.id "
          "AND event = 'nominations_close') FROM elections e WHERE id = ?1");
  int rc, open = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const char *ph = (const char *)sqlite3_column_text(st, 0);
    int64_t close = sqlite3_column_int64(st, 1);
    open = ph && strcmp(ph, "nominations") == 0 && (!close || now < close);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  return open ? WEB_OK
              : conflict(v, "nominations_closed",
                         "Nominations are closed; nothing was saved.");
}

/* Writes the statement, answers and categories of nomination id (after
** the old ones were removed). */
static web_status write_parts(sqlite3 *db, int64_t id, const svc_nom_spec *s,
                              const svc_nom_input *in, const char *html) {
  sqlite3_stmt *st;
  web_status ws;
  size_t i;
  st = db_stmt(db, "INSERT OR REPLACE INTO statements (nomination_id, "
                   "markdown, html, words, renderer) VALUES "
                   "(?1, ?2, ?3, ?4, ?5)");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_text(st, 2, in->statement, (int)in->statement_len,
                    SQLITE_STATIC);
  sqlite3_bind_text(st, 3, html, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, (int64_t)in->words);
  sqlite3_bind_text(st, 5, md_renderer(), -1, SQLITE_STATIC);
  if ((ws = db_exec_stmt(st)) != WEB_OK) return ws;
  for (i = 0; i < s->nq; i++) {
    st = db_stmt(db, "INSERT INTO answers (nomination_id, question_id, "
                     "answer, comment) VALUES (?1, ?2, ?3, ?4)");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, s->q[i].id);
    sqlite3_bind_text(st, 3, in->answer[i] == NOM_ANS_YES  ? "yes"
                             : in->answer[i] == NOM_ANS_NO ? "no"
                                                           : "",
                      -1, SQLITE_STATIC);
    if (in->comment[i] && s->q[i].allow_comment)
      sqlite3_bind_text(st, 4, in->comment[i], (int)in->comment_len[i],
                        SQLITE_STATIC);
    else
      sqlite3_bind_text(st, 4, "", 0, SQLITE_STATIC);
    if ((ws = db_exec_stmt(st)) != WEB_OK) return ws;
  }
  for (i = 0; i < s->ncat; i++) {
    if (!in->cat_on[i]) continue;
    st = db_stmt(db, "INSERT INTO nomination_categories (nomination_id, "
                     "category_id) VALUES (?1, ?2)");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, s->cat[i].id);
    if ((ws = db_exec_stmt(st)) != WEB_OK) return ws;
  }
  return WEB_OK;
}

/* audit_append with object "nomination:ID" and the detail's text. */
static web_status audit_nom(sqlite3 *db, int64_t now, const char *actor,
                            const char *action, int64_t election_id,
                            int64_t id, wbuf *detail) {
  char object[48];
  if (detail->err) return WEB_ENOMEM;
  snprintf(object, sizeof object, "nomination:%lld", (long long)id);
  return audit_append(db, now, actor, action, election_id, NULL, object,
                      wbuf_str(detail));
}

/* ---------------------------------------------------------------- submit */

struct submit_ctx {
  const svc_election *e;
  const svc_nom_spec *s;
  const svc_nom_input *in;
  const char *html, *token;
  char hash[65];
  int64_t now, id;
  verr *v;
};

/* The email with the private link, queued in the same transaction. */
static web_status queue_link_email(sqlite3 *db, const struct submit_ctx *c) {
  wbuf subject, body;
  sqlite3_stmt *st;
  web_status ws;
  wbuf_init(&subject, 1024);
  wbuf_init(&body, 8192);
  wbuf_printf(&subject, "Your nomination: %s, %s", c->e->title,
              c->s->contest.title);
  wbuf_printf(&body,
              "Dear %s,\n\n"
              "Thank you for your nomination for %s in %s (%s).\n\n"
              "This is your private link. With it you can check your "
              "nomination, change it until nominations close, and withdraw "
              "it:\n\n%s/n/%s\n\n"
              "Keep it safe and do not share it: anyone who has it can "
              "change or withdraw your nomination.\n",
              c->in->name, c->s->contest.title, c->e->title,
              c->e->org_name, web_cfg.base_url, c->token);
  ws = subject.err || body.err ? WEB_ENOMEM : WEB_OK;
  if (!ws) {
    st = db_stmt(db, "INSERT INTO outbox (to_addr, subject, body, "
                     "created_at) VALUES (?1, ?2, ?3, ?4)");
    if (!st) ws = WEB_EDB;
    else {
      sqlite3_bind_text(st, 1, c->in->email, (int)c->in->email_len,
                        SQLITE_STATIC);
      sqlite3_bind_text(st, 2, wbuf_str(&subject), -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, wbuf_str(&body), -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 4, c->now);
      ws = db_exec_stmt(st);
    }
  }
  if (body.p) sodium_memzero(body.p, body.len);
  wbuf_free(&subject);
  wbuf_free(&body);
  return ws;
}

static web_status submit_fn(sqlite3 *db, void *ctx) {
  struct submit_ctx *c = ctx;
  unsigned char h[32];
  char actor[48];
  sqlite3_stmt *st;
  web_status ws;
  wbuf detail;
  jw w;
  c->id = 0;
  if ((ws = open_in_txn(db, c->e->id, c->now, c->v)) != WEB_OK) return ws;
  st = db_stmt(db, "INSERT INTO nominations (contest_id, name, email, "
                   "edit_hash, declaration_agreed_at, status, created_at, "
                   "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'submitted', "
                   "?5, ?5)");
  if (!st) return WEB_EDB;
  auth_token_hash(c->token, h);
  sqlite3_bind_int64(st, 1, c->s->contest.id);
  sqlite3_bind_text(st, 2, c->in->name, (int)c->in->name_len, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, c->in->email, (int)c->in->email_len,
                    SQLITE_STATIC);
  sqlite3_bind_blob(st, 4, h, sizeof h, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, c->now);
  if ((ws = db_exec_stmt(st)) != WEB_OK) return ws;
  c->id = sqlite3_last_insert_rowid(db);
  if ((ws = write_parts(db, c->id, c->s, c->in, c->html)) != WEB_OK)
    return ws;
  wbuf_init(&detail, DETAIL_NOM);
  jw_init(&w, &detail);
  jw_obj(&w);
  jw_kstr(&w, "contest", c->s->contest.slug);
  jw_kstr(&w, "name", c->in->name);
  jw_kstr(&w, "statement", c->hash);
  jw_kint(&w, "words", (int64_t)c->in->words);
  jw_obj_end(&w);
  snprintf(actor, sizeof actor, "candidate:%lld", (long long)c->id);
  ws = audit_nom(db, c->now, actor, "nomination.submit", c->e->id, c->id,
                 &detail);
  wbuf_free(&detail);
  if (ws) return ws;
  return queue_link_email(db, c);
}

web_status svc_nomination_submit(const svc_election *e, const svc_nom_spec *s,
                                 svc_nom_input *in, int64_t now, verr *v,
                                 int64_t *id, char token[TOKEN_LEN + 1]) {
  struct submit_ctx c;
  web_status ws;
  char *html;
  *id = 0;
  token[0] = 0;
  if (s->contest.election_id != e->id) return WEB_ENOTFOUND;
  if ((ws = svc_nom_validate(e, s, in, v)) != WEB_OK) return ws;
  if (!(html = md_render(in->statement, in->statement_len)))
    return WEB_ENOMEM;
  memset(&c, 0, sizeof c);
  c.e = e;
  c.s = s;
  c.in = in;
  c.html = html;
  c.now = now;
  c.v = v;
  c.token = token;
  statement_hash(in->statement, in->statement_len, c.hash);
  auth_token_new(NULL, token, TOKEN_LEN + 1);
  ws = token[0] ? db_write(submit_fn, &c) : WEB_ECRYPTO;
  free(html);
  if (ws) {
    sodium_memzero(token, TOKEN_LEN + 1);
    return ws;
  }
  *id = c.id;
  return WEB_OK;
}

/* ------------------------------------------------------------------ edit */

int svc_nomination_editable(const svc_election *e, const svc_nomination *n,
                            int64_t now) {
  return n->status == NOM_SUBMITTED && n->election_id == e->id &&
         svc_nominations_open(e, now);
}

int svc_nomination_withdrawable(const svc_election *e,
                                const svc_nomination *n) {
  return ((n->status == NOM_SUBMITTED || n->status == NOM_ACCEPTED) &&
          (e->phase == PHASE_NOMINATIONS || e->phase == PHASE_REVIEW)) ||
         (n->status == NOM_ACCEPTED && e->phase == PHASE_VOTING);
}

struct edit_ctx {
  const svc_election *e;
  const svc_nom_spec *s;
  const svc_nom_input *in;
  const char *html, *actor;
  char hash[65];
  int64_t now, id;
  verr *v;
};

static web_status edit_fn(sqlite3 *db, void *ctx) {
  struct edit_ctx *c = ctx;
  sqlite3_stmt *st = db_stmt(
      db, "SELECT n.status, n.contest_id, s.markdown FROM nominations n "
          "LEFT JOIN statements s ON s.nomination_id = n.id WHERE n.id = ?1");
  char old[65] = "", actor[48];
  const char *status;
  web_status ws;
  wbuf detail;
  jw w;
  int rc, editable = 0;
  int64_t contest = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, c->id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const char *md = (const char *)sqlite3_column_text(st, 2);
    status = (const char *)sqlite3_column_text(st, 0);
    editable = status && strcmp(status, "submitted") == 0;
    contest = sqlite3_column_int64(st, 1);
    statement_hash(md ? md : "",
                   md ? (size_t)sqlite3_column_bytes(st, 2) : 0, old);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE || (rc == SQLITE_ROW && contest != c->s->contest.id))
    return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  if (!editable)
    return conflict(c->v, "not_editable", "This nomination has been decided "
                    "or withdrawn, so it can no longer be changed.");
  if ((ws = open_in_txn(db, c->e->id, c->now, c->v)) != WEB_OK) return ws;
  st = db_stmt(db, "UPDATE nominations SET name = ?2, email = ?3, "
                   "declaration_agreed_at = ?4, updated_at = ?4 "
                   "WHERE id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, c->id);
  sqlite3_bind_text(st, 2, c->in->name, (int)c->in->name_len, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, c->in->email, (int)c->in->email_len,
                    SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, c->now);
  if ((ws = db_exec_stmt(st)) != WEB_OK) return ws;
  st = db_stmt(db, "DELETE FROM answers WHERE nomination_id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, c->id);
  if ((ws = db_exec_stmt(st)) != WEB_OK) return ws;
  st = db_stmt(db, "DELETE FROM nomination_categories WHERE "
                   "nomination_id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, c->id);
  if ((ws = db_exec_stmt(st)) != WEB_OK) return ws;
  if ((ws = write_parts(db, c->id, c->s, c->in, c->html)) != WEB_OK)
    return ws;
  wbuf_init(&detail, DETAIL_NOM);
  jw_init(&w, &detail);
  jw_obj(&w);
  jw_kstr(&w, "contest", c->s->contest.slug);
  jw_kstr(&w, "name", c->in->name);
  jw_kstr(&w, "old_statement", old);
  jw_kstr(&w, "new_statement", c->hash);
  jw_kint(&w, "words", (int64_t)c->in->words);
  jw_obj_end(&w);
  snprintf(actor, sizeof actor, "candidate:%lld", (long long)c->id);
  ws = audit_nom(db, c->now, c->actor ? c->actor : actor, "nomination.edit",
                 c->e->id, c->id, &detail);
  wbuf_free(&detail);
  return ws;
}

web_status svc_nomination_edit(int64_t id, const svc_election *e,
                               const svc_nom_spec *s, svc_nom_input *in,
                               int64_t now, const char *actor, verr *v) {
  struct edit_ctx c;
  web_status ws;
  char *html;
  if (s->contest.election_id != e->id) return WEB_ENOTFOUND;
  if ((ws = svc_nom_validate(e, s, in, v)) != WEB_OK) return ws;
  if (!(html = md_render(in->statement, in->statement_len)))
    return WEB_ENOMEM;
  memset(&c, 0, sizeof c);
  c.e = e;
  c.s = s;
  c.in = in;
  c.html = html;
  c.actor = actor;
  c.now = now;
  c.id = id;
  c.v = v;
  statement_hash(in->statement, in->statement_len, c.hash);
  ws = db_write(edit_fn, &c);
  free(html);
  return ws;
}

/* -------------------------------------------------------------- withdraw */

struct withdraw_ctx {
  int64_t id, admin_id, now;
  const char *reason, *actor;
};

static web_status withdraw_fn(sqlite3 *db, void *ctx) {
  struct withdraw_ctx *c = ctx;
  sqlite3_stmt *st = db_stmt(
      db, "SELECT n.status, e.phase, e.id FROM nominations n JOIN contests "
          "c ON c.id = n.contest_id JOIN elections e ON e.id = c.election_id "
          "WHERE n.id = ?1");
  char phase[16] = "", status[16] = "";
  int64_t election_id = 0;
  web_status ws;
  wbuf detail;
  jw w;
  int rc;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, c->id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    svcs_col_copy(st, 0, status, sizeof status);
    svcs_col_copy(st, 1, phase, sizeof phase);
    election_id = sqlite3_column_int64(st, 2);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  if (strcmp(status, "submitted") != 0 && strcmp(status, "accepted") != 0)
    return WEB_ECONFLICT;
  /* during voting only a candidate on the paper can withdraw (or be
  ** suspended): the ballot marks them and the count passes over them */
  if (strcmp(phase, "nominations") != 0 && strcmp(phase, "review") != 0 &&
      (strcmp(phase, "voting") != 0 || strcmp(status, "accepted") != 0))
    return WEB_ECONFLICT;
  st = db_stmt(db, "INSERT INTO withdrawals (nomination_id, by, admin_id, "
                   "reason, phase, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, c->id);
  sqlite3_bind_text(st, 2, c->admin_id > 0 ? "admin" : "candidate", -1,
                    SQLITE_STATIC);
  if (c->admin_id > 0) sqlite3_bind_int64(st, 3, c->admin_id);
  else sqlite3_bind_null(st, 3);
  sqlite3_bind_text(st, 4, c->reason, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, phase, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, c->now);
  if ((ws = db_exec_stmt(st)) != WEB_OK) return ws;
  st = db_stmt(db, "UPDATE nominations SET status = 'withdrawn', "
                   "updated_at = ?2 WHERE id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, c->id);
  sqlite3_bind_int64(st, 2, c->now);
  if ((ws = db_exec_stmt(st)) != WEB_OK) return ws;
  wbuf_init(&detail, DETAIL_WITHDRAW);
  jw_init(&w, &detail);
  jw_obj(&w);
  jw_kstr(&w, "by", c->admin_id > 0 ? "admin" : "candidate");
  jw_kstr(&w, "from", status);
  jw_kstr(&w, "phase", phase);
  jw_kstr(&w, "reason", c->reason);
  jw_obj_end(&w);
  ws = audit_nom(db, c->now, c->actor, "nomination.withdraw", election_id,
                 c->id, &detail);
  wbuf_free(&detail);
  return ws;
}

web_status svc_nomination_withdraw(int64_t id, int64_t admin_id,
                                   const char *reason, const char *actor,
                                   int64_t now) {
  struct withdraw_ctx c;
  char cand[48];
  char *copy;
  size_t len = reason ? strlen(reason) : 0;
  web_status ws;
  copy = dupn(reason ? reason : "", len);
  if (!copy) return WEB_ENOMEM;
  if (text_check(copy, &len, NOM_REASON_MAX, 1) ||
      (admin_id > 0 && len == 0)) {
    free(copy);
    return WEB_EINVALID;
  }
  snprintf(cand, sizeof cand, "candidate:%lld", (long long)id);
  c.id = id;
  c.admin_id = admin_id;
  c.now = now;
  c.reason = copy;
  c.actor = actor && *actor ? actor : cand;
  ws = db_write(withdraw_fn, &c);
  free(copy);
  return ws;
}

/* --------------------------------------------------------------- support */

void svc_support_branch_free(svc_support_branch *b) {
  free(b->name);
  memset(b, 0, sizeof *b);
}

static const char branch_sql[] =
    "SELECT id, election_id, name FROM branches WHERE link_hash = ?1";

web_status svc_support_branch_by_token(sqlite3 *db, const char *token,
                                       svc_support_branch *out) {
  unsigned char h[32];
  sqlite3_stmt *st;
  int rc;
  memset(out, 0, sizeof *out);
  if (!token_shape(token)) return WEB_ENOTFOUND;
  if (!(st = db_stmt(db, branch_sql))) return WEB_EDB;
  auth_token_hash(token, h);
  sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_TRANSIENT);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    out->id = sqlite3_column_int64(st, 0);
    out->election_id = sqlite3_column_int64(st, 1);
    out->name = svcs_col_dup(st, 2);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  return out->name ? WEB_OK : WEB_ENOMEM;
}

void svc_support_free(svc_support_row *r, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) free(r[i].name);
  free(r);
}

web_status svc_support_list(sqlite3 *db, int64_t contest_id,
                            int64_t branch_id, svc_support_row **out,
                            size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT n.id, n.name, n.status, c.threshold, "
          "(SELECT count(*) FROM supporters s WHERE s.nomination_id = n.id "
          "AND s.revoked_at IS NULL AND s.kind = c.threshold_kind), "
          "(SELECT count(*) FROM supporters s WHERE s.nomination_id = n.id "
          "AND s.revoked_at IS NULL AND s.branch_id = ?2) "
          "FROM nominations n JOIN contests c ON c.id = n.contest_id "
          "WHERE n.contest_id = ?1 AND n.status IN ('submitted', "
          "'accepted') ORDER BY n.name COLLATE NOCASE, n.id");
  svc_support_row *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, contest_id);
  sqlite3_bind_int64(st, 2, branch_id > 0 ? branch_id : -1);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    svc_support_row *r;
    if (cnt == cap) {
      svc_support_row *nv;
      cap = cap ? cap * 2 : 16;
      if (cap > 100000 || !(nv = realloc(v, cap * sizeof *nv))) {
        sqlite3_reset(st);
        svc_support_free(v, cnt);
        return WEB_ENOMEM;
      }
      v = nv;
    }
    r = &v[cnt++];
    memset(r, 0, sizeof *r);
    r->nomination_id = sqlite3_column_int64(st, 0);
    r->name = svcs_col_dup(st, 1);
    if (!svc_nom_status_parse((const char *)sqlite3_column_text(st, 2),
                              &r->status))
      r->status = NOM_SUBMITTED;
    r->threshold = sqlite3_column_int(st, 3);
    r->count = sqlite3_column_int(st, 4);
    r->mine = sqlite3_column_int(st, 5) > 0;
    r->reached = r->threshold > 0 && r->count >= r->threshold;
    if (!r->name) {
      sqlite3_reset(st);
      svc_support_free(v, cnt);
      return WEB_ENOMEM;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_support_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

int svc_support_count(sqlite3 *db, int64_t id) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT count(*) FROM supporters s JOIN nominations n ON n.id = "
          "s.nomination_id JOIN contests c ON c.id = n.contest_id WHERE "
          "s.nomination_id = ?1 AND s.revoked_at IS NULL AND s.kind = "
          "c.threshold_kind");
  int rc, cnt = -1;
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) cnt = sqlite3_column_int(st, 0);
  sqlite3_reset(st);
  return cnt;
}

int svc_support_open(const svc_election *e) {
  return e->phase == PHASE_NOMINATIONS || e->phase == PHASE_REVIEW;
}

struct support_ctx {
  const char *token;
  const int64_t *ids;
  size_t n;
  int64_t now;
  int changes;
  verr *v;
};

/* One nomination the branch may support, read before any change. */
struct support_item {
  int64_t nomination_id, supporter_id; /* supporter_id 0: not supported */
  char contest[41];
};

static int wanted(const struct support_ctx *c, int64_t id) {
  size_t i;
  for (i = 0; i < c->n; i++)
    if (c->ids[i] == id) return 1;
  return 0;
}

static web_status support_change(sqlite3 *db, struct support_ctx *c,
                                 const svc_support_branch *b,
                                 const struct support_item *it, int add) {
  sqlite3_stmt *st;
  web_status ws;
  wbuf detail;
  char actor[48];
  jw w;
  if (add) {
    st = db_stmt(db, "INSERT INTO supporters (nomination_id, kind, "
                     "branch_id, source, at) VALUES (?1, 'branch', ?2, "
                     "'branch_link', ?3)");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, it->nomination_id);
    sqlite3_bind_int64(st, 2, b->id);
    sqlite3_bind_int64(st, 3, c->now);
  } else {
    st = db_stmt(db, "UPDATE supporters SET revoked_at = ?2 WHERE id = ?1 "
                     "AND revoked_at IS NULL");
    if (!st) return WEB_EDB;
    sqlite3_bind_int64(st, 1, it->supporter_id);
    sqlite3_bind_int64(st, 2, c->now);
  }
  if ((ws = db_exec_stmt(st)) != WEB_OK) return ws;
  wbuf_init(&detail, DETAIL_SUPPORT);
  jw_init(&w, &detail);
  jw_obj(&w);
  jw_kstr(&w, "branch", b->name);
  jw_kstr(&w, "contest", it->contest);
  jw_obj_end(&w);
  snprintf(actor, sizeof actor, "branch:%lld", (long long)b->id);
  ws = audit_nom(db, c->now, actor, add ? "support.add" : "support.revoke",
                 b->election_id, it->nomination_id, &detail);
  wbuf_free(&detail);
  if (!ws) c->changes++;
  return ws;
}

static web_status support_fn(sqlite3 *db, void *ctx) {
  struct support_ctx *c = ctx;
  svc_support_branch b;
  struct support_item *items = NULL;
  size_t n = 0, cap = 0, i;
  sqlite3_stmt *st;
  svc_phase ph = PHASE_SETUP;
  web_status ws;
  int rc;
  c->changes = 0;
  if ((ws = svc_support_branch_by_token(db, c->token, &b)) != WEB_OK)
    return ws;
  st = db_stmt(db, "SELECT phase FROM elections WHERE id = ?1");
  if (!st) {
    ws = WEB_EDB;
    goto done;
  }
  sqlite3_bind_int64(st, 1, b.election_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    svc_phase_parse((const char *)sqlite3_column_text(st, 0), &ph);
  sqlite3_reset(st);
  if (rc != SQLITE_ROW) {
    ws = rc == SQLITE_DONE ? WEB_ENOTFOUND : db_status(rc);
    goto done;
  }
  if (ph != PHASE_NOMINATIONS && ph != PHASE_REVIEW) {
    ws = conflict(c->v, "phase", "Supporting nominations can be changed "
                  "only while nominations are open or under review.");
    goto done;
  }
  st = db_stmt(db, "SELECT n.id, c.slug, (SELECT s.id FROM supporters s "
                   "WHERE s.nomination_id = n.id AND s.branch_id = ?2 AND "
                   "s.revoked_at IS NULL) FROM nominations n JOIN contests c "
                   "ON c.id = n.contest_id WHERE c.election_id = ?1 AND "
                   "c.threshold_kind = 'branch' AND c.threshold > 0 AND "
                   "n.status IN ('submitted', 'accepted') ORDER BY n.id");
  if (!st) {
    ws = WEB_EDB;
    goto done;
  }
  sqlite3_bind_int64(st, 1, b.election_id);
  sqlite3_bind_int64(st, 2, b.id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == cap) {
      struct support_item *nv;
      cap = cap ? cap * 2 : 32;
      if (cap > 100000 || !(nv = realloc(items, cap * sizeof *nv))) {
        sqlite3_reset(st);
        ws = WEB_ENOMEM;
        goto done;
      }
      items = nv;
    }
    items[n].nomination_id = sqlite3_column_int64(st, 0);
    svcs_col_copy(st, 1, items[n].contest, sizeof items[n].contest);
    items[n].supporter_id = sqlite3_column_int64(st, 2);
    n++;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    ws = db_status(rc);
    goto done;
  }
  for (i = 0; i < n && !ws; i++) {
    int want = wanted(c, items[i].nomination_id);
    int has = items[i].supporter_id != 0;
    if (want != has) ws = support_change(db, c, &b, &items[i], want);
  }
done:
  free(items);
  svc_support_branch_free(&b);
  return ws;
}

web_status svc_support_set(const char *token, const int64_t *ids, size_t n,
                           int64_t now, int *changes, verr *v) {
  struct support_ctx c;
  web_status ws;
  memset(&c, 0, sizeof c);
  if (v) v->n = 0;
  c.token = token;
  c.ids = ids;
  c.n = n;
  c.now = now;
  c.v = v;
  ws = db_write(support_fn, &c);
  if (changes) *changes = ws ? 0 : c.changes;
  return ws;
}
