/*
** p_admin.h: what the administrators' pages share: p_admin.c (routes,
** dashboard, audit, API tokens, the helpers below), p_admin_election.c
** (new election, settings, timetable, phase, publication),
** p_admin_contest.c (contests), p_admin_lists.c (questions, categories,
** branches), and p_review.c (the nominations queue uses adm_open).
**
** Conventions of every handler here: the route is AUTH_ADMIN (server.c
** has already sent anyone without a session to /login); the election is
** loaded with adm_load (page_election with the admin check); a POST reads
** its fields with adm_text/adm_int (text_check in place, errors naming
** the field), calls one svc_setup.h action, and answers 303 to a GET on
** success or re-renders its page with 422 (409 for a conflict) and the
** errors.  Secrets shown once (a branch's support link, an API token) are
** the one exception: the POST answers 200 with the page that shows them.
*/
#ifndef HUS_P_ADMIN_H
#define HUS_P_ADMIN_H

#include <stdint.h>

#include "http.h"
#include "svc.h"
#include "svc_setup.h"

/* An empty error list: verr_msg and the field_* helpers need a list,
** so pages without errors pass ADM_V(v). */
extern const verr adm_none;
#define ADM_V(v) ((v) ? (v) : &adm_none)

/* Sections of an election's admin pages, for its sub-navigation. */
typedef enum {
  ADM_SETTINGS = 0,
  ADM_CONTESTS,
  ADM_QUESTIONS,
  ADM_CATEGORIES,
  ADM_BRANCHES,
  ADM_NOMINATIONS
} adm_section;

/* Loads the election named by r->param[0] for an administrator
** (page_election with admin = 1) and marks the answer no-store.  0 when
** the answer (404, 500) is already written. */
int adm_load(req *r, resp *p, svc_election *e);
/* page_open for an election's admin page: the heading, a line naming the
** election and its phase, and the section navigation. */
void adm_open(req *r, resp *p, const svc_election *e, const char *title,
              adm_section cur);
/* 303 to a path built as page_href does (each %s escaped). */
void adm_redirect(resp *p, const char *fmt, const char *a, const char *b);
/* The error summary, with items that name no field pointed at fallback
** (a field drawn on the page: its id without the "f-" prefix), or, with
** fallback NULL, written as text without a link.  Callers blank (set
** to "") the field of an item whose field is not drawn on the page they
** render, so that no item links to nothing. */
void adm_errors(resp *p, const verr *v, const char *fallback);
/* The status for a failed action whose form is re-rendered: 422 for
** WEB_EINVALID, 409 for WEB_ECONFLICT.  Anything else is answered here
** with page_fail and gives 0 (the caller then returns). */
int adm_fail_status(req *r, resp *p, web_status s);

/* Reads submitted text field name: text_check in place (UTF-8, no
** controls, at most max bytes; multiline keeps LF), trimmed of spaces
** at both ends unless multiline.  Missing fields read as "".  On a
** problem (or when required and empty) adds a field error that names
** label, blanks the value and returns "". */
const char *adm_text(req *r, verr *v, const char *name, const char *label,
                     size_t max, int multiline, int required);
/* A whole number in lo..hi; empty gives dflt when not required.  On a
** problem adds a field error and returns dflt. */
int adm_int(req *r, verr *v, const char *name, const char *label, int lo,
            int hi, int required, int dflt);
/* 1 if checkbox name was ticked. */
int adm_checked(const req *r, const char *name);
/* A small POST form holding just a button: action built from fmt with
** a and b escaped (page_href); hidden name=value when name != NULL.
** about (or NULL) follows the label for screen readers only ("Move up"
** ": Due process"), so that a list of such buttons stays clear. */
void adm_button(req *r, resp *p, const char *fmt, const char *a, const char *b,
                const char *name, const char *value, const char *label,
                const char *about, int secondary);

/* Writes a secret that is shown once ("Copy this now; it is not shown
** again"), in <code id="id">. */
void adm_secret(wbuf *b, const char *id, const char *intro, const char *secret);

/* Handlers of p_admin_election.c. */
void adm_election_new_get(req *r, resp *p);
void adm_election_new_post(req *r, resp *p);
void adm_election_get(req *r, resp *p);
void adm_election_post(req *r, resp *p);
void adm_timetable_post(req *r, resp *p);
void adm_phase_post(req *r, resp *p);
void adm_publish_post(req *r, resp *p);

/* Handlers of p_admin_contest.c and p_admin_lists.c. */
void adm_contests_get(req *r, resp *p);
void adm_contests_post(req *r, resp *p);
void adm_contest_get(req *r, resp *p);
void adm_contest_post(req *r, resp *p);
void adm_contest_move_post(req *r, resp *p);
void adm_questions_get(req *r, resp *p);
void adm_questions_post(req *r, resp *p);
void adm_question_get(req *r, resp *p);
void adm_question_post(req *r, resp *p);
void adm_question_move_post(req *r, resp *p);
void adm_categories_get(req *r, resp *p);
void adm_categories_post(req *r, resp *p);
void adm_category_post(req *r, resp *p);
void adm_branches_get(req *r, resp *p);
void adm_branches_post(req *r, resp *p);
void adm_branch_link_post(req *r, resp *p);

#endif
