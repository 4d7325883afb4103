/*
** api.c: the JSON API for setting an election up (/api/v1, docs/api.md):
** elections, their timetable, phase and publication, contests and
** questions (and their order), categories, branches, the token holder's
** own API tokens, and the audit log.  The nominations
** endpoints are p_review.c's (routes_review).
**
** Every route takes an API bearer token (server.c checks it and sets
** r->admin_id and r->actor "token:N"); page_election() checks that the
** token's administrator administers the election.  Bodies are read with
** jansson (server.c has parsed them, refusing duplicate keys) and checked
** strictly here: unknown keys and wrong types are 422 with a field error
** each, before any action runs; the strings then go to the svc_* actions,
** which run text_check and every other rule.  So a refused request
** changes nothing.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http.h"
#include "svc.h"
#include "svc_setup.h"

#define API_LIST_MAX 1000 /* array elements read from one body */

/* ------------------------------------------------------ reading bodies */

typedef enum {
  JT_STR,      /* a string */
  JT_STR_NULL, /* a string or null */
  JT_INT,      /* an integer */
  JT_INT_NULL, /* an integer or null */
  JT_BOOL,     /* true or false */
  JT_ARR       /* an array (its elements are checked by the handler) */
} jtype;

typedef struct jfield {
  const char *name;
  jtype t;
} jfield;

static const char *jtype_name(jtype t) {
  switch (t) {
  case JT_STR: return "a string";
  case JT_STR_NULL: return "a string or null";
  case JT_INT: return "an integer";
  case JT_INT_NULL: return "an integer or null";
  case JT_BOOL: return "true or false";
  default: return "an array";
  }
}

static int jtype_ok(jtype t, const json_t *j) {
  switch (t) {
  case JT_STR: return json_is_string(j);
  case JT_STR_NULL: return json_is_string(j) || json_is_null(j);
  case JT_INT: return json_is_integer(j);
  case JT_INT_NULL: return json_is_integer(j) || json_is_null(j);
  case JT_BOOL: return json_is_boolean(j);
  default: return json_is_array(j);
  }
}

/* Checks the keys and value types of object o against spec (ending with
** a NULL name); field names in v get prefix (e.g. "constraints.0."). */
static void check_keys(const json_t *o, const jfield *spec,
                       const char *prefix, verr *v) {
  const char *key;
  json_t *val;
  char f[FORM_MAX_NAME + 1];
  json_object_foreach((json_t *)o, key, val) {
    const jfield *s;
    for (s = spec; s->name; s++)
      if (strcmp(s->name, key) == 0) break;
    snprintf(f, sizeof f, "%s%s", prefix, key);
    if (!s->name)
      verr_add(v, f, "unknown_field", "Unknown field \"%.60s\".", key);
    else if (!jtype_ok(s->t, val))
      verr_add(v, f, "wrong_type", "%s must be %s.", f, jtype_name(s->t));
  }
}

/* The request's body as an object, checked against spec: 1 with *out
** set (NULL when there is no body, which reads as {}: jansson's getters
** take NULL and find nothing), or 0 with the answer written (400 or 422)
** when it cannot be used. */
static int body_object(req *r, resp *p, const jfield *spec, json_t **out) {
  verr v;
  v.n = 0;
  *out = NULL;
  if (!r->json) return 1;
  if (!json_is_object(r->json)) {
    api_error(p, 400, "bad_json", "The body must be a JSON object.", NULL);
    return 0;
  }
  check_keys(r->json, spec, "", &v);
  if (v.n) {
    api_fail(p, WEB_EINVALID, NULL, NULL, &v);
    return 0;
  }
  *out = r->json;
  return 1;
}

static const char *jstr(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

/* An integer member as an int; values beyond int are pinned to bad, which
** the validators refuse. */
static int jint(const json_t *o, const char *k, int dflt, int bad) {
  json_t *j = json_object_get(o, k);
  json_int_t x;
  if (!json_is_integer(j)) return dflt;
  x = json_integer_value(j);
  return x < -1000000 || x > 1000000 ? bad : (int)x;
}

static int has(const json_t *o, const char *k) {
  return json_object_get(o, k) != NULL;
}

/* ----------------------------------------------------------- answering */

/* A failed action: 422 with the field errors, 409 with the conflict's
** code and message (and its field, when it has one), else api_fail. */
static void fail(resp *p, web_status s, const verr *v) {
  if (s == WEB_ECONFLICT && v->n) {
    api_error(p, 409, v->e[0].code, v->e[0].msg, v->e[0].field[0] ? v : NULL);
    return;
  }
  api_fail(p, s, NULL, NULL, v);
}

/* Unix seconds as RFC 3339 UTC: "2027-03-07T09:00:00Z". */
static void utc_string(int64_t t, char out[24]) {
  char w[17];
  int64_t sec = ((t % 60) + 60) % 60;
  if (tz_from_utc("UTC", t, w, NULL, NULL) != WEB_OK) {
    snprintf(out, 24, "?");
    return;
  }
  snprintf(out, 24, "%s:%02dZ", w, (int)sec);
}

static void jw_time_or_null(jw *w, const char *k, int64_t t) {
  char s[24];
  jw_key(w, k);
  if (!t) {
    jw_null(w);
    return;
  }
  utc_string(t, s);
  jw_str(w, s);
}

static void write_timetable(jw *w, const svc_election *e) {
  int i;
  jw_obj(w);
  for (i = 0; i < EV_COUNT; i++) {
    char s[24], disp[64];
    jw_key(w, svc_event_name((svc_event)i));
    if (!e->at[i]) {
      jw_null(w);
      continue;
    }
    jw_obj(w);
    jw_kstr(w, "local", e->local[i]);
    utc_string(e->at[i], s);
    jw_kstr(w, "at", s);
    jw_kint(w, "unix", e->at[i]);
    if (tz_display(e->tz, e->at[i], disp, sizeof disp) == WEB_OK)
      jw_kstr(w, "display", disp);
    jw_obj_end(w);
  }
  jw_obj_end(w);
}

static web_status write_contest(jw *w, sqlite3 *db, const svc_contest *c) {
  svc_constraint *k = NULL;
  char **tags = NULL;
  size_t nk = 0, nt = 0, i;
  web_status s = svc_contest_constraints(db, c->id, &k, &nk);
  if (!s) s = svc_contest_tags(db, c->id, &tags, &nt);
  if (s) {
    svc_constraints_free(k, nk);
    return s;
  }
  jw_obj(w);
  jw_kint(w, "id", c->id);
  jw_kstr(w, "slug", c->slug);
  jw_kstr(w, "title", c->title);
  jw_kint(w, "position", c->position);
  jw_kint(w, "seats", c->seats);
  jw_kstr(w, "rules", c->rules);
  jw_kint(w, "threshold", c->threshold);
  jw_kstr(w, "threshold_kind", c->threshold_kind[0] ? c->threshold_kind
                                                    : NULL);
  jw_key(w, "constraints");
  jw_arr(w);
  for (i = 0; i < nk; i++) {
    jw_obj(w);
    jw_kstr(w, "category", k[i].category);
    jw_kint(w, "min", k[i].min);
    jw_key(w, "max");
    if (k[i].max < 0) jw_null(w);
    else jw_int(w, k[i].max);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_key(w, "eligible_tags");
  jw_arr(w);
  for (i = 0; i < nt; i++) jw_str(w, tags[i]);
  jw_arr_end(w);
  jw_obj_end(w);
  svc_constraints_free(k, nk);
  svc_tags_free(tags, nt);
  return WEB_OK;
}

static void write_question(jw *w, const svc_question *q) {
  jw_obj(w);
  jw_kint(w, "id", q->id);
  jw_kint(w, "position", q->position);
  jw_kstr(w, "text", q->text);
  jw_kstr(w, "short", q->short_label);
  jw_kbool(w, "allow_comment", q->allow_comment);
  jw_obj_end(w);
}

static void write_category(jw *w, const svc_category *c) {
  jw_obj(w);
  jw_kint(w, "id", c->id);
  jw_kstr(w, "slug", c->slug);
  jw_kstr(w, "label", c->label);
  jw_obj_end(w);
}

/* The whole election (status 200 or 201). */
static void answer_election(resp *p, int status, int64_t id) {
  sqlite3 *db = db_get();
  svc_election e;
  svc_contest *c = NULL;
  svc_question *q = NULL;
  svc_category *k = NULL;
  svc_branch *b = NULL;
  size_t nc = 0, nq = 0, nk = 0, nb = 0, i;
  web_status s;
  jw w;
  memset(&e, 0, sizeof e);
  s = db ? svc_election_get_id(db, id, &e) : WEB_EDB;
  if (!s) s = svc_contests(db, id, &c, &nc);
  if (!s) s = svc_questions(db, id, &q, &nq);
  if (!s) s = svc_categories(db, id, &k, &nk);
  if (!s) s = svc_branches(db, id, &b, &nb);
  if (s) goto out;
  api_begin(p, status, &w);
  jw_obj(&w);
  jw_kint(&w, "id", e.id);
  jw_kstr(&w, "slug", e.slug);
  jw_kstr(&w, "title", e.title);
  jw_kstr(&w, "org", e.org_name);
  jw_kstr(&w, "tz", e.tz);
  jw_kstr(&w, "phase", svc_phase_name(e.phase));
  jw_kint(&w, "word_limit", e.word_limit);
  jw_kstr(&w, "declaration_md", e.declaration_md);
  jw_kstr(&w, "intro_md", e.intro_md);
  jw_kstr(&w, "candidate_order", e.candidate_order);
  jw_kbool(&w, "publish_ballots", e.publish_ballots);
  jw_time_or_null(&w, "published_at", e.published_at);
  jw_time_or_null(&w, "created_at", e.created_at);
  jw_key(&w, "timetable");
  write_timetable(&w, &e);
  jw_key(&w, "contests");
  jw_arr(&w);
  for (i = 0; i < nc && !s; i++) s = write_contest(&w, db, &c[i]);
  jw_arr_end(&w);
  jw_key(&w, "questions");
  jw_arr(&w);
  for (i = 0; i < nq; i++) write_question(&w, &q[i]);
  jw_arr_end(&w);
  jw_key(&w, "categories");
  jw_arr(&w);
  for (i = 0; i < nk; i++) write_category(&w, &k[i]);
  jw_arr_end(&w);
  jw_key(&w, "branches");
  jw_arr(&w);
  for (i = 0; i < nb; i++) {
    jw_obj(&w);
    jw_kint(&w, "id", b[i].id);
    jw_kstr(&w, "name", b[i].name);
    jw_kbool(&w, "has_link", b[i].has_link);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
out:
  if (s) {
    wbuf_free(&p->body);
    wbuf_init(&p->body, WBUF_PAGE_MAX);
    api_fail(p, s, NULL, NULL, NULL);
  }
  svc_election_free(&e);
  svc_contests_free(c, nc);
  svc_questions_free(q, nq);
  svc_categories_free(k, nk);
  svc_branches_free(b, nb);
}

/* The election named by param 0, administered by the token's admin. */
static int load(req *r, resp *p, svc_election *e) {
  return page_election(r, p, r->param[0], e, 1);
}

/* ------------------------------------------------------------ elections */

static const jfield election_fields[] = {
    {"slug", JT_STR},           {"title", JT_STR},
    {"tz", JT_STR},             {"word_limit", JT_INT},
    {"declaration_md", JT_STR}, {"intro_md", JT_STR},
    {"candidate_order", JT_STR}, {"publish_ballots", JT_BOOL},
    {NULL, JT_STR}};

static void election_input(const json_t *o, svc_election_input *in) {
  memset(in, 0, sizeof *in);
  in->slug = jstr(o, "slug");
  in->title = jstr(o, "title");
  in->tz = jstr(o, "tz");
  /* 0 means "unchanged" to the service: a 0 sent is out of range */
  in->word_limit = has(o, "word_limit") ? jint(o, "word_limit", -1, -1) : 0;
  if (has(o, "word_limit") && in->word_limit == 0) in->word_limit = -1;
  in->declaration_md = jstr(o, "declaration_md");
  in->intro_md = jstr(o, "intro_md");
  in->candidate_order = jstr(o, "candidate_order");
  in->publish_ballots_set = has(o, "publish_ballots");
  in->publish_ballots = json_is_true(json_object_get(o, "publish_ballots"));
}

static void get_elections(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_election_item *e = NULL;
  size_t n = 0, i;
  web_status s = db ? svc_admin_elections(db, r->admin_id, &e, &n) : WEB_EDB;
  jw w;
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    return;
  }
  api_begin(p, 200, &w);
  jw_obj(&w);
  jw_key(&w, "elections");
  jw_arr(&w);
  for (i = 0; i < n; i++) {
    jw_obj(&w);
    jw_kint(&w, "id", e[i].id);
    jw_kstr(&w, "slug", e[i].slug);
    jw_kstr(&w, "title", e[i].title);
    jw_kstr(&w, "phase", svc_phase_name(e[i].phase));
    jw_time_or_null(&w, "published_at", e[i].published_at);
    jw_time_or_null(&w, "created_at", e[i].created_at);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
  svc_election_items_free(e, n);
}

static void post_elections(req *r, resp *p) {
  json_t *o;
  svc_election_input in;
  verr v;
  int64_t id = 0;
  web_status s;
  if (!body_object(r, p, election_fields, &o)) return;
  election_input(o, &in);
  s = svc_election_create(&in, 0, r->actor, r->admin_id, r->now, &v, &id);
  if (s) {
    fail(p, s, &v);
    return;
  }
  {
    wbuf loc;
    wbuf_init(&loc, 512);
    page_href(&loc, "/api/v1/elections/%s", in.slug);
    if (!loc.err) resp_header(p, "Location", wbuf_str(&loc));
    wbuf_free(&loc);
  }
  answer_election(p, 201, id);
}

static void get_election(req *r, resp *p) {
  svc_election e;
  if (!load(r, p, &e)) return;
  answer_election(p, 200, e.id);
  svc_election_free(&e);
}

static void patch_election(req *r, resp *p) {
  svc_election e;
  json_t *o;
  svc_election_input in;
  verr v;
  web_status s;
  if (!load(r, p, &e)) return;
  if (body_object(r, p, election_fields, &o)) {
    election_input(o, &in);
    s = svc_election_update(e.id, &in, r->actor, r->admin_id, r->now, &v);
    if (s) fail(p, s, &v);
    else answer_election(p, 200, e.id);
  }
  svc_election_free(&e);
}

static const jfield timetable_fields[] = {
    {"nominations_open", JT_STR_NULL}, {"nominations_close", JT_STR_NULL},
    {"voting_open", JT_STR_NULL},      {"voting_close", JT_STR_NULL},
    {NULL, JT_STR}};

static void put_timetable(req *r, resp *p) {
  svc_election e;
  json_t *o;
  const char *local[EV_COUNT];
  verr v;
  web_status s;
  int i;
  if (!load(r, p, &e)) return;
  if (body_object(r, p, timetable_fields, &o)) {
    for (i = 0; i < EV_COUNT; i++) {
      json_t *j = json_object_get(o, svc_event_name((svc_event)i));
      local[i] = !j ? NULL : json_is_null(j) ? "" : json_string_value(j);
    }
    s = svc_timetable_set(e.id, local, r->actor, r->admin_id, r->now, &v);
    if (s) fail(p, s, &v);
    else answer_election(p, 200, e.id);
  }
  svc_election_free(&e);
}

static const jfield phase_fields[] = {{"to", JT_STR}, {NULL, JT_STR}};

static void post_phase(req *r, resp *p) {
  svc_election e;
  json_t *o;
  svc_phase to = PHASE_SETUP; /* set by svc_phase_parse, or v.n > 0 */
  verr v;
  web_status s;
  v.n = 0;
  if (!load(r, p, &e)) return;
  if (body_object(r, p, phase_fields, &o)) {
    const char *t = jstr(o, "to");
    if (!t)
      verr_add(&v, "to", "required", "Give the phase to move to.");
    else if (!svc_phase_parse(t, &to))
      verr_add(&v, "to", "invalid",
               "Unknown phase; the phases are setup, nominations, review, "
               "voting, counted and closed.");
    if (v.n) s = WEB_EINVALID;
    else s = svc_election_phase(e.id, to, r->actor, r->admin_id, r->now, &v);
    if (s) fail(p, s, &v);
    else answer_election(p, 200, e.id);
  }
  svc_election_free(&e);
}

static const jfield no_fields[] = {{NULL, JT_STR}};

static void post_publish(req *r, resp *p) {
  svc_election e;
  json_t *o;
  verr v;
  web_status s;
  if (!load(r, p, &e)) return;
  if (body_object(r, p, no_fields, &o)) {
    s = svc_election_publish(e.id, r->actor, r->admin_id, r->now, &v);
    if (s) fail(p, s, &v);
    else answer_election(p, 200, e.id);
  }
  svc_election_free(&e);
}

/* ------------------------------------------------------------- contests */

static const jfield contest_fields[] = {
    {"slug", JT_STR},          {"title", JT_STR},
    {"seats", JT_INT},         {"rules", JT_STR},
    {"threshold", JT_INT},     {"threshold_kind", JT_STR_NULL},
    {"constraints", JT_ARR},   {"eligible_tags", JT_ARR},
    {NULL, JT_STR}};
static const jfield constraint_fields[] = {{"category", JT_STR},
                                           {"min", JT_INT},
                                           {"max", JT_INT_NULL},
                                           {NULL, JT_STR}};

/* The arrays of a contest body: read into fixed arrays (more than the
** service allows is refused here). */
typedef struct contest_arrays {
  svc_constraint_input c[SVC_MAX_CONSTRAINTS];
  const char *t[SVC_MAX_TAGS];
} contest_arrays;

/* Overrides in's fields with those present in o. */
static void contest_from_json(const json_t *o, svc_contest_input *in,
                              contest_arrays *a, verr *v) {
  json_t *arr, *el;
  size_t i;
  char f[FORM_MAX_NAME + 1];
  if (has(o, "slug")) in->slug = jstr(o, "slug");
  if (has(o, "title")) in->title = jstr(o, "title");
  if (has(o, "seats")) in->seats = jint(o, "seats", 0, INT_MAX);
  if (has(o, "rules")) in->rules = jstr(o, "rules");
  if (has(o, "threshold")) in->threshold = jint(o, "threshold", 0, INT_MAX);
  if (has(o, "threshold_kind")) in->threshold_kind = jstr(o, "threshold_kind");
  if ((arr = json_object_get(o, "constraints")) != NULL) {
    if (json_array_size(arr) > SVC_MAX_CONSTRAINTS)
      verr_add(v, "constraints", "too_many",
               "At most %d constraints per contest.", SVC_MAX_CONSTRAINTS);
    else {
      json_array_foreach(arr, i, el) {
        svc_constraint_input *c = &a->c[i];
        snprintf(f, sizeof f, "constraints.%zu", i);
        memset(c, 0, sizeof *c);
        if (!json_is_object(el)) {
          verr_add(v, f, "wrong_type", "%s must be an object.", f);
          continue;
        }
        snprintf(f, sizeof f, "constraints.%zu.", i);
        check_keys(el, constraint_fields, f, v);
        c->category = jstr(el, "category");
        c->min = jint(el, "min", 0, INT_MAX);
        /* null or absent: no maximum; a negative number is refused */
        c->max = json_is_integer(json_object_get(el, "max"))
                     ? jint(el, "max", -1, INT_MAX)
                     : -1;
        if (c->max < 0 && json_is_integer(json_object_get(el, "max")))
          c->max = INT_MAX;
      }
      in->constraints = a->c;
      in->n_constraints = json_array_size(arr);
    }
  }
  if ((arr = json_object_get(o, "eligible_tags")) != NULL) {
    if (json_array_size(arr) > SVC_MAX_TAGS)
      verr_add(v, "eligible_tags", "too_many", "At most %d tags.",
               SVC_MAX_TAGS);
    else {
      json_array_foreach(arr, i, el) {
        a->t[i] = json_string_value(el);
        if (!a->t[i]) {
          snprintf(f, sizeof f, "eligible_tags.%zu", i);
          verr_add(v, f, "wrong_type", "%s must be a string.", f);
        }
      }
      in->tags = a->t;
      in->n_tags = json_array_size(arr);
    }
  }
}

static void answer_contest(resp *p, int status, int64_t election_id,
                           int64_t contest_id) {
  sqlite3 *db = db_get();
  svc_contest c;
  jw w;
  web_status s = db ? svc_contest_get_id(db, election_id, contest_id, &c)
                    : WEB_EDB;
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    return;
  }
  api_begin(p, status, &w);
  s = write_contest(&w, db, &c);
  svc_contest_free(&c);
  if (s) {
    wbuf_free(&p->body);
    wbuf_init(&p->body, WBUF_PAGE_MAX);
    api_fail(p, s, NULL, NULL, NULL);
    return;
  }
  wbuf_puts(&p->body, "\n");
}

static void post_contest(req *r, resp *p) {
  svc_election e;
  json_t *o;
  svc_contest_input in;
  contest_arrays a;
  verr v;
  int64_t id = 0;
  web_status s;
  if (!load(r, p, &e)) return;
  if (body_object(r, p, contest_fields, &o)) {
    memset(&in, 0, sizeof in);
    v.n = 0;
    contest_from_json(o, &in, &a, &v);
    if (v.n) s = WEB_EINVALID;
    else
      s = svc_contest_create(e.id, &in, r->actor, r->admin_id, r->now, &v,
                             &id);
    if (s) fail(p, s, &v);
    else answer_contest(p, 201, e.id, id);
  }
  svc_election_free(&e);
}

static void patch_contest(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_election e;
  svc_contest c;
  svc_constraint *k = NULL;
  char **tags = NULL;
  size_t nk = 0, nt = 0, i;
  json_t *o;
  svc_contest_input in;
  contest_arrays a;
  verr v;
  web_status s;
  memset(&c, 0, sizeof c);
  if (!load(r, p, &e)) return;
  if (!body_object(r, p, contest_fields, &o)) goto out;
  s = svc_contest_get(db, e.id, r->param[1], &c);
  if (!s) s = svc_contest_constraints(db, c.id, &k, &nk);
  if (!s) s = svc_contest_tags(db, c.id, &tags, &nt);
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    goto out;
  }
  /* the stored contest, then what the body changes */
  memset(&in, 0, sizeof in);
  in.slug = c.slug;
  in.title = c.title;
  in.seats = c.seats;
  in.rules = c.rules;
  in.threshold = c.threshold;
  in.threshold_kind = c.threshold_kind[0] ? c.threshold_kind : NULL;
  for (i = 0; i < nk && i < SVC_MAX_CONSTRAINTS; i++) {
    a.c[i].category = k[i].category;
    a.c[i].min = k[i].min;
    a.c[i].max = k[i].max;
  }
  in.constraints = a.c;
  in.n_constraints = i;
  for (i = 0; i < nt && i < SVC_MAX_TAGS; i++) a.t[i] = tags[i];
  in.tags = a.t;
  in.n_tags = i;
  v.n = 0;
  contest_from_json(o, &in, &a, &v);
  if (v.n) s = WEB_EINVALID;
  else
    s = svc_contest_update(e.id, c.id, &in, r->actor, r->admin_id, r->now,
                           &v);
  if (s) fail(p, s, &v);
  else answer_contest(p, 200, e.id, c.id);
out:
  svc_contest_free(&c);
  svc_constraints_free(k, nk);
  svc_tags_free(tags, nt);
  svc_election_free(&e);
}

static const jfield move_fields[] = {{"dir", JT_STR}, {NULL, JT_STR}};

/* The "dir" of a move body: -1 up, +1 down; 0 with a field error. */
static int move_dir(const json_t *o, verr *v) {
  const char *d = jstr(o, "dir");
  if (!d) verr_add(v, "dir", "required", "Give dir: \"up\" or \"down\".");
  else if (strcmp(d, "up") == 0) return -1;
  else if (strcmp(d, "down") == 0) return 1;
  else verr_add(v, "dir", "invalid", "dir is \"up\" or \"down\".");
  return 0;
}

/* POST .../contests/{c}/move {"dir":"up"|"down"}: swaps the contest with
** its neighbour (nothing at either end) and answers the contest. */
static void post_contest_move(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_election e;
  svc_contest c;
  json_t *o;
  verr v;
  int dir;
  web_status s;
  memset(&c, 0, sizeof c);
  if (!load(r, p, &e)) return;
  if (body_object(r, p, move_fields, &o)) {
    v.n = 0;
    dir = move_dir(o, &v);
    s = svc_contest_get(db, e.id, r->param[1], &c);
    if (s) api_fail(p, s, NULL, NULL, NULL);
    else if (v.n) api_fail(p, WEB_EINVALID, NULL, NULL, &v);
    else if ((s = svc_contest_move(e.id, c.id, dir, r->actor, r->admin_id,
                                   r->now, &v)) != WEB_OK)
      fail(p, s, &v);
    else answer_contest(p, 200, e.id, c.id);
  }
  svc_contest_free(&c);
  svc_election_free(&e);
}

/* ------------------------------------------------------------ questions */

static const jfield question_fields[] = {{"text", JT_STR},
                                         {"short", JT_STR},
                                         {"allow_comment", JT_BOOL},
                                         {NULL, JT_STR}};

static void answer_question(resp *p, int status, int64_t election_id,
                            int64_t id) {
  sqlite3 *db = db_get();
  svc_question *q = NULL;
  size_t n = 0, i;
  jw w;
  web_status s = db ? svc_questions(db, election_id, &q, &n) : WEB_EDB;
  for (i = 0; !s && i < n && q[i].id != id; i++) {
  }
  if (!s && i == n) s = WEB_ENOTFOUND;
  if (s) api_fail(p, s, NULL, NULL, NULL);
  else {
    api_begin(p, status, &w);
    write_question(&w, &q[i]);
    wbuf_puts(&p->body, "\n");
  }
  svc_questions_free(q, n);
}

static void post_question(req *r, resp *p) {
  svc_election e;
  json_t *o;
  svc_question_input in;
  verr v;
  int64_t id = 0;
  web_status s;
  if (!load(r, p, &e)) return;
  if (body_object(r, p, question_fields, &o)) {
    in.text = jstr(o, "text");
    in.short_label = jstr(o, "short");
    in.allow_comment =
        has(o, "allow_comment") ? json_is_true(json_object_get(o,
                                                 "allow_comment"))
                                : 1;
    s = svc_question_create(e.id, &in, r->actor, r->admin_id, r->now, &v,
                            &id);
    if (s) fail(p, s, &v);
    else answer_question(p, 201, e.id, id);
  }
  svc_election_free(&e);
}

static void patch_question(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_election e;
  svc_question *q = NULL;
  size_t n = 0, i;
  json_t *o;
  svc_question_input in;
  int64_t id = req_path_id(r->param[1]);
  verr v;
  web_status s;
  if (!load(r, p, &e)) return;
  if (!body_object(r, p, question_fields, &o)) goto out;
  s = svc_questions(db, e.id, &q, &n);
  for (i = 0; !s && i < n && q[i].id != id; i++) {
  }
  if (!s && i == n) s = WEB_ENOTFOUND;
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    goto out;
  }
  in.text = has(o, "text") ? jstr(o, "text") : q[i].text;
  in.short_label = has(o, "short") ? jstr(o, "short") : q[i].short_label;
  in.allow_comment = has(o, "allow_comment")
                         ? json_is_true(json_object_get(o, "allow_comment"))
                         : q[i].allow_comment;
  s = svc_question_update(e.id, id, &in, r->actor, r->admin_id, r->now, &v);
  if (s) fail(p, s, &v);
  else answer_question(p, 200, e.id, id);
out:
  svc_questions_free(q, n);
  svc_election_free(&e);
}

/* POST .../questions/{id}/move {"dir":"up"|"down"}: as for contests. */
static void post_question_move(req *r, resp *p) {
  svc_election e;
  json_t *o;
  int64_t id = req_path_id(r->param[1]);
  verr v;
  int dir;
  web_status s;
  if (!load(r, p, &e)) return;
  if (body_object(r, p, move_fields, &o)) {
    v.n = 0;
    dir = move_dir(o, &v);
    if (!id) api_fail(p, WEB_ENOTFOUND, NULL, NULL, NULL);
    else if (v.n) api_fail(p, WEB_EINVALID, NULL, NULL, &v);
    else if ((s = svc_question_move(e.id, id, dir, r->actor, r->admin_id,
                                    r->now, &v)) != WEB_OK)
      fail(p, s, &v);
    else answer_question(p, 200, e.id, id);
  }
  svc_election_free(&e);
}

/* ----------------------------------------------- categories, branches */

static const jfield category_fields[] = {
    {"slug", JT_STR}, {"label", JT_STR}, {NULL, JT_STR}};
static const jfield category_patch_fields[] = {{"label", JT_STR},
                                               {NULL, JT_STR}};

static void answer_category(resp *p, int status, int64_t election_id,
                            const char *slug) {
  sqlite3 *db = db_get();
  svc_category *c = NULL;
  size_t n = 0, i;
  jw w;
  web_status s = db ? svc_categories(db, election_id, &c, &n) : WEB_EDB;
  for (i = 0; !s && i < n && strcmp(c[i].slug, slug) != 0; i++) {
  }
  if (!s && i == n) s = WEB_ENOTFOUND;
  if (s) api_fail(p, s, NULL, NULL, NULL);
  else {
    api_begin(p, status, &w);
    write_category(&w, &c[i]);
    wbuf_puts(&p->body, "\n");
  }
  svc_categories_free(c, n);
}

static void post_category(req *r, resp *p) {
  svc_election e;
  json_t *o;
  verr v;
  web_status s;
  if (!load(r, p, &e)) return;
  if (body_object(r, p, category_fields, &o)) {
    s = svc_category_create(e.id, jstr(o, "slug"), jstr(o, "label"),
                            r->actor, r->admin_id, r->now, &v, NULL);
    if (s) fail(p, s, &v);
    else answer_category(p, 201, e.id, jstr(o, "slug"));
  }
  svc_election_free(&e);
}

static void patch_category(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_election e;
  svc_category *c = NULL;
  size_t n = 0, i;
  json_t *o;
  verr v;
  web_status s;
  if (!load(r, p, &e)) return;
  if (!body_object(r, p, category_patch_fields, &o)) goto out;
  s = svc_categories(db, e.id, &c, &n);
  for (i = 0; !s && i < n && strcmp(c[i].slug, r->param[1]) != 0; i++) {
  }
  if (!s && i == n) s = WEB_ENOTFOUND;
  if (!s)
    s = svc_category_update(e.id, c[i].id,
                            has(o, "label") ? jstr(o, "label") : c[i].label,
                            r->actor, r->admin_id, r->now, &v);
  else
    v.n = 0;
  if (s) fail(p, s, &v);
  else answer_category(p, 200, e.id, r->param[1]);
out:
  svc_categories_free(c, n);
  svc_election_free(&e);
}

static const jfield branch_fields[] = {{"name", JT_STR}, {NULL, JT_STR}};

static void answer_branch(resp *p, int status, int64_t election_id,
                          int64_t id, const char *token) {
  sqlite3 *db = db_get();
  svc_branch *b = NULL;
  size_t n = 0, i;
  jw w;
  web_status s = db ? svc_branches(db, election_id, &b, &n) : WEB_EDB;
  for (i = 0; !s && i < n && b[i].id != id; i++) {
  }
  if (!s && i == n) s = WEB_ENOTFOUND;
  if (s) api_fail(p, s, NULL, NULL, NULL);
  else {
    wbuf link;
    wbuf_init(&link, 512);
    wbuf_puts(&link, web_cfg.base_url);
    page_href(&link, "/s/%s", token);
    api_begin(p, status, &w);
    jw_obj(&w);
    jw_kint(&w, "id", b[i].id);
    jw_kstr(&w, "name", b[i].name);
    jw_kstr(&w, "token", token);
    jw_kstr(&w, "link", wbuf_str(&link));
    jw_obj_end(&w);
    wbuf_puts(&p->body, "\n");
    wbuf_free(&link);
  }
  svc_branches_free(b, n);
}

static void post_branch(req *r, resp *p) {
  svc_election e;
  json_t *o;
  verr v;
  int64_t id = 0;
  char tok[TOKEN_LEN + 1];
  web_status s;
  if (!load(r, p, &e)) return;
  if (body_object(r, p, branch_fields, &o)) {
    s = svc_branch_create(e.id, jstr(o, "name"), r->actor, r->admin_id,
                          r->now, &v, &id, tok);
    if (s) fail(p, s, &v);
    else answer_branch(p, 201, e.id, id, tok);
  }
  svc_election_free(&e);
}

static void post_branch_link(req *r, resp *p) {
  svc_election e;
  json_t *o;
  verr v;
  int64_t id = req_path_id(r->param[1]);
  char tok[TOKEN_LEN + 1];
  web_status s;
  if (!load(r, p, &e)) return;
  if (body_object(r, p, no_fields, &o)) {
    s = svc_branch_new_link(e.id, id, r->actor, r->admin_id, r->now, &v,
                            tok);
    if (s) fail(p, s, &v);
    else answer_branch(p, 200, e.id, id, tok);
  }
  svc_election_free(&e);
}

/* ----------------------------------------------------------- API tokens */

/* The tokens of the token's own administrator (svc_token_*): listed
** without secrets, made (the new token answered once), revoked. */

static void write_token(jw *w, const svc_token *t) {
  jw_obj(w);
  jw_kint(w, "id", t->id);
  jw_kstr(w, "label", t->label);
  jw_kstr(w, "prefix", t->prefix);
  jw_time_or_null(w, "created_at", t->created_at);
  jw_time_or_null(w, "last_used_at", t->last_used_at);
  jw_time_or_null(w, "revoked_at", t->revoked_at);
  jw_obj_end(w);
}

/* Answers token id of r->admin_id; with secret, also "token" (once). */
static void answer_token(req *r, resp *p, int status, int64_t id,
                         const char *secret) {
  sqlite3 *db = db_get();
  svc_token *t = NULL;
  size_t n = 0, i;
  jw w;
  web_status s = db ? svc_tokens(db, r->admin_id, &t, &n) : WEB_EDB;
  for (i = 0; !s && i < n && t[i].id != id; i++) {
  }
  if (!s && i == n) s = WEB_ENOTFOUND;
  if (s) api_fail(p, s, NULL, NULL, NULL);
  else {
    api_begin(p, status, &w);
    if (!secret) write_token(&w, &t[i]);
    else {
      jw_obj(&w);
      jw_kint(&w, "id", t[i].id);
      jw_kstr(&w, "label", t[i].label);
      jw_kstr(&w, "prefix", t[i].prefix);
      jw_time_or_null(&w, "created_at", t[i].created_at);
      jw_kstr(&w, "token", secret);
      jw_obj_end(&w);
    }
    wbuf_puts(&p->body, "\n");
  }
  svc_tokens_free(t, n);
}

static void get_tokens(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_token *t = NULL;
  size_t n = 0, i;
  jw w;
  web_status s = db ? svc_tokens(db, r->admin_id, &t, &n) : WEB_EDB;
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    return;
  }
  api_begin(p, 200, &w);
  jw_obj(&w);
  jw_key(&w, "tokens");
  jw_arr(&w);
  for (i = 0; i < n; i++) write_token(&w, &t[i]);
  jw_arr_end(&w);
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
  svc_tokens_free(t, n);
}

static const jfield token_fields[] = {{"label", JT_STR}, {NULL, JT_STR}};

static void post_token(req *r, resp *p) {
  json_t *o;
  verr v;
  int64_t id = 0;
  char tok[SVC_API_TOKEN_SIZE];
  web_status s;
  if (!body_object(r, p, token_fields, &o)) return;
  s = svc_token_create(r->admin_id, jstr(o, "label"), r->actor, r->now, &v,
                       &id, tok);
  if (s) fail(p, s, &v);
  else answer_token(r, p, 201, id, tok);
  memset(tok, 0, sizeof tok);
}

static void delete_token(req *r, resp *p) {
  verr v;
  int64_t id = req_path_id(r->param[0]);
  web_status s;
  v.n = 0;
  s = id ? svc_token_revoke(r->admin_id, id, r->actor, r->now, &v)
         : WEB_ENOTFOUND;
  if (s) fail(p, s, &v);
  else answer_token(r, p, 200, id, NULL);
}

/* ---------------------------------------------------------------- audit */

static void get_audit(req *r, resp *p) {
  sqlite3 *db = db_get();
  svc_election e;
  svc_audit_entry *a = NULL;
  size_t n = 0, i;
  int64_t after = req_query_int(r, "after", 0);
  int64_t limit = req_query_int(r, "limit", 100);
  int64_t head_seq = 0, eid = 0;
  char head[65];
  const char *slug = form_get(&r->query, "election");
  verr v;
  web_status s;
  jw w;
  v.n = 0;
  if (after < 0)
    verr_add(&v, "after", "invalid", "after must be a sequence number.");
  if (limit < 1 || limit > 1000)
    verr_add(&v, "limit", "out_of_range", "limit must be 1 to 1000.");
  if (v.n) {
    api_fail(p, WEB_EINVALID, NULL, NULL, &v);
    return;
  }
  if (slug) {
    if (!page_election(r, p, slug, &e, 1)) return;
    eid = e.id;
    svc_election_free(&e);
  }
  s = db ? svc_audit_page(db, eid, r->admin_id, after, (int)limit, &a, &n)
         : WEB_EDB;
  if (!s) s = svc_audit_head(db, &head_seq, head);
  for (i = 0; !s && i < n; i++) {
    json_t *j = json_loads(a[i].line, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(j)) s = WEB_EJSON;
    json_decref(j);
  }
  if (s) {
    api_fail(p, s, NULL, NULL, NULL);
    svc_audit_free(a, n);
    return;
  }
  api_begin(p, 200, &w);
  jw_obj(&w);
  jw_key(&w, "entries");
  jw_arr(&w);
  /* each stored line is already canonical JSON (checked above): copied
  ** as it is, so a client can re-hash it */
  for (i = 0; i < n; i++) {
    if (i) wbuf_add(&p->body, ",", 1);
    wbuf_puts(&p->body, a[i].line);
  }
  jw_arr_end(&w);
  jw_key(&w, "hashes");
  jw_arr(&w);
  for (i = 0; i < n; i++) jw_str(&w, a[i].hash);
  jw_arr_end(&w);
  jw_key(&w, "head");
  jw_obj(&w);
  jw_kint(&w, "seq", head_seq);
  jw_kstr(&w, "hash", head);
  jw_obj_end(&w);
  jw_key(&w, "next_after");
  if (n == (size_t)limit) jw_int(&w, a[n - 1].seq);
  else jw_null(&w);
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
  svc_audit_free(a, n);
}

static void get_audit_verify(req *r, resp *p) {
  sqlite3 *db = db_get();
  int64_t entries = 0, bad = 0;
  char head[65] = "";
  web_status s = db ? audit_verify(db, &entries, head, &bad) : WEB_EDB;
  jw w;
  (void)r;
  if (s && s != WEB_ECONFLICT) {
    api_fail(p, s, NULL, NULL, NULL);
    return;
  }
  api_begin(p, 200, &w);
  jw_obj(&w);
  jw_kbool(&w, "ok", s == WEB_OK);
  jw_kint(&w, "entries", entries);
  jw_kstr(&w, "head", head);
  if (s) jw_kint(&w, "bad_seq", bad);
  jw_obj_end(&w);
  wbuf_puts(&p->body, "\n");
}

/* --------------------------------------------------------------- routes */

#define R(m, pat, fn, body) {m, pat, fn, AUTH_TOKEN, body, RATE_API}

const route routes_api[] = {
    R("GET", "/api/v1/elections", get_elections, BODY_NONE),
    R("POST", "/api/v1/elections", post_elections, BODY_JSON),
    R("GET", "/api/v1/elections/{e}", get_election, BODY_NONE),
    R("PATCH", "/api/v1/elections/{e}", patch_election, BODY_JSON),
    R("PUT", "/api/v1/elections/{e}/timetable", put_timetable, BODY_JSON),
    R("POST", "/api/v1/elections/{e}/phase", post_phase, BODY_JSON),
    R("POST", "/api/v1/elections/{e}/publish", post_publish, BODY_JSON),
    R("POST", "/api/v1/elections/{e}/contests", post_contest, BODY_JSON),
    R("PATCH", "/api/v1/elections/{e}/contests/{c}", patch_contest,
      BODY_JSON),
    R("POST", "/api/v1/elections/{e}/contests/{c}/move", post_contest_move,
      BODY_JSON),
    R("POST", "/api/v1/elections/{e}/questions", post_question, BODY_JSON),
    R("PATCH", "/api/v1/elections/{e}/questions/{id}", patch_question,
      BODY_JSON),
    R("POST", "/api/v1/elections/{e}/questions/{id}/move",
      post_question_move, BODY_JSON),
    R("POST", "/api/v1/elections/{e}/categories", post_category, BODY_JSON),
    R("PATCH", "/api/v1/elections/{e}/categories/{c}", patch_category,
      BODY_JSON),
    R("POST", "/api/v1/elections/{e}/branches", post_branch, BODY_JSON),
    R("POST", "/api/v1/elections/{e}/branches/{id}/link", post_branch_link,
      BODY_JSON),
    R("GET", "/api/v1/tokens", get_tokens, BODY_NONE),
    R("POST", "/api/v1/tokens", post_token, BODY_JSON),
    R("DELETE", "/api/v1/tokens/{id}", delete_token, BODY_NONE),
    R("GET", "/api/v1/audit", get_audit, BODY_NONE),
    R("GET", "/api/v1/audit/verify", get_audit_verify, BODY_NONE),
    {NULL, NULL, NULL, AUTH_PUBLIC, BODY_NONE, RATE_READ}};
