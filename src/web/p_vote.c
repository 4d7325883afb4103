/*
** p_vote.c: the voter's pages (docs/design/ballot.md §3.1, §3.3, §8):
**
**   GET/POST /v              type a code (from a letter): a well-formed
**                            code answers 303 to /v/CODE; a malformed one
**                            gets the same page as an unknown link
**   GET      /v/{code}       the ballot, or what stops this link voting
**   POST     /v/{code}       "Change my vote": the ballot again, filled in
**                            with the numbers posted from the review page
**   POST     /v/{code}/review  "Check your vote": the choices in order,
**                            with notes; 422 and the ballot with its
**                            errors when the numbers break a rule
**   POST     /v/{code}/cast  casts (svc_cast) and answers the receipt
**                            page itself, 200, never a redirect: the
**                            receipt is stored with nothing and must not
**                            appear in a URL.  A refused cast is 409 with
**                            the reason; a reload finds the link used.
**                            A cast the database could not save (disk
**                            full, read-only: WEB_EIO; busy: WEB_EBUSY)
**                            is 503 with Retry-After, saying the vote was
**                            not recorded and the link still works, and
**                            a button that posts the same choices again
**
** Nothing is stored before the cast: the ranking travels from the ballot
** to the review page and back in form fields ("r.C.N" = the number), and
** the review page's two forms carry it in hidden fields.  Every answer is
** Cache-Control: no-store, and no page puts the code anywhere but in the
** path of its own forms.  Forms are CSRF-checked against the anonymous
** cookie by server.c (the GET of /v or /v/CODE sets it).
**
** Without JavaScript the ballot is a text field per candidate (§3.3);
** static/ballot.js turns each contest into a ranked list with buttons and
** keeps those fields in step, so the posts and the rules are the same.
** Hooks for the script: form#ballot, fieldset.contest[data-contest],
** li.cand[data-name][data-withdrawn] holding input.rank.
**
** Every text from the database is escaped (esc_text/esc_attr); a
** statement is its stored cmark rendering (safe mode, md.c), written as
** is.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http.h"
#include "svc.h"
#include "svc_vote.h"

#define SHOWN_VALUE_MAX 16 /* longest posted number written back */

static const char rank_hint[] =
    "Put 1 by your first choice, 2 by your second, and so on. Rank as many "
    "as you like; ranking more never harms your first choice.";

/* ---------------------------------------------------------------- helpers */

/* The canonical text of a code as typed or linked; 0 if malformed. */
static int canonical(const char *code, char out[CRED_TEXT]) {
  unsigned char raw[CRED_RAW];
  int ok = code && cred_parse(code, raw);
  if (ok) cred_text(raw, out);
  sodium_memzero(raw, sizeof raw);
  if (!ok) out[0] = 0;
  return ok;
}

/* "1st", "2nd", "3rd", "4th", "11th", "22nd". */
static void ordinal(wbuf *b, size_t n) {
  const char *suf = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1) suf = "st";
    else if (n % 10 == 2) suf = "nd";
    else if (n % 10 == 3) suf = "rd";
  }
  wbuf_printf(b, "%zu%s", n, suf);
}

static const svc_bcontest *contest_by_id(const svc_ballot *b, int64_t id) {
  size_t i;
  for (i = 0; i < b->n; i++)
    if (b->c[i].id == id) return &b->c[i];
  return NULL;
}

static const svc_bcand *cand_by_id(const svc_bcontest *c, int64_t id) {
  size_t i;
  for (i = 0; i < c->n; i++)
    if (c->cand[i].nomination_id == id) return &c->cand[i];
  return NULL;
}

/* The posted value of field r.C.N as it may be written back into the
** page: NULL when absent, "" when it is not short valid UTF-8 text. */
static const char *posted(const form *f, int64_t c, int64_t nid) {
  char name[FORM_MAX_NAME + 1];
  const char *s;
  size_t n;
  if (!f) return NULL;
  snprintf(name, sizeof name, "r.%lld.%lld", (long long)c, (long long)nid);
  s = form_value(f, name, &n);
  if (!s) return NULL;
  if (n > SHOWN_VALUE_MAX || strlen(s) != n || !utf8_valid(s, n)) return "";
  return s;
}

/* The posted number of a ranked field (digits between spaces); 0 if none. */
static long posted_number(const form *f, int64_t c, int64_t nid) {
  const char *s = posted(f, c, nid);
  long v = 0;
  if (!s) return 0;
  while (*s == ' ' || *s == '\t') s++;
  for (; *s >= '0' && *s <= '9' && v < 100000; s++) v = v * 10 + (*s - '0');
  return v;
}

/* "9 to elect" */
static void seats_text(wbuf *b, int seats) {
  wbuf_printf(b, "%d to elect", seats);
}

/* --------------------------------------------------- messages, the code */

/* The form to type a code (on /v and on the page for an unknown code). */
static void code_form(req *r, resp *p) {
  wbuf *b = &p->body;
  wbuf_puts(b, "<form method=\"post\" action=\"/v\" class=\"code-form\">");
  page_csrf(r, p);
  wbuf_puts(b, "<div class=\"field\"><label for=\"f-code\">Your voting "
               "code</label><p class=\"hint\" id=\"f-code-hint\">It is in "
               "your email or letter: 26 letters and digits, such as "
               "K7QF-M2ZD-9XWA-3HTN-B4C8-R6PJ-5E. Capitals, spaces and "
               "hyphens do not matter.</p><input type=\"text\" id=\"f-code\" "
               "name=\"code\" aria-describedby=\"f-code-hint\" "
               "autocomplete=\"off\" autocapitalize=\"characters\" "
               "spellcheck=\"false\" maxlength=\"64\" class=\"code-input\">"
               "</div><div class=\"actions\"><button type=\"submit\">"
               "Continue</button></div></form>\n");
}

/* A malformed or unknown code: one page for both, so a code's shape says
** nothing more than its absence. */
static void unknown_page(req *r, resp *p) {
  p->status = 404;
  p->no_store = 1;
  page_open(r, p, "This voting link is not valid");
  wbuf_puts(&p->body, "<p>Check the code, or ask the organisers of your "
                      "election for a new link. If you typed the code, "
                      "try again:</p>\n");
  code_form(r, p);
  page_close(r, p);
}

/* What stops a known code from voting (§3.1), with status. */
static void state_page(req *r, resp *p, const svc_ballot *b, int status) {
  wbuf *w = &p->body;
  const svc_election *e = &b->e;
  const char *title = "This link cannot be used to vote";
  p->status = status;
  p->no_store = 1;
  switch (b->state) {
  case CRED_USED: title = "This link was used to vote"; break;
  case CRED_REPLACED: title = "This link was replaced"; break;
  case CRED_VOTED: title = "You have already voted"; break;
  case CRED_REMOVED: title = "This link no longer works"; break;
  case CRED_NOT_OPEN: title = "Voting has not opened"; break;
  case CRED_CLOSED: title = "Voting has closed"; break;
  default: break;
  }
  page_open(r, p, title);
  wbuf_puts(w, "<div class=\"notice warn\"><p>");
  switch (b->state) {
  case CRED_USED:
    wbuf_puts(w, "This link was used to vote. Each link works once, and a "
                  "vote cannot be changed once it is cast.");
    break;
  case CRED_REPLACED:
    wbuf_puts(w, "This link was replaced by a newer one: use your latest "
                  "email or letter.");
    break;
  case CRED_VOTED:
    wbuf_puts(w, "A vote has already been cast with your voting right: it "
                  "is the only vote counted.");
    break;
  case CRED_REMOVED:
    wbuf_puts(w, "You are no longer on the roll for this election, so this "
                  "link cannot be used. If you think this is a mistake, "
                  "contact the organisers.");
    break;
  case CRED_NOT_OPEN:
    if (e->at[EV_VOTING_OPEN] > r->now) {
      wbuf_puts(w, "Voting opens on ");
      page_time(w, e->tz, e->at[EV_VOTING_OPEN], 0);
      wbuf_puts(w, ". Keep this link: it will work then.");
    } else
      wbuf_puts(w, "Voting has not opened yet. Keep this link: it will "
                    "work once it does.");
    break;
  case CRED_CLOSED:
    if (e->at[EV_VOTING_CLOSE] && e->at[EV_VOTING_CLOSE] <= r->now) {
      wbuf_puts(w, "Voting has closed: it closed on ");
      page_time(w, e->tz, e->at[EV_VOTING_CLOSE], 0);
      wbuf_puts(w, ".");
    } else
      wbuf_puts(w, "Voting has closed.");
    break;
  default:
    wbuf_puts(w, "This link cannot be used to vote now.");
  }
  wbuf_puts(w, "</p></div>\n");
  if (e->slug[0] && e->title) {
    wbuf_puts(w, "<p><a href=\"");
    page_href(w, "/e/%s", e->slug);
    wbuf_puts(w, "\">");
    esc_text(w, e->title);
    wbuf_puts(w, "</a></p>\n");
  }
  page_close(r, p);
}

/* Loads the ballot of the path's code.  Returns 1 with *b ready to vote
** (canon holds the canonical code), else 0 with the answer written:
** unknown (404), a state message (status refused: 200 for a GET, 409 for
** a post), or a failure.  *b is released either way on 0. */
static int load(req *r, resp *p, svc_ballot *b, char canon[CRED_TEXT],
                int refused) {
  sqlite3 *db;
  web_status s;
  memset(b, 0, sizeof *b);
  p->no_store = 1;
  if (!canonical(r->param[0], canon)) {
    unknown_page(r, p);
    return 0;
  }
  db = db_get();
  s = db ? svc_ballot_load(db, canon, r->now, b) : WEB_EDB;
  if (s != WEB_OK) {
    svc_ballot_free(b);
    page_fail(r, p, s);
    return 0;
  }
  if (b->state == CRED_UNKNOWN) {
    svc_ballot_free(b);
    unknown_page(r, p);
    return 0;
  }
  if (b->state != CRED_OK) {
    state_page(r, p, b, refused);
    svc_ballot_free(b);
    return 0;
  }
  return 1;
}

/* ------------------------------------------------------------ the ballot */

/* The error summary: as page_errors, but each item links to the control
** it names on this page (#r-C-N, #c-C), and takes focus when the page
** loads (autofocus; ballot.js focuses it too).  An error on a contest not
** on the paper links nowhere. */
static void ballot_errors(resp *p, const svc_ballot *b, const verr *v) {
  wbuf *w = &p->body;
  size_t i;
  if (!v || !v->n) return;
  wbuf_puts(w, "<div class=\"error-summary\" role=\"alert\" "
               "aria-labelledby=\"error-summary-title\" tabindex=\"-1\" "
               "autofocus><h2 id=\"error-summary-title\">There is a "
               "problem</h2><ul>");
  for (i = 0; i < v->n; i++) {
    const char *f = v->e[i].field;
    long long c = 0, n = 0;
    char tail;
    int link = 0;
    wbuf_puts(w, "<li>");
    /* f is a field name the service printed from int64 ids (ballot_read.c,
    ** svc_cast.c), never raw input, so the numbers are in range */
    /* NOLINTNEXTLINE(cert-err34-c): see above */
    if (sscanf(f, "r.%lld.%lld%c", &c, &n, &tail) == 2 && c > 0 && n > 0) {
      wbuf_printf(w, "<a href=\"#r-%lld-%lld\">", c, n);
      link = 1;
      /* NOLINTNEXTLINE(cert-err34-c): see above */
    } else if (sscanf(f, "contest.%lld%c", &c, &tail) == 1 &&
               contest_by_id(b, (int64_t)c)) {
      wbuf_printf(w, "<a href=\"#c-%lld\">", c);
      link = 1;
    }
    esc_text(w, v->e[i].msg);
    wbuf_puts(w, link ? "</a></li>" : "</li>");
  }
  wbuf_puts(w, "</ul></div>\n");
}

/* One candidate on the paper: label, categories, the withdrawn note, the
** field's error (before the input), the number field, the statement. */
static void cand_item(wbuf *w, const svc_bcontest *c, const svc_bcand *k,
                      const form *values, const verr *v) {
  char field[FORM_MAX_NAME + 1], id[FORM_MAX_NAME + 1];
  const char *err, *val;
  snprintf(field, sizeof field, "r.%lld.%lld", (long long)c->id,
           (long long)k->nomination_id);
  snprintf(id, sizeof id, "r-%lld-%lld", (long long)c->id,
           (long long)k->nomination_id);
  err = verr_msg(v, field);
  val = posted(values, c->id, k->nomination_id);
  wbuf_printf(w, "<li class=\"cand%s%s\" data-name=\"",
              err ? " has-error" : "", k->withdrawn ? " withdrawn" : "");
  esc_attr(w, k->name ? k->name : "");
  wbuf_printf(w, "\" data-withdrawn=\"%d\"><label for=\"%s\" "
                 "class=\"cand-name\">", k->withdrawn ? 1 : 0, id);
  esc_text(w, k->name ? k->name : "");
  wbuf_puts(w, "</label>");
  if (k->categories && k->categories[0]) {
    wbuf_puts(w, " <span class=\"cats\">");
    esc_text(w, k->categories);
    wbuf_puts(w, "</span>");
  }
  if (k->withdrawn)
    wbuf_printf(w, "<p class=\"withdrawn-note\" id=\"%s-wd\"><strong>"
                   "Withdrawn</strong>: a preference for them will be "
                   "skipped, and your next one used.</p>", id);
  if (err) {
    wbuf_printf(w, "<p class=\"error-msg field-error\" id=\"%s-err\"><span "
                   "class=\"visually-hidden\">Error: </span>", id);
    esc_text(w, err);
    wbuf_puts(w, "</p>");
  }
  wbuf_printf(w, "<input class=\"rank\" id=\"%s\" name=\"%s\" type=\"text\" "
                 "inputmode=\"numeric\" pattern=\"[0-9]*\" size=\"3\" "
                 "maxlength=\"4\" autocomplete=\"off\"", id, field);
  if (err || k->withdrawn) {
    wbuf_puts(w, " aria-describedby=\"");
    if (k->withdrawn) wbuf_printf(w, "%s-wd%s", id, err ? " " : "");
    if (err) wbuf_printf(w, "%s-err", id);
    wbuf_puts(w, "\"");
  }
  if (err) wbuf_puts(w, " aria-invalid=\"true\"");
  if (val && val[0]) {
    wbuf_puts(w, " value=\"");
    esc_attr(w, val);
    wbuf_puts(w, "\"");
  }
  wbuf_puts(w, ">");
  if (k->statement_html && k->statement_html[0]) {
    wbuf_puts(w, "<details class=\"statement-box\"><summary>Statement of ");
    esc_text(w, k->name ? k->name : "");
    wbuf_puts(w, "</summary><div class=\"statement\">");
    wbuf_puts(w, k->statement_html); /* stored cmark rendering, safe */
    wbuf_puts(w, "</div></details>");
  }
  wbuf_puts(w, "</li>\n");
}

static void contest_fieldset(wbuf *w, const svc_bcontest *c,
                             const form *values, const verr *v) {
  char field[FORM_MAX_NAME + 1];
  const char *err;
  size_t i;
  long long id = (long long)c->id;
  snprintf(field, sizeof field, "contest.%lld", id);
  err = verr_msg(v, field);
  wbuf_printf(w, "<fieldset class=\"contest%s\" id=\"c-%lld\" "
                 "data-contest=\"%lld\" data-n=\"%zu\" tabindex=\"-1\" "
                 "aria-describedby=\"c-%lld-hint",
              err ? " has-error" : "", id, id, c->n, id);
  if (err) wbuf_printf(w, " c-%lld-err", id);
  wbuf_puts(w, "\">");
  wbuf_printf(w, "<legend><h2 class=\"contest-title\" id=\"c-%lld-title\">",
              id);
  esc_text(w, c->title ? c->title : "");
  wbuf_puts(w, "</h2> <span class=\"seats\">(");
  seats_text(w, c->seats);
  wbuf_printf(w, ")</span></legend><p id=\"c-%lld-hint\" class=\"hint\">%s"
                 "</p>", id, rank_hint);
  if (err) {
    wbuf_printf(w, "<p class=\"error-msg\" id=\"c-%lld-err\"><span "
                   "class=\"visually-hidden\">Error: </span>", id);
    esc_text(w, err);
    wbuf_puts(w, "</p>");
  }
  wbuf_puts(w, "\n<ol class=\"ballot\">\n");
  for (i = 0; i < c->n; i++) cand_item(w, c, &c->cand[i], values, v);
  wbuf_puts(w, "</ol></fieldset>\n");
}

/* The ballot page: values are the numbers to show (NULL: none), v the
** errors (NULL: none). */
static void ballot_page(req *r, resp *p, const svc_ballot *b,
                        const char *canon, const form *values,
                        const verr *v, int status) {
  wbuf *w = &p->body;
  wbuf title;
  size_t i;
  p->status = status;
  p->no_store = 1;
  wbuf_init(&title, 1024);
  wbuf_puts(&title, "Your ballot: ");
  wbuf_puts(&title, b->e.title ? b->e.title : "");
  page_open(r, p, wbuf_str(&title));
  wbuf_free(&title);
  ballot_errors(p, b, v);
  wbuf_puts(w, "<p>");
  esc_text(w, b->e.org_name ? b->e.org_name : "");
  if (b->e.at[EV_VOTING_CLOSE]) {
    wbuf_puts(w, ". Voting closes on ");
    page_time(w, b->e.tz, b->e.at[EV_VOTING_CLOSE], 0);
  }
  wbuf_puts(w, ".</p>\n<p>Your vote is secret: nothing connects it to you. "
               "You can check your choices before you cast your vote.</p>\n");
  if (!b->n)
    wbuf_puts(w, "<p class=\"notice\">There is no contest on this ballot "
                 "that you may vote in. You can still cast a blank "
                 "vote.</p>\n");
  wbuf_puts(w, "<form method=\"post\" id=\"ballot\" class=\"ballot-form\" "
               "novalidate action=\"");
  page_href(w, "/v/%s/review", canon);
  wbuf_puts(w, "\">");
  page_csrf(r, p);
  wbuf_puts(w, "\n");
  for (i = 0; i < b->n; i++) contest_fieldset(w, &b->c[i], values, v);
  wbuf_puts(w, "<div class=\"actions\"><button type=\"submit\">Check my "
               "vote</button></div>\n</form>\n"
               "<script src=\"/static/ballot.js\" defer></script>\n");
  page_close(r, p);
}

/* ------------------------------------------------------------ the review */

/* The choices as hidden fields: r.C.N = the position, 1 up. */
static void hidden_choices(wbuf *w, const ballot_choice *ch, size_t n) {
  size_t i, k;
  for (i = 0; i < n; i++)
    for (k = 0; k < ch[i].n; k++)
      wbuf_printf(w, "<input type=\"hidden\" name=\"r.%lld.%lld\" "
                     "value=\"%zu\">", (long long)ch[i].contest_id,
                  (long long)ch[i].order[k], k + 1);
}

/* A form that posts the choices to /v/CODE/cast (cast) or back to the
** ballot /v/CODE, with its csrf token and one button: <button ATTRS>LABEL
** (label is HTML). */
static void choices_form(req *r, resp *p, int cast, const char *canon,
                         const ballot_choice *ch, size_t n,
                         const char *attrs, const char *label) {
  wbuf *w = &p->body;
  wbuf_puts(w, "<form method=\"post\" action=\"");
  if (cast)
    page_href(w, "/v/%s/cast", canon);
  else
    page_href(w, "/v/%s", canon);
  wbuf_puts(w, "\">");
  page_csrf(r, p);
  hidden_choices(w, ch, n);
  wbuf_printf(w, "<button type=\"submit\" %s>", attrs);
  wbuf_puts(w, label);
  wbuf_puts(w, "</button></form>");
}

/* "You skipped number 4, so your 5th choice counts as your 4th." from the
** posted numbers of a contest whose gaps were closed. */
static void gap_note(wbuf *w, const form *f, const ballot_choice *ch) {
  size_t k, missing = 0, after = 0;
  long first_gap = 0, first_after = 0, prev = 0;
  for (k = 0; k < ch->n; k++) {
    long num = posted_number(f, ch->contest_id, ch->order[k]);
    if (first_gap) after++;
    if (num > prev + 1) {
      if (!first_gap) {
        first_gap = prev + 1;
        first_after = num;
      }
      missing += (size_t)(num - prev - 1);
    }
    if (num > prev) prev = num;
  }
  if (!first_gap) return;
  wbuf_puts(w, "<li>");
  if (missing == 1) {
    wbuf_printf(w, "You skipped number %ld, so your ", first_gap);
    ordinal(w, (size_t)first_after);
    wbuf_puts(w, " choice counts as your ");
    ordinal(w, (size_t)first_gap);
    wbuf_puts(w, after ? ". The choices after it move up too." : ".");
  } else
    wbuf_printf(w, "You skipped %zu numbers, so the choices after each gap "
                   "move up: the list shows the order in which your vote "
                   "counts.", missing);
  wbuf_puts(w, "</li>");
}

static void review_contest(wbuf *w, const svc_bcontest *c,
                           const ballot_choice *ch, const form *f) {
  size_t k;
  long long id = (long long)c->id;
  wbuf_printf(w, "<section class=\"review-contest\" aria-labelledby=\"rv-%lld"
                 "\"><h2 id=\"rv-%lld\">", id, id);
  esc_text(w, c->title ? c->title : "");
  wbuf_puts(w, " <span class=\"seats\">(");
  seats_text(w, c->seats);
  wbuf_puts(w, ")</span></h2>\n");
  if (ch->n) {
    wbuf_puts(w, "<ol class=\"review\">");
    for (k = 0; k < ch->n; k++) {
      const svc_bcand *cand = cand_by_id(c, ch->order[k]);
      wbuf_puts(w, "<li>");
      esc_text(w, cand && cand->name ? cand->name : "?");
      if (cand && cand->withdrawn)
        wbuf_puts(w, " <strong class=\"withdrawn-tag\">(withdrawn)</strong>");
      wbuf_puts(w, "</li>");
    }
    wbuf_puts(w, "</ol>\n");
  }
  wbuf_puts(w, "<ul class=\"notes\">");
  if (!ch->n) {
    wbuf_puts(w, "<li>You are not voting in ");
    esc_text(w, c->title ? c->title : "");
    wbuf_puts(w, ": you ranked nobody.</li>");
  } else if (ch->n < c->n)
    wbuf_printf(w, "<li>You left %zu %s unranked.</li>", c->n - ch->n,
                c->n - ch->n == 1 ? "candidate" : "candidates");
  if (ch->gap_closed) gap_note(w, f, ch);
  for (k = 0; ch->has_withdrawn && k < ch->n; k++) {
    const svc_bcand *cand = cand_by_id(c, ch->order[k]);
    if (!cand || !cand->withdrawn) continue;
    wbuf_puts(w, "<li>");
    esc_text(w, cand->name ? cand->name : "");
    wbuf_puts(w, " has withdrawn: that preference will be skipped.</li>");
  }
  wbuf_puts(w, "</ul></section>\n");
}

static void review_page(req *r, resp *p, const svc_ballot *b,
                        const char *canon, const ballot_choice *ch,
                        size_t n, const form *f) {
  wbuf *w = &p->body;
  size_t i, ranked = 0;
  p->status = 200;
  p->no_store = 1;
  for (i = 0; i < n; i++) ranked += ch[i].n;
  page_open(r, p, "Check your vote");
  wbuf_puts(w, "<p>Your vote has <strong>not</strong> been cast yet. Check "
               "your choices, then cast your vote, or go back to change "
               "it.</p>\n");
  if (!ranked)
    wbuf_puts(w, "<div class=\"notice warn\"><p>You are casting a blank "
                 "vote: you have not ranked anyone. It counts towards the "
                 "turnout, and for no candidate.</p></div>\n");
  for (i = 0; i < n; i++) {
    const svc_bcontest *c = contest_by_id(b, ch[i].contest_id);
    if (c) review_contest(w, c, &ch[i], f);
  }
  wbuf_puts(w, "<p>Once cast, your vote cannot be changed.</p>\n"
               "<div class=\"actions review-actions\">");
  choices_form(r, p, 1, canon, ch, n, "id=\"cast\"",
               "Cast my vote");
  choices_form(r, p, 0, canon, ch, n,
               "class=\"secondary\" id=\"change\"", "Change my vote");
  wbuf_puts(w, "</div>\n");
  page_close(r, p);
}

/* ----------------------------------------------------------- the receipt */

static void receipt_page(req *r, resp *p, const svc_ballot *b,
                         const char *receipt) {
  wbuf *w = &p->body;
  p->status = 200;
  p->no_store = 1;
  page_open(r, p, "Your vote has been cast");
  wbuf_puts(w, "<div class=\"notice ok\" role=\"status\"><p>Your vote has "
               "been cast.</p></div>\n<p>Your receipt code:</p>\n"
               "<p class=\"receipt\"><strong><code id=\"receipt\">");
  esc_text(w, receipt);
  wbuf_puts(w, "</code></strong></p>\n<p>When the results are published, "
               "the codes of everyone who voted are listed; find yours to "
               "check your vote was counted. The code says nothing about "
               "how you voted, and nobody can tell which vote is yours. "
               "Save or print this page.</p>\n");
  if (b->key_fingerprint[0]) {
    wbuf_puts(w, "<p>The results will be signed with the election's key. "
                 "Its fingerprint: <code class=\"fingerprint\">");
    esc_text(w, b->key_fingerprint);
    wbuf_puts(w, "</code></p>\n");
  }
  if (b->e.slug[0]) {
    wbuf_puts(w, "<p><a href=\"");
    page_href(w, "/e/%s", b->e.slug);
    wbuf_puts(w, "\">");
    esc_text(w, b->e.title ? b->e.title : "The election");
    wbuf_puts(w, "</a></p>\n");
  }
  page_close(r, p);
}

/* A cast that could not be saved (s: WEB_EIO or WEB_EBUSY): nothing of
** it was stored (db_write), so the code still works.  503 with
** Retry-After, and the same choices ready to cast again. */
static void not_saved_page(req *r, resp *p, const char *canon,
                           const ballot_choice *ch, size_t n,
                           web_status s) {
  wbuf *w = &p->body;
  p->status = 503;
  p->no_store = 1;
  resp_header(p, "Retry-After", s == WEB_EIO ? "60" : "1");
  page_open(r, p, "Your vote was not recorded");
  wbuf_puts(w, "<div class=\"notice warn\" role=\"alert\" id=\"not-saved\">"
               "<p>Your vote has <strong>not</strong> been recorded: ");
  wbuf_puts(w, s == WEB_EIO
                   ? "the server cannot save votes at the moment because of "
                     "a problem with its storage."
                   : "the server is too busy to save it at the moment.");
  wbuf_puts(w, "</p><p>Your voting link still works. Try again in a few "
               "minutes: the button below sends the same choices "
               "again.</p></div>\n<div class=\"actions\">");
  choices_form(r, p, 1, canon, ch, n, "id=\"cast\"",
               "Try again: cast my vote");
  wbuf_puts(w, "</div>\n<p>If it keeps failing, keep "
               "your link and try later, or contact the organisers of your "
               "election.</p>\n");
  page_close(r, p);
}

/* -------------------------------------------------------------- handlers */

static void code_get(req *r, resp *p) {
  p->no_store = 1;
  page_open(r, p, "Vote");
  wbuf_puts(&p->body, "<p>Your voting link is in the email or letter you "
                      "were sent. If you have a letter, type the code from "
                      "it here.</p>\n");
  code_form(r, p);
  page_close(r, p);
}

static void code_post(req *r, resp *p) {
  char canon[CRED_TEXT];
  wbuf path;
  p->no_store = 1;
  if (!canonical(form_get(&r->body, "code"), canon)) {
    unknown_page(r, p);
    return;
  }
  wbuf_init(&path, 128);
  page_href(&path, "/v/%s", canon);
  resp_redirect(p, wbuf_str(&path));
  wbuf_free(&path);
}

static void ballot_get(req *r, resp *p) {
  svc_ballot b;
  char canon[CRED_TEXT];
  if (!load(r, p, &b, canon, 200)) return;
  ballot_page(r, p, &b, canon, NULL, NULL, 200);
  svc_ballot_free(&b);
}

/* "Change my vote": the ballot with the numbers posted. */
static void ballot_post(req *r, resp *p) {
  svc_ballot b;
  char canon[CRED_TEXT];
  if (!load(r, p, &b, canon, 409)) return;
  ballot_page(r, p, &b, canon, &r->body, NULL, 200);
  svc_ballot_free(&b);
}

/* Reads the posted ranking; 1 with the choices, else 0 with the answer
** written (422 and the ballot with its errors, or a failure). */
static int read_choices(req *r, resp *p, const svc_ballot *b,
                        const char *canon, ballot_choice **ch, size_t *n) {
  verr v;
  web_status s;
  memset(&v, 0, sizeof v);
  s = ballot_read(&r->body, b, ch, n, &v);
  if (s == WEB_OK) return 1;
  if (s == WEB_EINVALID)
    ballot_page(r, p, b, canon, &r->body, &v, 422);
  else
    page_fail(r, p, s);
  return 0;
}

static void review_post(req *r, resp *p) {
  svc_ballot b;
  char canon[CRED_TEXT];
  ballot_choice *ch = NULL;
  size_t n = 0;
  if (!load(r, p, &b, canon, 409)) return;
  if (read_choices(r, p, &b, canon, &ch, &n))
    review_page(r, p, &b, canon, ch, n, &r->body);
  ballot_choices_free(ch, n);
  svc_ballot_free(&b);
}

static void cast_post(req *r, resp *p) {
  svc_ballot b;
  char canon[CRED_TEXT], receipt[RECEIPT_TEXT];
  ballot_choice *ch = NULL;
  size_t n = 0;
  cred_state state = CRED_OK;
  verr v;
  web_status s;
  if (!load(r, p, &b, canon, 409)) return;
  if (!read_choices(r, p, &b, canon, &ch, &n)) {
    svc_ballot_free(&b);
    return;
  }
  memset(&v, 0, sizeof v);
  receipt[0] = 0;
  s = svc_cast(&b, ch, n, r->now, receipt, &state, &v);
  if (s == WEB_OK)
    receipt_page(r, p, &b, receipt);
  else if (s == WEB_ECONFLICT) {
    b.state = state == CRED_OK ? CRED_USED : state;
    state_page(r, p, &b, 409);
  } else if (s == WEB_EINVALID)
    ballot_page(r, p, &b, canon, &r->body, &v, 422);
  else if (s == WEB_EIO || s == WEB_EBUSY)
    not_saved_page(r, p, canon, ch, n, s);
  else
    page_fail(r, p, s);
  sodium_memzero(receipt, sizeof receipt);
  ballot_choices_free(ch, n);
  svc_ballot_free(&b);
}

const route routes_vote[] = {
    {"GET", "/v", code_get, AUTH_PUBLIC, BODY_NONE, RATE_VOTE},
    {"POST", "/v", code_post, AUTH_PUBLIC, BODY_FORM, RATE_VOTE},
    {"GET", "/v/{code}", ballot_get, AUTH_PUBLIC, BODY_NONE, RATE_VOTE},
    {"POST", "/v/{code}", ballot_post, AUTH_PUBLIC, BODY_FORM, RATE_VOTE},
    {"POST", "/v/{code}/review", review_post, AUTH_PUBLIC, BODY_FORM,
     RATE_VOTE},
    {"POST", "/v/{code}/cast", cast_post, AUTH_PUBLIC, BODY_FORM, RATE_VOTE},
    {NULL, NULL, NULL, AUTH_PUBLIC, BODY_NONE, RATE_VOTE}};
