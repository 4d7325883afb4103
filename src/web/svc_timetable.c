/*
** svc_timetable.c: an election's timetable (svc_setup.h): reading wall
** times and RFC 3339 instants in the election's zone, the checks (the
** spring-forward gap, order, the past, events that have happened) and
** the audited change.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_setup.h"

/* ------------------------------------------------------------ timetable */

void svcs_order_check(const int64_t at[EV_COUNT], const char *field,
                      verr *v) {
  int i, j;
  for (j = 1; j < EV_COUNT; j++) {
    if (!at[j]) continue;
    for (i = 0; i < j; i++) {
      int ok;
      if (!at[i]) continue;
      ok = (i == EV_NOMINATIONS_CLOSE && j == EV_VOTING_OPEN)
               ? at[i] <= at[j]
               : at[i] < at[j];
      if (!ok) {
        verr_add(v, field ? field : svc_event_name((svc_event)j), "order",
                 "%s must be %s %s.", svc_event_label((svc_event)j),
                 (i == EV_NOMINATIONS_CLOSE && j == EV_VOTING_OPEN)
                     ? "at or after"
                     : "after",
                 svc_event_label((svc_event)i));
        break;
      }
    }
  }
}

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

static int digits(const char *s, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

static int num(const char *s, size_t n) {
  int v = 0;
  size_t i;
  for (i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
  return v;
}

web_status svc_time_parse(const char *zone, const char *value,
                          const char *field, int64_t *utc, char wall[17],
                          int *offset, verr *v) {
  char w16[17];
  const char *rest;
  size_t n = value ? strlen(value) : 0;
  int gap = 0, off = 0, has_off = 0;
  web_status s;
  /* YYYY-MM-DDTHH:MM */
  if (n < 16 || !digits(value, 4) || value[4] != '-' ||
      !digits(value + 5, 2) || value[7] != '-' || !digits(value + 8, 2) ||
      (value[10] != 'T' && value[10] != 't') || !digits(value + 11, 2) ||
      value[13] != ':' || !digits(value + 14, 2))
    goto bad;
  memcpy(w16, value, 16);
  w16[10] = 'T';
  w16[16] = 0;
  rest = value + 16;
  if (rest[0] == ':') { /* seconds, to the minute only */
    if (!digits(rest + 1, 2)) goto bad;
    if (rest[1] != '0' || rest[2] != '0') {
      verr_add(v, field, "bad_time",
               "%s: give the time to the minute (seconds must be 00).",
               field);
      return WEB_EINVALID;
    }
    rest += 3;
  }
  if (rest[0] == 'Z' || rest[0] == 'z') {
    has_off = 1;
    rest++;
  } else if (rest[0] == '+' || rest[0] == '-') {
    int hh, mm;
    if (!digits(rest + 1, 2) || rest[3] != ':' || !digits(rest + 4, 2))
      goto bad;
    hh = num(rest + 1, 2);
    mm = num(rest + 4, 2);
    if (hh > 23 || mm > 59) goto bad;
    off = (hh * 60 + mm) * 60 * (rest[0] == '-' ? -1 : 1);
    has_off = 1;
    rest += 6;
  }
  if (*rest) goto bad;
  if (has_off) {
    int64_t t;
    s = tz_to_utc("UTC", w16, &t, NULL, NULL);
    if (s == WEB_EINVALID) goto bad;
    if (s) return s;
    t -= off;
    s = tz_from_utc(zone, t, wall, NULL, offset);
    if (s == WEB_ETZ && !tz_valid(zone)) return WEB_ETZ;
    if (s) goto bad;
    *utc = t;
    return WEB_OK;
  }
  s = tz_to_utc(zone, w16, utc, offset, &gap);
  if (s == WEB_ETZ && gap) {
    int mon = num(w16 + 5, 2);
    verr_add(v, field, "time_in_gap",
             "%.5s on %d %s %.4s does not exist in %s (the clocks go "
             "forward); choose another time.",
             w16 + 11, num(w16 + 8, 2),
             month_names[mon >= 1 && mon <= 12 ? mon - 1 : 0], w16, zone);
    return WEB_EINVALID;
  }
  if (s == WEB_EINVALID) goto bad;
  if (s) return s;
  memcpy(wall, w16, 17);
  return WEB_OK;
bad:
  verr_add(v, field, "bad_time",
           "Give a date and time as YYYY-MM-DDTHH:MM (in the election's "
           "zone) or with an offset (2027-03-07T09:00+01:00).");
  return WEB_EINVALID;
}

/* 1 if the event has happened by the phase: its phase has been reached. */
static int event_past(svc_event ev, svc_phase ph) {
  switch (ev) {
  case EV_NOMINATIONS_OPEN: return ph >= PHASE_NOMINATIONS;
  case EV_NOMINATIONS_CLOSE: return ph >= PHASE_REVIEW;
  case EV_VOTING_OPEN: return ph >= PHASE_VOTING;
  default: return ph >= PHASE_COUNTED;
  }
}

struct tt_set {
  int64_t id, admin_id, now;
  const char *const *local;
  const char *actor;
  verr *v;
};

static void detail_time(jw *w, const char *k, int64_t at, const char *local) {
  jw_key(w, k);
  if (!at) {
    jw_null(w);
    return;
  }
  jw_obj(w);
  jw_kstr(w, "local", local);
  jw_kint(w, "at", at);
  jw_obj_end(w);
}

static web_status tt_set_fn(sqlite3 *db, void *ctx) {
  struct tt_set *x = ctx;
  svc_election e;
  int64_t at[EV_COUNT];
  char wall[EV_COUNT][17];
  int off[EV_COUNT], changed[EV_COUNT] = {0};
  int i, any = 0;
  web_status s = svc_election_get_id(db, x->id, &e);
  x->v->n = 0;
  if (s) return s;
  for (i = 0; i < EV_COUNT; i++) {
    const char *in = x->local[i];
    const char *name = svc_event_name((svc_event)i);
    at[i] = e.at[i];
    wall[i][0] = 0;
    off[i] = 0;
    if (!in) continue;
    if (!*in) {
      at[i] = 0;
    } else {
      web_status t =
          svc_time_parse(e.tz, in, name, &at[i], wall[i], &off[i], x->v);
      if (t && t != WEB_EINVALID) {
        s = t;
        goto out;
      }
      if (t) continue;
    }
    changed[i] = at[i] != e.at[i];
    any |= changed[i];
  }
  if (x->v->n) {
    s = WEB_EINVALID;
    goto out;
  }
  for (i = 0; i < EV_COUNT; i++) {
    if (!changed[i]) continue;
    if (e.phase >= PHASE_CLOSED || event_past((svc_event)i, e.phase)) {
      svcs_conflict(x->v, svc_event_name((svc_event)i), "phase",
                    "%s has already happened (the election is in phase %s); "
                    "it cannot change.",
                    svc_event_label((svc_event)i), svc_phase_name(e.phase));
      s = WEB_ECONFLICT;
      goto out;
    }
    /* its time has come: it has happened even if the clock thread has
    ** not moved the phase yet (a new close time must not reopen
    ** nominations) */
    if (e.at[i] && e.at[i] <= x->now) {
      svcs_conflict(x->v, svc_event_name((svc_event)i), "phase",
                    "%s has passed; it cannot change.",
                    svc_event_label((svc_event)i));
      s = WEB_ECONFLICT;
      goto out;
    }
  }
  for (i = 0; i < EV_COUNT; i++)
    if (changed[i] && at[i] && at[i] <= x->now)
      verr_add(x->v, svc_event_name((svc_event)i), "in_past",
               "%s must be in the future; to start the next phase now, "
               "move the phase instead.",
               svc_event_label((svc_event)i));
  svcs_order_check(at, NULL, x->v);
  if (x->v->n) {
    s = WEB_EINVALID;
    goto out;
  }
  for (i = 0; any && i < EV_COUNT; i++) {
    sqlite3_stmt *st;
    wbuf dt;
    jw w;
    const char *name = svc_event_name((svc_event)i);
    if (!changed[i]) continue;
    if (at[i]) {
      st = db_stmt(db, "INSERT OR REPLACE INTO timetable (election_id, "
                       "event, at, local, utc_offset) VALUES "
                       "(?1, ?2, ?3, ?4, ?5)");
      if (!st) {
        s = WEB_EDB;
        goto out;
      }
      sqlite3_bind_int64(st, 3, at[i]);
      sqlite3_bind_text(st, 4, wall[i], -1, SQLITE_STATIC);
      sqlite3_bind_int(st, 5, off[i]);
    } else {
      st = db_stmt(db, "DELETE FROM timetable WHERE election_id = ?1 AND "
                       "event = ?2");
      if (!st) {
        s = WEB_EDB;
        goto out;
      }
    }
    sqlite3_bind_int64(st, 1, e.id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if ((s = db_exec_stmt(st)) != WEB_OK) goto out;
    svcs_detail_open(&dt, &w);
    jw_kstr(&w, "event", name);
    detail_time(&w, "old", e.at[i], e.local[i]);
    detail_time(&w, "new", at[i], wall[i]);
    jw_obj_end(&w);
    s = svcs_audit(db, x->now, x->actor, "election.timetable", e.id, NULL, 0,
                   &dt);
    wbuf_free(&dt);
    if (s) goto out;
  }
out:
  svc_election_free(&e);
  return s;
}

web_status svc_timetable_set(int64_t election_id,
                             const char *const local[EV_COUNT],
                             const char *actor, int64_t admin_id,
                             int64_t now, verr *v) {
  struct tt_set x;
  v->n = 0;
  x.id = election_id;
  x.admin_id = admin_id;
  x.now = now;
  x.local = local;
  x.actor = actor;
  x.v = v;
  return db_write(tt_set_fn, &x);
}
