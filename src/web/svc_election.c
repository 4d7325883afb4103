/*
** svc_election.c: the read model of elections and contests, phases and
** the timetable clock (svc.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc.h"
#include "svc_setup.h" /* SVC_MAX_CONTESTS */
#include "svc_vote.h"  /* the voting open and close hooks */

static const char *const phase_names[PHASE_COUNT] = {
    "setup", "nominations", "review", "voting", "counted", "closed"};
static const char *const phase_labels[PHASE_COUNT] = {
    "Being set up", "Nominations open", "Nominations closed",
    "Voting open", "Counted", "Closed"};
static const char *const event_names[EV_COUNT] = {
    "nominations_open", "nominations_close", "voting_open", "voting_close"};
static const char *const event_labels[EV_COUNT] = {
    "Nominations open", "Nominations close", "Voting opens", "Voting closes"};

const char *svc_phase_name(svc_phase p) {
  return p < PHASE_COUNT ? phase_names[p] : "?";
}
const char *svc_phase_label(svc_phase p) {
  return p < PHASE_COUNT ? phase_labels[p] : "?";
}
int svc_phase_parse(const char *s, svc_phase *out) {
  int i;
  for (i = 0; i < PHASE_COUNT; i++)
    if (s && strcmp(s, phase_names[i]) == 0) {
      *out = (svc_phase)i;
      return 1;
    }
  return 0;
}
const char *svc_event_name(svc_event e) {
  return e < EV_COUNT ? event_names[e] : "?";
}
const char *svc_event_label(svc_event e) {
  return e < EV_COUNT ? event_labels[e] : "?";
}

void svc_election_free(svc_election *e) {
  int i;
  free(e->title);
  free(e->org_name);
  free(e->declaration_md);
  free(e->intro_md);
  for (i = 0; i < EV_COUNT; i++) free(e->local[i]);
  memset(e, 0, sizeof *e);
}

static const char election_sql_slug[] =
    "SELECT e.id, e.org_id, e.slug, e.title, o.name, e.tz, e.phase, "
    "e.word_limit, e.declaration_md, e.intro_md, e.published_at, "
    "e.created_at, e.candidate_order, e.publish_ballots FROM elections e "
    "JOIN orgs o ON o.id = e.org_id WHERE e.slug = ?1";
static const char election_sql_id[] =
    "SELECT e.id, e.org_id, e.slug, e.title, o.name, e.tz, e.phase, "
    "e.word_limit, e.declaration_md, e.intro_md, e.published_at, "
    "e.created_at, e.candidate_order, e.publish_ballots FROM elections e "
    "JOIN orgs o ON o.id = e.org_id WHERE e.id = ?1";

static web_status election_read(sqlite3 *db, sqlite3_stmt *st,
                                svc_election *e) {
  int rc = sqlite3_step(st), i;
  memset(e, 0, sizeof *e);
  if (rc == SQLITE_DONE) {
    sqlite3_reset(st);
    return WEB_ENOTFOUND;
  }
  if (rc != SQLITE_ROW) {
    sqlite3_reset(st);
    return db_status(rc);
  }
  e->id = sqlite3_column_int64(st, 0);
  e->org_id = sqlite3_column_int64(st, 1);
  svcs_col_copy(st, 2, e->slug, sizeof e->slug);
  e->title = svcs_col_dup(st, 3);
  e->org_name = svcs_col_dup(st, 4);
  svcs_col_copy(st, 5, e->tz, sizeof e->tz);
  if (!svc_phase_parse((const char *)sqlite3_column_text(st, 6), &e->phase))
    e->phase = PHASE_SETUP;
  e->word_limit = sqlite3_column_int(st, 7);
  e->declaration_md = svcs_col_dup(st, 8);
  e->intro_md = svcs_col_dup(st, 9);
  e->published_at = sqlite3_column_int64(st, 10);
  e->created_at = sqlite3_column_int64(st, 11);
  svcs_col_copy(st, 12, e->candidate_order, sizeof e->candidate_order);
  e->publish_ballots = sqlite3_column_int(st, 13);
  sqlite3_reset(st);
  st = db_stmt(db, "SELECT event, at, local FROM timetable "
                   "WHERE election_id = ?1");
  rc = SQLITE_ERROR;
  if (!st) goto fail;
  sqlite3_bind_int64(st, 1, e->id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *ev = (const char *)sqlite3_column_text(st, 0);
    for (i = 0; i < EV_COUNT; i++)
      if (ev && strcmp(ev, event_names[i]) == 0) {
        e->at[i] = sqlite3_column_int64(st, 1);
        free(e->local[i]);
        e->local[i] = svcs_col_dup(st, 2);
      }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) goto fail;
  if (!e->title || !e->org_name || !e->declaration_md || !e->intro_md)
    goto fail;
  return WEB_OK;
fail:
  svc_election_free(e);
  return rc == SQLITE_DONE ? WEB_ENOMEM : db_status(rc ? rc : SQLITE_ERROR);
}

web_status svc_election_get(sqlite3 *db, const char *slug, svc_election *out) {
  sqlite3_stmt *st = db_stmt(db, election_sql_slug);
  memset(out, 0, sizeof *out);
  if (!st) return WEB_EDB;
  sqlite3_bind_text(st, 1, slug, -1, SQLITE_TRANSIENT);
  return election_read(db, st, out);
}

web_status svc_election_get_id(sqlite3 *db, int64_t id, svc_election *out) {
  sqlite3_stmt *st = db_stmt(db, election_sql_id);
  memset(out, 0, sizeof *out);
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, id);
  return election_read(db, st, out);
}

void svc_contest_free(svc_contest *c) {
  free(c->title);
  memset(c, 0, sizeof *c);
}

void svc_contests_free(svc_contest *c, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) svc_contest_free(&c[i]);
  free(c);
}

static void contest_row(sqlite3_stmt *st, svc_contest *c) {
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

#define CONTEST_COLS                                                         \
  "SELECT id, election_id, slug, title, position, seats, rules, threshold, " \
  "threshold_kind FROM contests "

web_status svc_contests(sqlite3 *db, int64_t election_id, svc_contest **out,
                        size_t *n) {
  sqlite3_stmt *st = db_stmt(
      db, CONTEST_COLS "WHERE election_id = ?1 ORDER BY position, id");
  svc_contest *v = NULL;
  size_t cnt = 0, cap = 0;
  int rc;
  *out = NULL;
  *n = 0;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (cnt == SVC_MAX_CONTESTS) { /* more than creation allows */
      sqlite3_reset(st);
      svc_contests_free(v, cnt);
      return WEB_ETOOBIG;
    }
    if (cnt == cap) {
      svc_contest *nv;
      cap = cap ? cap * 2 : 8;
      if (cap > SVC_MAX_CONTESTS) cap = SVC_MAX_CONTESTS;
      if (!(nv = realloc(v, cap * sizeof *v))) {
        sqlite3_reset(st);
        svc_contests_free(v, cnt);
        return WEB_ENOMEM;
      }
      v = nv;
    }
    memset(&v[cnt], 0, sizeof *v);
    contest_row(st, &v[cnt]);
    if (!v[cnt++].title) {
      sqlite3_reset(st);
      svc_contests_free(v, cnt);
      return WEB_ENOMEM;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    svc_contests_free(v, cnt);
    return db_status(rc);
  }
  *out = v;
  *n = cnt;
  return WEB_OK;
}

web_status svc_contest_get(sqlite3 *db, int64_t election_id,
                           const char *slug, svc_contest *out) {
  sqlite3_stmt *st =
      db_stmt(db, CONTEST_COLS "WHERE election_id = ?1 AND slug = ?2");
  int rc;
  memset(out, 0, sizeof *out);
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  sqlite3_bind_text(st, 2, slug, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) contest_row(st, out);
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return WEB_ENOTFOUND;
  if (rc != SQLITE_ROW) return db_status(rc);
  return out->title ? WEB_OK : WEB_ENOMEM;
}

int svc_nominations_open(const svc_election *e, int64_t now) {
  return e->phase == PHASE_NOMINATIONS &&
         (!e->at[EV_NOMINATIONS_CLOSE] || now < e->at[EV_NOMINATIONS_CLOSE]);
}

int svc_published(const svc_election *e, int64_t now) {
  return (e->published_at && e->published_at <= now) ||
         e->phase >= PHASE_VOTING;
}

int svc_may_admin(sqlite3 *db, int64_t admin_id, int64_t election_id) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT 1 FROM elections e JOIN org_admins a ON a.org_id = "
          "e.org_id WHERE e.id = ?1 AND a.admin_id = ?2");
  int ok;
  if (!st) return 0;
  sqlite3_bind_int64(st, 1, election_id);
  sqlite3_bind_int64(st, 2, admin_id);
  ok = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_reset(st);
  return ok;
}

/* ------------------------------------------------------------- actions */

/* At closed (ballot.md §7.6): who voted is forgotten, only totals stay;
** the election's mail is deleted. */
static web_status closed_cleanup(sqlite3 *db, int64_t election_id) {
  sqlite3_stmt *st = db_stmt(db, "UPDATE electors SET voted = 0 WHERE "
                                 "election_id = ?1 AND voted = 1");
  web_status s;
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  if ((s = db_exec_stmt(st))) return s;
  st = db_stmt(db, "DELETE FROM credentials WHERE elector_id IN (SELECT id "
                   "FROM electors WHERE election_id = ?1)");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  if ((s = db_exec_stmt(st))) return s;
  st = db_stmt(db, "DELETE FROM outbox WHERE election_id = ?1");
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  return db_exec_stmt(st);
}

web_status svc_phase_move(sqlite3 *db, int64_t election_id, svc_phase to,
                          const char *actor, int64_t admin_id, int64_t now,
                          verr *v) {
  svc_election e;
  web_status s = svc_election_get_id(db, election_id, &e);
  sqlite3_stmt *st;
  wbuf detail;
  jw w;
  int64_t seq = 0;
  svc_phase from;
  if (s) return s;
  from = e.phase;
  if (to <= from || to >= PHASE_COUNT) {
    svc_election_free(&e);
    return WEB_ECONFLICT;
  }
  /* voting opens from review only and closes into counted only: the
  ** snapshot and the count hang on these two moves */
  if ((to == PHASE_VOTING && from != PHASE_REVIEW) ||
      (to == PHASE_COUNTED && from != PHASE_VOTING) ||
      (from == PHASE_VOTING && to != PHASE_COUNTED)) {
    if (v)
      verr_add(v, "to", "phase_order",
               "From phase %s the election can move to %s only.",
               svc_phase_name(from),
               svc_phase_name(from == PHASE_REVIEW   ? PHASE_VOTING
                              : from == PHASE_VOTING ? PHASE_COUNTED
                              : from < PHASE_REVIEW  ? (svc_phase)(from + 1)
                                                     : PHASE_CLOSED));
    svc_election_free(&e);
    return WEB_ECONFLICT;
  }
  if (from == PHASE_COUNTED && to == PHASE_CLOSED &&
      db_int1(db, "SELECT count(*) FROM result_packs WHERE election_id = ?1",
              e.id) != 1) {
    if (v)
      verr_add(v, "to", "not_published",
               "The results are not published yet; close the election "
               "once they are.");
    svc_election_free(&e);
    return WEB_ECONFLICT;
  }
  if (to == PHASE_VOTING)
    s = svc_voting_open_in(db, election_id, actor, now, v);
  else if (to == PHASE_COUNTED)
    s = svc_voting_close_in(db, election_id, actor, now);
  else if (to == PHASE_CLOSED && from == PHASE_COUNTED)
    s = closed_cleanup(db, election_id);
  if (s) {
    svc_election_free(&e);
    return s;
  }
  wbuf_init(&detail, 1024);
  jw_init(&w, &detail);
  jw_obj(&w);
  jw_kstr(&w, "from", svc_phase_name(from));
  jw_kstr(&w, "to", svc_phase_name(to));
  jw_obj_end(&w);
  s = detail.err ? WEB_ENOMEM : WEB_OK;
  if (!s) s = audit_append(db, now, actor, "election.phase", e.id, e.slug,
                           NULL, wbuf_str(&detail));
  wbuf_free(&detail);
  if (!s && (st = db_stmt(db, "SELECT max(seq) FROM audit")) != NULL) {
    if (sqlite3_step(st) == SQLITE_ROW) seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
  }
  if (!s) {
    st = db_stmt(db, "UPDATE elections SET phase = ?2 WHERE id = ?1");
    if (!st) s = WEB_EDB;
    else {
      sqlite3_bind_int64(st, 1, e.id);
      sqlite3_bind_text(st, 2, svc_phase_name(to), -1, SQLITE_STATIC);
      s = db_exec_stmt(st);
    }
  }
  if (!s) {
    st = db_stmt(db, "INSERT INTO phase_changes (election_id, from_phase, "
                     "to_phase, at, by_admin, audit_seq) VALUES "
                     "(?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st) s = WEB_EDB;
    else {
      sqlite3_bind_int64(st, 1, e.id);
      sqlite3_bind_text(st, 2, svc_phase_name(from), -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 3, svc_phase_name(to), -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 4, now);
      if (admin_id > 0) sqlite3_bind_int64(st, 5, admin_id);
      else sqlite3_bind_null(st, 5);
      sqlite3_bind_int64(st, 6, seq);
      s = db_exec_stmt(st);
    }
  }
  svc_election_free(&e);
  return s;
}

#define CLOSE_GRACE 5 /* seconds: see due_move */

/* The move the timetable makes for a phase, if its deadline has passed. */
static int due_move(svc_phase ph, const int64_t at[EV_COUNT], int64_t now,
                    svc_phase *to) {
  static const struct {
    svc_phase from;
    svc_event ev;
  } moves[] = {{PHASE_SETUP, EV_NOMINATIONS_OPEN},
               {PHASE_NOMINATIONS, EV_NOMINATIONS_CLOSE},
               {PHASE_REVIEW, EV_VOTING_OPEN},
               {PHASE_VOTING, EV_VOTING_CLOSE}};
  for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
    /* voting closes a few seconds after its deadline, so a cast that
    ** arrived in time is not overtaken by the close in the writer's queue
    ** (the cast itself checks its arrival time against the deadline) */
    int64_t grace = moves[i].ev == EV_VOTING_CLOSE ? CLOSE_GRACE : 0;
    if (ph == moves[i].from && at[moves[i].ev] &&
        at[moves[i].ev] + grace <= now) {
      *to = (svc_phase)(ph + 1);
      return 1;
    }
  }
  return 0;
}

#define TICK_SKIP_MAX 64

struct tick {
  int64_t now;
  int moved;
  int64_t failed;                /* the election whose move was refused */
  int64_t skip[TICK_SKIP_MAX];   /* refused this tick: not tried again */
  size_t nskip;
};

static int skipped(const struct tick *t, int64_t id) {
  for (size_t i = 0; i < t->nskip; i++)
    if (t->skip[i] == id) return 1;
  return 0;
}

/* One due move (the earliest), so each runs in its own short transaction;
** the caller loops.  An election whose move is refused (voting cannot
** open: no roll, no candidate) is skipped for the rest of this tick, so
** it does not hold up the others. */
static web_status tick_one(sqlite3 *db, void *ctx) {
  struct tick *t = ctx;
  sqlite3_stmt *st = db_stmt(
      db, "SELECT e.id, e.phase, "
          "(SELECT at FROM timetable WHERE election_id = e.id AND event = "
          "'nominations_open'), "
          "(SELECT at FROM timetable WHERE election_id = e.id AND event = "
          "'nominations_close'), "
          "(SELECT at FROM timetable WHERE election_id = e.id AND event = "
          "'voting_open'), "
          "(SELECT at FROM timetable WHERE election_id = e.id AND event = "
          "'voting_close') "
          "FROM elections e WHERE e.phase IN ('setup', 'nominations', "
          "'review', 'voting') ORDER BY e.id");
  int64_t id = 0;
  svc_phase to = PHASE_SETUP;
  web_status s;
  int rc;
  t->moved = 0;
  t->failed = 0;
  if (!st) return WEB_EDB;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t at[EV_COUNT] = {0};
    svc_phase ph;
    if (!svc_phase_parse((const char *)sqlite3_column_text(st, 1), &ph))
      continue;
    if (skipped(t, sqlite3_column_int64(st, 0))) continue;
    for (int k = 0; k < EV_COUNT; k++)
      at[k] = sqlite3_column_int64(st, 2 + k);
    if (due_move(ph, at, t->now, &to)) {
      id = sqlite3_column_int64(st, 0);
      break;
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_status(rc);
  if (!id) return WEB_OK;
  s = svc_phase_move(db, id, to, "timetable", 0, t->now, NULL);
  if (s == WEB_OK) t->moved = 1;
  else if (s == WEB_ECONFLICT) t->failed = id;
  return s;
}

int64_t svc_timetable_tick(int64_t now) {
  sqlite3 *db = db_get();
  struct tick t = {now, 0};
  sqlite3_stmt *st;
  int64_t next = 0;
  int guard;
  if (!db) return 0;
  /* each move may open the next (setup -> nominations -> review) */
  for (guard = 0; guard < 10000; guard++) {
    web_status s = db_write(tick_one, &t);
    if (s == WEB_ECONFLICT && t.failed && t.nskip < TICK_SKIP_MAX) {
      fprintf(stderr, "hustings: timetable: election %lld cannot move to "
              "its next phase; an administrator must act\n",
              (long long)t.failed);
      t.skip[t.nskip++] = t.failed;
      continue;
    }
    if (s != WEB_OK || !t.moved) break;
  }
  st = db_stmt(db, "SELECT min(t.at) FROM timetable t JOIN elections e ON "
                   "e.id = t.election_id WHERE t.at > ?1 AND "
                   "e.phase IN ('setup', 'nominations', 'review', "
                   "'voting')");
  if (!st) return 0;
  sqlite3_bind_int64(st, 1, now);
  if (sqlite3_step(st) == SQLITE_ROW) next = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return next;
}
