/*
** p_admin_election.c: the administrators' pages for one election as a
** whole: creating it (/admin/e/new), its settings page (/admin/e/{e})
** with the timetable, the phase buttons and publication, and the POSTs
** behind them (/admin/e/{e}, /timetable, /phase, /publish).
**
** The settings page is one page of four small forms.  A POST that fails
** re-renders the whole page with 422 (or 409 when the election's state
** forbids it), the errors beside the fields of the form that was sent
** and that form's submitted values; the other forms show what is stored.
** What a phase locks (svc_setup.h: the zone after setup, the word limit
** and declaration after nominations, everything once closed) is shown as
** text rather than as a field, so a form never sends a locked setting.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p_admin.h"

/* Which form of the settings page was sent. */
typedef enum {
  F_NONE = 0,
  F_SETTINGS,
  F_TIMETABLE,
  F_PHASE,
  F_PUBLISH
} sent_form;

/* The value to show in a field: the submitted one when its form was
** sent, else the stored one. */
static const char *shown(const req *r, sent_form sent, sent_form mine,
                         const char *name, const char *stored) {
  if (sent == mine) {
    const char *s = form_get(&r->body, name);
    return s ? s : "";
  }
  return stored ? stored : "";
}

/* Whether the timetable event ev has happened: its phase was reached, or
** its time has come (the clock thread may not have moved the phase yet).
** svc_timetable_set refuses to change such an event by the same rule. */
static int event_done(const svc_election *e, int ev, int64_t now) {
  static const svc_phase reached[EV_COUNT] = {PHASE_NOMINATIONS, PHASE_REVIEW,
                                              PHASE_VOTING, PHASE_COUNTED};
  return e->phase >= reached[ev] || (e->at[ev] && e->at[ev] <= now);
}

/* Common zone names for the zone field's suggestions (any IANA name is
** accepted). */
static void zone_list(wbuf *b) {
  static const char *const zones[] = {"Europe/London",
                                      "Europe/Dublin",
                                      "Europe/Paris",
                                      "Europe/Berlin",
                                      "America/New_York",
                                      "America/Chicago",
                                      "America/Los_Angeles",
                                      "America/Toronto",
                                      "Australia/Sydney",
                                      "Pacific/Auckland",
                                      "Asia/Kolkata",
                                      "Africa/Johannesburg",
                                      "UTC"};
  size_t i;
  wbuf_puts(b, "<datalist id=\"zones\">");
  for (i = 0; i < sizeof zones / sizeof zones[0]; i++)
    wbuf_printf(b, "<option value=\"%s\">", zones[i]);
  wbuf_puts(b, "</datalist>\n");
}

/* The zone field, with the suggestions list (field_input has no list=). */
static void zone_field(resp *p, const verr *v, const char *value) {
  wbuf *b = &p->body;
  const char *err = verr_msg(ADM_V(v), "tz");
  wbuf_puts(b,
            err ? "<div class=\"field has-error\">" : "<div class=\"field\">");
  wbuf_puts(b, "<label for=\"f-tz\">Time zone</label><p class=\"hint\" "
               "id=\"f-tz-hint\">Where the election's times are given, as a "
               "place name such as Europe/London.</p>");
  if (err) {
    wbuf_puts(b, "<p class=\"error-msg\" id=\"f-tz-error\"><span "
                 "class=\"visually-hidden\">Error: </span>");
    esc_text(b, err);
    wbuf_puts(b, "</p>");
  }
  wbuf_puts(b, "<input type=\"text\" id=\"f-tz\" name=\"tz\" list=\"zones\" "
               "autocomplete=\"off\" spellcheck=\"false\" value=\"");
  esc_attr(b, value);
  wbuf_puts(b, err ? "\" aria-describedby=\"f-tz-hint f-tz-error\" "
                     "aria-invalid=\"true\">"
                   : "\" aria-describedby=\"f-tz-hint\">");
  zone_list(b);
  wbuf_puts(b, "</div>\n");
}

/* A stored setting shown as text, with why it cannot change now. */
static void locked(wbuf *b, const char *label, const char *value,
                   const char *why) {
  wbuf_puts(b, "<div class=\"field\"><p><strong>");
  esc_text(b, label);
  wbuf_puts(b, ":</strong> ");
  esc_text(b, value);
  wbuf_puts(b, "</p><p class=\"hint\">");
  esc_text(b, why);
  wbuf_puts(b, "</p></div>\n");
}

/* The word limit's hint, from the service's range (both plain numbers). */
#define STR_(x) #x
#define STR(x) STR_(x)
#define WORDS_HINT                                                            \
  "From " STR(SVC_WORDS_MIN) " to " STR(SVC_WORDS_MAX) " words."

/* ------------------------------------------------------------ new election */

static void new_page(req *r, resp *p, int status, const verr *v) {
  sqlite3 *db = db_get();
  svc_org *o = NULL;
  size_t n = 0, i;
  wbuf *b = &p->body;
  int sent = status != 200;
  web_status s = db ? svc_admin_orgs(db, r->admin_id, &o, &n) : WEB_EDB;
  char wl[16];
  p->no_store = 1;
  if (s) {
    page_fail(r, p, s);
    return;
  }
  p->status = status;
  page_open(r, p, "New election");
  wbuf_puts(b, "<p class=\"context\"><a href=\"/admin\">Administration</a>"
               "</p>\n");
  if (!n) {
    wbuf_puts(b, "<p>You are not an administrator of any organisation, so "
                 "you cannot create an election.</p>\n");
    svc_orgs_free(o, n);
    page_close(r, p);
    return;
  }
  adm_errors(p, v, "title");
  wbuf_puts(b, "<form method=\"post\" action=\"/admin/e/new\">");
  page_csrf(r, p);
  field_input(p, ADM_V(v), "title", "Title", "text",
              sent ? form_get(&r->body, "title") : "",
              "As members will see it, such as \xe2\x80\x9cSteering "
              "committee 2027\xe2\x80\x9d.",
              "off");
  field_input(p, ADM_V(v), "slug", "Web address", "text",
              sent ? form_get(&r->body, "slug") : "",
              "The end of the election's address, such as steering-2027 in "
              "/e/steering-2027. Lower-case letters, digits and hyphens; it "
              "cannot be changed later.",
              "off");
  /* the choice of organisation, when there is one to make (or when what
  ** was sent was refused, so that the error has its field) */
  if (n > 1 || verr_msg(ADM_V(v), "org")) {
    const char *cur = sent ? form_get(&r->body, "org") : NULL;
    const char *err = verr_msg(ADM_V(v), "org");
    wbuf_puts(b, err ? "<div class=\"field has-error\">"
                     : "<div class=\"field\">");
    wbuf_puts(b, "<label for=\"f-org\">Organisation</label>");
    if (err) {
      wbuf_puts(b, "<p class=\"error-msg\" id=\"f-org-error\"><span "
                   "class=\"visually-hidden\">Error: </span>");
      esc_text(b, err);
      wbuf_puts(b, "</p>");
    }
    wbuf_puts(b, err ? "<select id=\"f-org\" name=\"org\" "
                       "aria-invalid=\"true\" aria-describedby=\"f-org-"
                       "error\">"
                     : "<select id=\"f-org\" name=\"org\">");
    for (i = 0; i < n; i++) {
      char id[24];
      snprintf(id, sizeof id, "%lld", (long long)o[i].id);
      wbuf_printf(b, "<option value=\"%s\"%s>", id,
                  cur && strcmp(cur, id) == 0 ? " selected" : "");
      esc_text(b, o[i].name);
      wbuf_puts(b, "</option>");
    }
    wbuf_puts(b, "</select></div>\n");
  }
  zone_field(p, v,
             sent ? shown(r, F_SETTINGS, F_SETTINGS, "tz", NULL) : o[0].tz);
  snprintf(wl, sizeof wl, "%d", SVC_WORDS_DEFAULT);
  field_input(p, ADM_V(v), "word_limit", "Word limit for statements", "number",
              sent ? form_get(&r->body, "word_limit") : wl, WORDS_HINT,
              NULL);
  wbuf_puts(b, "<p class=\"hint\">You can add the contests, dates and "
               "questions next. Nothing is public until nominations "
               "open.</p><button type=\"submit\" class=\"button\">Create "
               "election</button></form>\n");
  svc_orgs_free(o, n);
  page_close(r, p);
}

void adm_election_new_get(req *r, resp *p) { new_page(r, p, 200, NULL); }

/* The organisation chosen on the new-election form: SVC_ORG_DEFAULT when
** none was sent (the admin's first), else one of the admin's own, or a
** field error on "org". */
static int64_t org_choice(req *r, verr *v) {
  sqlite3 *db = db_get();
  const char *os = form_get(&r->body, "org");
  svc_org *o = NULL;
  size_t n = 0, i;
  int64_t org = -1;
  if (!os || !*os)
    return SVC_ORG_DEFAULT;
  if (os[0] >= '1' && os[0] <= '9' && strlen(os) <= 18) {
    char *end;
    long long x = strtoll(os, &end, 10);
    if (!*end && db && svc_admin_orgs(db, r->admin_id, &o, &n) == WEB_OK)
      for (i = 0; i < n; i++)
        if (o[i].id == x)
          org = x;
    svc_orgs_free(o, n);
  }
  if (org < 0)
    verr_add(v, "org", "unknown",
             "Choose one of the organisations you administer.");
  return org;
}

void adm_election_new_post(req *r, resp *p) {
  verr v = {0};
  svc_election_input in = {0};
  int64_t org, id = 0;
  web_status s = WEB_EINVALID;
  int status;
  in.title = adm_text(r, &v, "title", "Title", SVC_TITLE_MAX, 0, 1);
  in.slug = adm_text(r, &v, "slug", "Web address", SVC_SLUG_MAX, 0, 1);
  in.tz = adm_text(r, &v, "tz", "Time zone", 64, 0, 0);
  in.word_limit = adm_int(r, &v, "word_limit", "Word limit", SVC_WORDS_MIN,
                          SVC_WORDS_MAX, 0, SVC_WORDS_DEFAULT);
  org = org_choice(r, &v);
  if (!v.n)
    s = svc_election_create(&in, org, r->actor, r->admin_id, r->now, &v, &id);
  if (s == WEB_OK) {
    adm_redirect(p, "/admin/e/%s", in.slug, NULL);
    return;
  }
  if (!(status = adm_fail_status(r, p, s)))
    return;
  new_page(r, p, status, &v);
}

/* --------------------------------------------------------- settings page */

static void phase_section(req *r, resp *p, const svc_election *e,
                          const verr *v) {
  static const struct {
    svc_phase from, to;
    const char *button, *sentence;
  } moves[] = {
      {PHASE_SETUP, PHASE_NOMINATIONS, "Open nominations now",
       "The nomination form opens to everyone straight away, whatever the "
       "timetable says."},
      {PHASE_NOMINATIONS, PHASE_REVIEW, "Close nominations now",
       "No more nominations or changes to statements are taken, even if "
       "the closing time has not come yet."},
  };
  wbuf *b = &p->body;
  size_t i;
  wbuf_puts(b, "<section aria-labelledby=\"h-phase\"><h2 id=\"h-phase\">"
               "Phase</h2>\n<p>Now: <strong>");
  esc_text(b, svc_phase_label(e->phase));
  wbuf_puts(b, "</strong>. Phases only move forward; the timetable moves "
               "them at its deadlines, or you can move on early.</p>\n");
  for (i = 0; i < sizeof moves / sizeof moves[0]; i++) {
    char id[64];
    if (moves[i].from != e->phase)
      continue;
    snprintf(id, sizeof id, "confirm-%s", svc_phase_name(moves[i].to));
    wbuf_puts(b, "<form method=\"post\" action=\"");
    page_href(b, "/admin/e/%s/phase", e->slug);
    wbuf_puts(b, "\">");
    page_csrf(r, p);
    wbuf_printf(b, "<input type=\"hidden\" name=\"to\" value=\"%s\">",
                svc_phase_name(moves[i].to));
    wbuf_puts(b, verr_msg(ADM_V(v), id) ? "<div class=\"field has-error\">"
                                        : "<div class=\"field\">");
    wbuf_puts(b, "<p>");
    wbuf_puts(b, moves[i].sentence);
    wbuf_puts(b, " This cannot be undone.</p>");
    if (verr_msg(ADM_V(v), id)) {
      wbuf_printf(b, "<p class=\"error-msg\" id=\"f-%s-error\">", id);
      esc_text(b, verr_msg(ADM_V(v), id));
      wbuf_puts(b, "</p>");
    }
    wbuf_printf(b,
                "<div class=\"choices\"><label><input type=\"checkbox\" "
                "id=\"f-%s\" name=\"confirm\" value=\"yes\"%s> I "
                "understand</label></div></div>",
                id, verr_msg(ADM_V(v), id) ? " aria-invalid=\"true\"" : "");
    wbuf_puts(b, "<button type=\"submit\" class=\"button\">");
    wbuf_puts(b, moves[i].button);
    wbuf_puts(b, "</button></form>\n");
  }
  if (e->phase == PHASE_REVIEW) {
    wbuf_puts(b, "<p>Voting is opened from the <a href=\"");
    page_href(b, "/admin/e/%s/electorate", e->slug);
    wbuf_puts(b, "\">electorate</a> page, after checking who may vote."
                 "</p>\n");
  }
  if (e->phase != PHASE_CLOSED) {
    wbuf_puts(b, "<details><summary>Close the election for good</summary>"
                 "<form method=\"post\" action=\"");
    page_href(b, "/admin/e/%s/phase", e->slug);
    wbuf_puts(b, "\">");
    page_csrf(r, p);
    wbuf_puts(b, "<input type=\"hidden\" name=\"to\" value=\"closed\">");
    wbuf_puts(b, verr_msg(ADM_V(v), "confirm-closed")
                     ? "<div class=\"field has-error\">"
                     : "<div class=\"field\">");
    wbuf_puts(b, "<p>The election ends and nothing in it can be changed "
                 "again. This cannot be undone.</p>");
    if (verr_msg(ADM_V(v), "confirm-closed")) {
      wbuf_puts(b, "<p class=\"error-msg\" id=\"f-confirm-closed-error\">");
      esc_text(b, verr_msg(ADM_V(v), "confirm-closed"));
      wbuf_puts(b, "</p>");
    }
    wbuf_puts(b, "<div class=\"choices\"><label><input type=\"checkbox\" "
                 "id=\"f-confirm-closed\" name=\"confirm\" value=\"yes\"> "
                 "I understand</label></div></div><button type=\"submit\" "
                 "class=\"button danger\">Close the election</button></form>"
                 "</details>\n");
  }
  wbuf_puts(b, "</section>\n");
}

static void publish_section(req *r, resp *p, const svc_election *e) {
  wbuf *b = &p->body;
  wbuf_puts(b, "<section aria-labelledby=\"h-pub\"><h2 id=\"h-pub\">"
               "Candidates page</h2>\n");
  if (e->published_at) {
    wbuf_puts(b, "<p>Published on ");
    page_time(b, e->tz, e->published_at, 0);
    wbuf_puts(b, ": <a href=\"");
    page_href(b, "/e/%s/candidates", e->slug);
    wbuf_puts(b, "\">candidates</a> and <a href=\"");
    page_href(b, "/e/%s/checklist", e->slug);
    wbuf_puts(b, "\">checklist</a>.</p>\n");
  } else if (e->phase == PHASE_NOMINATIONS || e->phase == PHASE_REVIEW) {
    wbuf_puts(b, "<p>Publishing makes the accepted candidates' statements "
                 "and checklist answers public. Until then only you can "
                 "see them. Once voting opens they are published "
                 "anyway.</p>");
    adm_button(r, p, "/admin/e/%s/publish", e->slug, NULL, NULL, NULL,
               "Publish the candidates now", NULL, 0);
    wbuf_puts(b, "\n");
  } else if (e->phase == PHASE_SETUP)
    wbuf_puts(b, "<p>You can publish the candidates once nominations have "
                 "opened.</p>\n");
  else
    wbuf_puts(b, "<p>The candidates page is public.</p>\n");
  wbuf_puts(b, "</section>\n");
}

static void timetable_section(req *r, resp *p, const svc_election *e,
                              sent_form sent, const verr *v) {
  wbuf *b = &p->body;
  int k;
  wbuf_puts(b, "<section aria-labelledby=\"h-tt\"><h2 id=\"h-tt\">"
               "Timetable</h2>\n");
  if (sent == F_TIMETABLE && e->phase == PHASE_CLOSED)
    adm_errors(p, v, NULL);
  if (e->phase == PHASE_CLOSED) {
    wbuf_puts(b, "<p>The election is closed.</p></section>\n");
    return;
  }
  wbuf_puts(b, "<p>Times are in <strong>");
  esc_text(b, e->tz);
  wbuf_puts(b, "</strong> time. Leave a box empty for no deadline. At each "
               "deadline the election moves to its next phase by "
               "itself.</p>\n");
  if (sent == F_TIMETABLE)
    adm_errors(p, v, NULL);
  wbuf_puts(b, "<form method=\"post\" action=\"");
  page_href(b, "/admin/e/%s/timetable", e->slug);
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  for (k = 0; k < EV_COUNT; k++) {
    const char *name = svc_event_name((svc_event)k);
    char label[96], hint[160];
    if (event_done(e, k, r->now)) {
      wbuf_puts(b, "<div class=\"field\"><p><strong>");
      wbuf_puts(b, svc_event_label((svc_event)k));
      wbuf_puts(b, ":</strong> ");
      if (e->at[k])
        page_time(b, e->tz, e->at[k], 0);
      else
        wbuf_puts(b, "moved on by an administrator");
      wbuf_puts(b, "</p><p class=\"hint\">This has happened, so it cannot "
                   "change.</p></div>\n");
      continue;
    }
    snprintf(label, sizeof label, "%s (%s time)", svc_event_label((svc_event)k),
             e->tz);
    if (k >= EV_VOTING_OPEN)
      snprintf(hint, sizeof hint, "%s",
               k == EV_VOTING_OPEN
                   ? "Voting opens: the roll is frozen and links are sent."
                   : "Voting closes and the count runs at once.");
    else
      snprintf(hint, sizeof hint,
               "Day and time, such as 17 March at "
               "17:00.");
    field_input(p, ADM_V(sent == F_TIMETABLE ? v : NULL), name, label,
                "datetime-local",
                shown(r, sent, F_TIMETABLE, name, e->local[k]), hint, "off");
    if (e->at[k] && sent != F_TIMETABLE) {
      wbuf_puts(b, "<p class=\"hint now\">Now set to ");
      page_time(b, e->tz, e->at[k], 0);
      wbuf_puts(b, ".</p>\n");
    }
  }
  wbuf_puts(b, "<button type=\"submit\" class=\"button\">Save the "
               "timetable</button></form></section>\n");
}

/* A group of radio buttons for field name (the first button's id is
** "f-" + name, where the error summary links). */
static void radios(resp *p, const verr *v, const char *name,
                   const char *legend, const char *hint,
                   const char *const *values, const char *const *labels,
                   size_t n, const char *cur) {
  wbuf *b = &p->body;
  const char *err = verr_msg(ADM_V(v), name);
  size_t i;
  wbuf_printf(b, "<div class=\"field%s\"><fieldset aria-describedby=\"f-%s-"
                 "hint%s%s%s\"><legend>",
              err ? " has-error" : "", name, err ? " f-" : "",
              err ? name : "", err ? "-error" : "");
  esc_text(b, legend);
  wbuf_printf(b, "</legend><p class=\"hint\" id=\"f-%s-hint\">", name);
  esc_text(b, hint);
  wbuf_puts(b, "</p>");
  if (err) {
    wbuf_printf(b, "<p class=\"error-msg\" id=\"f-%s-error\"><span "
                   "class=\"visually-hidden\">Error: </span>",
                name);
    esc_text(b, err);
    wbuf_puts(b, "</p>");
  }
  wbuf_puts(b, "<div class=\"choices\">");
  for (i = 0; i < n; i++) {
    wbuf_puts(b, "<label><input type=\"radio\"");
    if (i == 0) wbuf_printf(b, " id=\"f-%s\"", name);
    wbuf_printf(b, " name=\"%s\" value=\"%s\"%s%s> ", name, values[i],
                cur && strcmp(cur, values[i]) == 0 ? " checked" : "",
                err ? " aria-invalid=\"true\"" : "");
    esc_text(b, labels[i]);
    wbuf_puts(b, "</label>");
  }
  wbuf_puts(b, "</div></fieldset></div>\n");
}

/* The ballot settings (candidate_order, publish_ballots): fields until
** voting opens, then text. */
static void ballot_settings(req *r, resp *p, const svc_election *e,
                            sent_form sent, const verr *fv) {
  static const char *const ord_v[] = {"random", "published"};
  static const char *const ord_l[] = {
      "A different random order for each voter, so that no candidate "
      "gains from being listed first",
      "The published order (by name), the same for everyone"};
  static const char *const pub_v[] = {"1", "0"};
  static const char *const pub_l[] = {
      "Yes: publish the anonymised ballots (a BLT file) with the results, "
      "so that anyone can recount",
      "No: publish the count sheet only (the ballots' hash is still "
      "published)"};
  wbuf *b = &p->body;
  if (e->phase <= PHASE_REVIEW) {
    radios(p, fv, "candidate_order", "Order of the candidates on the ballot",
           "This can change until voting opens.", ord_v, ord_l, 2,
           shown(r, sent, F_SETTINGS, "candidate_order", e->candidate_order));
    radios(p, fv, "publish_ballots", "Publish the ballots",
           "This can change until voting opens.", pub_v, pub_l, 2,
           shown(r, sent, F_SETTINGS, "publish_ballots",
                 e->publish_ballots ? "1" : "0"));
  } else {
    locked(b, "Order of the candidates on the ballot",
           strcmp(e->candidate_order, "published") == 0
               ? "The published order (by name)"
               : "A random order for each voter",
           "Voting has opened.");
    locked(b, "Publish the ballots",
           e->publish_ballots ? "Yes, with the results"
                              : "No, the count sheet only",
           "Voting has opened.");
  }
}

static void settings_section(req *r, resp *p, const svc_election *e,
                             sent_form sent, const verr *v) {
  wbuf *b = &p->body;
  const verr *fv = sent == F_SETTINGS ? v : NULL;
  char wl[16];
  wbuf_puts(b, "<section aria-labelledby=\"h-set\"><h2 id=\"h-set\">"
               "Settings</h2>\n");
  if (sent == F_SETTINGS)
    adm_errors(p, v, NULL);
  if (e->phase == PHASE_CLOSED) {
    locked(b, "Title", e->title, "The election is closed.");
    wbuf_puts(b, "</section>\n");
    return;
  }
  wbuf_puts(b, "<form method=\"post\" action=\"");
  page_href(b, "/admin/e/%s", e->slug);
  wbuf_puts(b, "\">");
  page_csrf(r, p);
  field_input(p, ADM_V(fv), "title", "Title", "text",
              shown(r, sent, F_SETTINGS, "title", e->title), NULL, "off");
  if (e->phase == PHASE_SETUP)
    zone_field(p, fv, shown(r, sent, F_SETTINGS, "tz", e->tz));
  else
    locked(b, "Time zone", e->tz,
           "The zone can only change while the election is being set up.");
  snprintf(wl, sizeof wl, "%d", e->word_limit);
  if (e->phase <= PHASE_NOMINATIONS) {
    field_input(p, ADM_V(fv), "word_limit", "Word limit for statements",
                "number", shown(r, sent, F_SETTINGS, "word_limit", wl),
                WORDS_HINT, NULL);
    field_textarea(
        p, ADM_V(fv), "declaration_md", "Declaration",
        shown(r, sent, F_SETTINGS, "declaration_md", e->declaration_md),
        "What each candidate agrees to when they nominate "
        "themselves. Markdown: *italic*, **bold**, - lists.",
        6);
  } else {
    locked(b, "Word limit", wl, "Nominations have closed.");
    locked(b, "Declaration",
           e->declaration_md[0] ? e->declaration_md : "(none)",
           "Nominations have closed.");
  }
  field_textarea(p, ADM_V(fv), "intro_md", "Introduction",
                 shown(r, sent, F_SETTINGS, "intro_md", e->intro_md),
                 "Shown at the top of the election's public page. "
                 "Markdown.",
                 6);
  ballot_settings(r, p, e, sent, fv);
  wbuf_puts(b, "<button type=\"submit\" class=\"button\">Save the "
               "settings</button></form></section>\n");
}

/* The whole settings page; sent says which form's values and errors to
** show. */
static void election_page(req *r, resp *p, svc_election *e, int status,
                          sent_form sent, const verr *v) {
  wbuf *b = &p->body;
  p->status = status;
  adm_open(r, p, e, "Election settings", ADM_SETTINGS);
  if (sent == F_PHASE || sent == F_PUBLISH)
    adm_errors(p, v, NULL);
  wbuf_puts(b, "<p><a href=\"");
  page_href(b, "/admin/e/%s/nominations", e->slug);
  wbuf_puts(b, "\">Review the nominations</a> \xc2\xb7 <a href=\"");
  page_href(b, "/admin/e/%s/electorate", e->slug);
  wbuf_puts(b, "\">Electorate</a>");
  if (e->phase >= PHASE_VOTING) {
    wbuf_puts(b, " \xc2\xb7 <a href=\"");
    page_href(b, "/admin/e/%s/voting", e->slug);
    wbuf_puts(b, "\">Voting</a> \xc2\xb7 <a href=\"");
    page_href(b, "/admin/e/%s/results", e->slug);
    wbuf_puts(b, "\">Results</a>");
  }
  wbuf_puts(b, "</p>\n");
  phase_section(r, p, e, sent == F_PHASE ? v : NULL);
  publish_section(r, p, e);
  timetable_section(r, p, e, sent, v);
  settings_section(r, p, e, sent, v);
  page_close(r, p);
}

void adm_election_get(req *r, resp *p) {
  svc_election e;
  if (!adm_load(r, p, &e))
    return;
  election_page(r, p, &e, 200, F_NONE, NULL);
  svc_election_free(&e);
}

/* Whether the page drawn for e has an element "f-" + field: the inputs
** of the settings and timetable forms and the confirm boxes of the phase
** forms are drawn only in some phases (election_page's sections). */
static int field_drawn(const req *r, const svc_election *e, sent_form sent,
                       const char *field) {
  int k;
  if (!field[0])
    return 0;
  if (sent == F_TIMETABLE) {
    if (e->phase == PHASE_CLOSED)
      return 0;
    for (k = 0; k < EV_COUNT; k++)
      if (strcmp(field, svc_event_name((svc_event)k)) == 0)
        return !event_done(e, k, r->now);
    return 0;
  }
  if (sent == F_PHASE) {
    if (strcmp(field, "confirm-closed") == 0)
      return e->phase != PHASE_CLOSED;
    if (strcmp(field, "confirm-nominations") == 0)
      return e->phase == PHASE_SETUP;
    if (strcmp(field, "confirm-review") == 0)
      return e->phase == PHASE_NOMINATIONS;
    return 0;
  }
  if (sent == F_SETTINGS) {
    if (e->phase == PHASE_CLOSED)
      return 0;
    if (strcmp(field, "tz") == 0)
      return e->phase == PHASE_SETUP;
    if (strcmp(field, "word_limit") == 0 ||
        strcmp(field, "declaration_md") == 0)
      return e->phase <= PHASE_NOMINATIONS;
    if (strcmp(field, "candidate_order") == 0 ||
        strcmp(field, "publish_ballots") == 0)
      return e->phase <= PHASE_REVIEW;
    return strcmp(field, "title") == 0 || strcmp(field, "intro_md") == 0;
  }
  return 0;
}

/* Answers a settings-page POST: 303 back to the page, or the page again
** with the errors.  After a conflict the election is read again, so the
** page shows the state that refused the change; an error whose field is
** not drawn on that page (a phase move's "to", an event that has
** happened) is pointed at its form's confirm box when there is one, or
** shown without a link. */
static void finish(req *r, resp *p, svc_election *e, web_status s,
                   sent_form sent, const verr *v) {
  verr c;
  size_t i;
  int status;
  if (s == WEB_OK) {
    adm_redirect(p, "/admin/e/%s", e->slug, NULL);
    return;
  }
  if (!(status = adm_fail_status(r, p, s)))
    return;
  if (s == WEB_ECONFLICT) {
    svc_election cur;
    sqlite3 *db = db_get();
    if (db && svc_election_get_id(db, e->id, &cur) == WEB_OK) {
      svc_election_free(e);
      *e = cur;
    }
  }
  c = *v;
  for (i = 0; i < c.n; i++) {
    verr_item *it = &c.e[i];
    if (sent == F_PHASE && strcmp(it->field, "to") == 0) {
      const char *to = form_get(&r->body, "to");
      svc_phase ph;
      if (to && svc_phase_parse(to, &ph))
        snprintf(it->field, sizeof it->field, "confirm-%s",
                 svc_phase_name(ph));
    }
    if (!field_drawn(r, e, sent, it->field))
      it->field[0] = 0;
  }
  election_page(r, p, e, status, sent, &c);
}

void adm_election_post(req *r, resp *p) {
  svc_election e;
  svc_election_input in = {0};
  verr v = {0};
  web_status s = WEB_EINVALID;
  if (!adm_load(r, p, &e))
    return;
  if (form_get(&r->body, "title"))
    in.title = adm_text(r, &v, "title", "Title", SVC_TITLE_MAX, 0, 1);
  if (form_get(&r->body, "tz"))
    in.tz = adm_text(r, &v, "tz", "Time zone", 64, 0, 1);
  if (form_get(&r->body, "word_limit"))
    in.word_limit = adm_int(r, &v, "word_limit", "Word limit", SVC_WORDS_MIN,
                            SVC_WORDS_MAX, 1, 0);
  if (form_get(&r->body, "declaration_md"))
    in.declaration_md =
        adm_text(r, &v, "declaration_md", "Declaration", SVC_MD_MAX, 1, 0);
  if (form_get(&r->body, "intro_md"))
    in.intro_md = adm_text(r, &v, "intro_md", "Introduction", SVC_MD_MAX, 1, 0);
  if (form_get(&r->body, "candidate_order"))
    in.candidate_order = adm_text(r, &v, "candidate_order",
                                  "Order of the candidates", 16, 0, 1);
  if (form_get(&r->body, "publish_ballots")) {
    const char *pb = form_get(&r->body, "publish_ballots");
    in.publish_ballots_set = 1;
    in.publish_ballots = strcmp(pb, "1") == 0 ? 1 : 0;
    if (strcmp(pb, "1") != 0 && strcmp(pb, "0") != 0)
      verr_add(&v, "publish_ballots", "invalid", "Choose yes or no.");
  }
  if (!v.n)
    s = svc_election_update(e.id, &in, r->actor, r->admin_id, r->now, &v);
  finish(r, p, &e, s, F_SETTINGS, &v);
  svc_election_free(&e);
}

void adm_timetable_post(req *r, resp *p) {
  svc_election e;
  const char *local[EV_COUNT] = {NULL, NULL, NULL, NULL};
  verr v = {0};
  web_status s = WEB_EINVALID;
  int k;
  if (!adm_load(r, p, &e))
    return;
  for (k = 0; k < EV_COUNT; k++) {
    const char *name = svc_event_name((svc_event)k);
    if (form_get(&r->body, name))
      local[k] = adm_text(r, &v, name, svc_event_label((svc_event)k), 40, 0, 0);
  }
  if (!v.n)
    s = svc_timetable_set(e.id, local, r->actor, r->admin_id, r->now, &v);
  finish(r, p, &e, s, F_TIMETABLE, &v);
  svc_election_free(&e);
}

void adm_phase_post(req *r, resp *p) {
  svc_election e;
  verr v = {0};
  web_status s = WEB_EINVALID;
  const char *to = form_get(&r->body, "to");
  svc_phase ph;
  if (!adm_load(r, p, &e))
    return;
  if (!to || !svc_phase_parse(to, &ph))
    verr_add(&v, "", "bad_phase", "Choose one of the buttons.");
  else if (!adm_checked(r, "confirm")) {
    char id[64];
    snprintf(id, sizeof id, "confirm-%s", svc_phase_name(ph));
    verr_add(&v, id, "required",
             "Tick \xe2\x80\x9cI understand\xe2\x80\x9d "
             "to confirm.");
  } else
    s = svc_election_phase(e.id, ph, r->actor, r->admin_id, r->now, &v);
  finish(r, p, &e, s, F_PHASE, &v);
  svc_election_free(&e);
}

void adm_publish_post(req *r, resp *p) {
  svc_election e;
  verr v = {0};
  web_status s;
  if (!adm_load(r, p, &e))
    return;
  s = svc_election_publish(e.id, r->actor, r->admin_id, r->now, &v);
  finish(r, p, &e, s, F_PUBLISH, &v);
  svc_election_free(&e);
}
