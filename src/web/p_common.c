/*
** p_common.c: what page and API handlers share: loading an election with
** its access check, and answering a failed action.
*/
#include <string.h>

#include "http.h"
#include "svc.h"

int page_election(req *r, resp *p, const char *slug, svc_election *e,
                  int admin) {
  sqlite3 *db = db_get();
  web_status s = db ? svc_election_get(db, slug, e) : WEB_EDB;
  if (s == WEB_OK && admin && !svc_may_admin(db, r->admin_id, e->id)) {
    svc_election_free(e);
    s = WEB_ENOTFOUND; /* do not reveal elections of other organisations */
  }
  /* an election still being set up is visible to its administrators only */
  if (s == WEB_OK && !admin && e->phase == PHASE_SETUP &&
      !(r->admin_id > 0 && svc_may_admin(db, r->admin_id, e->id))) {
    svc_election_free(e);
    s = WEB_ENOTFOUND;
  }
  if (s == WEB_OK) return 1;
  if (r->is_api)
    api_fail(p, s, NULL, NULL, NULL);
  else if (s == WEB_ENOTFOUND)
    page_message(r, p, 404, "Election not found",
                 "There is no election at this address.", "/",
                 "See the elections");
  else
    page_fail(r, p, s);
  return 0;
}

void api_fail(resp *p, web_status s, const char *conflict_code,
              const char *conflict_message, const verr *v) {
  switch (s) {
  case WEB_EINVALID:
    api_error(p, 422, "invalid", "Some fields need attention.", v);
    break;
  case WEB_ENOTFOUND: api_error(p, 404, "not_found", "Not found.", NULL); break;
  case WEB_ECONFLICT:
    api_error(p, 409, conflict_code ? conflict_code : "conflict",
              conflict_message ? conflict_message
                               : "The election's state does not allow this.",
              v);
    break;
  case WEB_ETOOBIG: api_error(p, 413, "too_large", "Too large.", NULL); break;
  case WEB_EBUSY:
    api_error(p, 503, "busy", "The database is busy; try again.", NULL);
    resp_header(p, "Retry-After", "1");
    break;
  case WEB_EIO: /* disk full, read-only: db.c; docs/serve.md */
    api_error(p, 503, "storage", "The server has a problem with its "
              "storage at the moment (its disk may be full); nothing was "
              "saved. Try again later.", NULL);
    resp_header(p, "Retry-After", "60");
    break;
  default:
    api_error(p, 500, "internal", web_strerror(s), NULL);
  }
}

void page_fail(req *r, resp *p, web_status s) {
  if (s == WEB_EBUSY) {
    resp_header(p, "Retry-After", "1");
    page_message(r, p, 503, "Busy", "The service is busy; nothing was saved. "
                 "Wait a moment and try again.", NULL, NULL);
  } else if (s == WEB_EIO) { /* disk full, read-only: db.c */
    resp_header(p, "Retry-After", "60");
    page_message(r, p, 503, "Try again later",
                 "The server has a problem with its storage at the moment "
                 "(its disk may be full); nothing was saved. Try again "
                 "later.", NULL, NULL);
  } else if (s == WEB_ENOTFOUND)
    page_message(r, p, 404, "Not found", "There is nothing at this address.",
                 "/", "Go to the start");
  else if (s == WEB_ECONFLICT)
    page_message(r, p, 409, "Not possible now",
                 "The election's state does not allow this now; nothing "
                 "was saved.", NULL, NULL);
  else
    page_message(r, p, 500, "Something went wrong",
                 "Something went wrong on the server; nothing was saved.",
                 NULL, NULL);
}
