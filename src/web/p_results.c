/*
** p_results.c: the results pages (routes_results; docs/design/ballot.md
** §7.3-§7.5), public once the election's pack is published:
**
**   GET /e/{e}/results          who was elected in each contest, turnout
**                               ("861 of 1,204 voted, 71.5%"), the files,
**                               the key's fingerprint, how to check it all
**   GET /e/{e}/results/{file}   one file of the pack: SLUG.html (the count
**                               sheet, under its own CSP), SLUG.json,
**                               SLUG.con, SLUG.blt (when the ballots are
**                               published), receipts.txt, election.txt,
**                               election-key.pem, SHA256SUMS(.sig): only
**                               what SHA256SUMS lists
**   GET /e/{e}/receipts?code=   "counted" or "not found" for a receipt
**   GET /e/{e}/key              the election's public key, from voting
**                               open: hex, fingerprint and PEM
**   GET /admin/e/{e}/results    administrators: each contest's state and
**   GET /admin/e/{e}/results/{file}  error, and its files (the BLT even
**                               when the ballots are not published)
**
** Read-only: the pages read result_packs, results and election_keys, and
** the files are served from the bytes results.c stored (results.h).
** Every text is escaped; the count sheet is the library's own HTML,
** served as a file with RESULTS_SHEET_CSP.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "http.h"
#include "p_admin.h"
#include "results.h"
#include "stv.h"
#include "svc.h"
#include "svc_vote.h"

/* ---------------------------------------------------------------- helpers */

/* A published pack's texts (malloc'd), or NULL fields when none. */
typedef struct pack_row {
  char *txt, *sums, *receipts;
  int signed_;
  int64_t published_at;
} pack_row;

static void pack_row_free(pack_row *k) {
  free(k->txt);
  free(k->sums);
  free(k->receipts);
  memset(k, 0, sizeof *k);
}

/* WEB_ENOTFOUND when the election has no pack yet. */
static web_status pack_load(sqlite3 *db, int64_t election_id, pack_row *k) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT election_txt, sums, receipts_txt, sig IS NOT NULL,"
          " published_at FROM result_packs WHERE election_id = ?1");
  int rc;
  web_status s = WEB_OK;
  memset(k, 0, sizeof *k);
  if (!st) return WEB_EDB;
  sqlite3_bind_int64(st, 1, election_id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const char *a = (const char *)sqlite3_column_text(st, 0);
    const char *b = (const char *)sqlite3_column_text(st, 1);
    const char *c = (const char *)sqlite3_column_text(st, 2);
    k->txt = strdup(a ? a : "");
    k->sums = strdup(b ? b : "");
    k->receipts = strdup(c ? c : "");
    k->signed_ = sqlite3_column_int(st, 3);
    k->published_at = sqlite3_column_int64(st, 4);
    if (!k->txt || !k->sums || !k->receipts) s = WEB_ENOMEM;
  } else
    s = rc == SQLITE_DONE ? WEB_ENOTFOUND : db_status(rc);
  sqlite3_reset(st);
  if (s) pack_row_free(k);
  return s;
}

/* The 404 page before publication, saying what is happening. */
static void not_yet(req *r, resp *p, const svc_election *e) {
  char text[400];
  wbuf href;
  const char *why =
      e->phase == PHASE_VOTING
          ? "Voting is still open; the results will be published here "
            "when it closes and the votes have been counted."
      : e->phase == PHASE_COUNTED
          ? "Voting has closed and the votes are being counted; the "
            "results will appear here shortly."
          : "The results have not been published.";
  snprintf(text, sizeof text, "The results of \xe2\x80\x9c%.200s\xe2\x80\x9d "
           "are not published yet. %s", e->title, why);
  wbuf_init(&href, 512);
  page_href(&href, "/e/%s", e->slug);
  page_message(r, p, 404, "Results not published yet", text,
               href.err ? "/" : wbuf_str(&href), "Back to the election");
  wbuf_free(&href);
}

/* Loads the election r->param[0] and its pack; 0 when the answer is
** already written. */
static int load_published(req *r, resp *p, svc_election *e, pack_row *k) {
  sqlite3 *db;
  web_status s;
  if (!page_election(r, p, r->param[0], e, 0)) return 0;
  db = db_get();
  s = db ? pack_load(db, e->id, k) : WEB_EDB;
  if (s == WEB_ENOTFOUND)
    not_yet(r, p, e);
  else if (s)
    page_fail(r, p, s);
  if (s) svc_election_free(e);
  return s == WEB_OK;
}

/* A link to a file of the pack. */
static void file_link(wbuf *b, const svc_election *e, const char *name,
                      const char *text) {
  wbuf_puts(b, "<a href=\"");
  page_href(b, "/e/%s/results/%s", e->slug, name);
  wbuf_puts(b, "\">");
  esc_text(b, text);
  wbuf_puts(b, "</a>");
}

static int listed(const char *sums, const char *name) {
  char n[64];
  size_t i;
  for (i = 0; results_sums_name(sums, i, n, sizeof n); i++)
    if (strcmp(n, name) == 0) return 1;
  return 0;
}

/* The name of candidate number on contest's paper ("" when unknown). */
static void cand_name(sqlite3 *db, int64_t contest_id, int64_t number,
                      char *out, size_t cap) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT n.name FROM ballot_candidates bc JOIN nominations n"
          " ON n.id = bc.nomination_id WHERE bc.contest_id = ?1"
          " AND bc.number = ?2");
  out[0] = 0;
  if (!st) return;
  sqlite3_bind_int64(st, 1, contest_id);
  sqlite3_bind_int64(st, 2, number);
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_reset(st);
}

/* The elected, in order of election, from the count's JSON. */
static void put_elected(wbuf *b, sqlite3 *db, int64_t contest_id,
                        const void *json, size_t len, int seats) {
  json_t *j = json ? json_loadb(json, len, 0, NULL) : NULL;
  json_t *a = j ? json_object_get(j, "elected") : NULL;
  size_t i, n = json_array_size(a);
  char name[256];
  wbuf_printf(b, "<p>%s (%d seat%s):</p>", n == 1 ? "Elected" : "Elected, "
              "in the order the count elected them", seats,
              seats == 1 ? "" : "s");
  wbuf_puts(b, n ? "<ol class=\"elected\">" : "<p>Nobody was elected.</p>");
  for (i = 0; i < n; i++) {
    json_int_t num = json_integer_value(json_array_get(a, i));
    cand_name(db, contest_id, (int64_t)num, name, sizeof name);
    wbuf_puts(b, "<li><strong>");
    esc_text(b, name[0] ? name : "?");
    wbuf_puts(b, "</strong></li>");
  }
  if (n) wbuf_puts(b, "</ol>");
  wbuf_puts(b, "\n");
  json_decref(j);
}

/* "Withdrawn during voting: Tomasz Wren." when any. */
static void put_withdrawn(wbuf *b, sqlite3 *db, int64_t contest_id) {
  sqlite3_stmt *st = db_stmt(
      db, "SELECT n.name FROM ballot_candidates bc JOIN nominations n"
          " ON n.id = bc.nomination_id WHERE bc.contest_id = ?1 AND"
          " (n.status = 'withdrawn' OR EXISTS (SELECT 1 FROM withdrawals w"
          "  WHERE w.nomination_id = n.id)) ORDER BY bc.number");
  int k = 0, rc;
  if (!st) return;
  sqlite3_bind_int64(st, 1, contest_id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *s = (const char *)sqlite3_column_text(st, 0);
    wbuf_puts(b, k++ ? ", " : "<p>Withdrawn during voting (their "
                              "preferences passed to the next one on each "
                              "paper): ");
    esc_text(b, s ? s : "");
  }
  /* an error ends the list early: the page fails, not a short list */
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) b->err = WEB_EDB;
  sqlite3_reset(st);
  if (k) wbuf_puts(b, ".</p>\n");
}

/* What each kind of file is, for the list. */
static const char *file_about(const char *name) {
  const char *dot = strrchr(name, '.');
  if (strcmp(name, "receipts.txt") == 0)
    return "every receipt code, one per line, sorted";
  if (strcmp(name, "election.txt") == 0)
    return "the election, its turnout, each contest's rules, and the "
           "commands to count it again";
  if (strcmp(name, "election-key.pem") == 0)
    return "the election's public key (PEM)";
  if (strcmp(name, "SHA256SUMS") == 0)
    return "the SHA-256 of every file, signed";
  if (strcmp(name, "SHA256SUMS.sig") == 0)
    return "the Ed25519 signature of SHA256SUMS (64 bytes)";
  if (dot && strcmp(dot, ".html") == 0)
    return "the count sheet, stage by stage, with charts";
  if (dot && strcmp(dot, ".json") == 0)
    return "the count as JSON (hustings count --format json)";
  if (dot && strcmp(dot, ".con") == 0) return "the constraints counted with";
  if (dot && strcmp(dot, ".blt") == 0)
    return "the ballots, anonymised, in random order (BLT)";
  return "";
}

/* The commands of §7.5 with this pack's names. */
static void put_verify(wbuf *b, sqlite3 *db, const svc_election *e,
                       const pack_row *k) {
  sqlite3_stmt *st;
  char hex[80] = "";
  int any_blt = 0, rc;
  results_txt_get(k->txt, "public-key", hex, sizeof hex);
  wbuf_puts(b, "<h2 id=\"verify\">Check the results yourself</h2>\n"
               "<p>Download the files above into one folder, then run these "
               "commands in it. <code>sha256sum</code> checks each file "
               "against the signed list, <code>openssl</code> (3.0 or later) "
               "checks the signature, and <code>hustings count</code> counts "
               "the published ballots again: its output must be the same, "
               "byte for byte.</p>\n<div class=\"table-wrap\" role=\"region\" "
               "aria-label=\"Commands\" tabindex=\"0\"><pre><code>");
  wbuf_puts(b, "sha256sum -c SHA256SUMS\n");
  if (k->signed_)
    wbuf_puts(b, "openssl pkeyutl -verify -pubin -inkey election-key.pem "
                 "-rawin -in SHA256SUMS -sigfile SHA256SUMS.sig\n");
  st = db_stmt(db, "SELECT c.slug, c.rules, r.constraints IS NOT NULL"
                   " FROM contests c JOIN results r ON r.contest_id = c.id"
                   " WHERE c.election_id = ?1 AND r.state = 'done'"
                   " ORDER BY c.position, c.id");
  if (st) {
    sqlite3_bind_int64(st, 1, e->id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const char *slug = (const char *)sqlite3_column_text(st, 0);
      const char *rules = (const char *)sqlite3_column_text(st, 1);
      char blt[64];
      if (!slug || !rules) continue;
      snprintf(blt, sizeof blt, "%s.blt", slug);
      if (!listed(k->sums, blt)) continue;
      any_blt = 1;
      wbuf_puts(b, "hustings count --rules ");
      esc_text(b, rules);
      if (sqlite3_column_int(st, 2)) {
        wbuf_puts(b, " --constraints ");
        esc_text(b, slug);
        wbuf_puts(b, ".con");
      }
      wbuf_puts(b, " --format json ");
      esc_text(b, slug);
      wbuf_puts(b, ".blt | cmp - ");
      esc_text(b, slug);
      wbuf_puts(b, ".json\n");
    }
    /* an error ends the list early: the page fails, not a short list */
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) b->err = WEB_EDB;
    sqlite3_reset(st);
  }
  wbuf_puts(b, "grep -x 'YOUR-RECEIPT-CODE' receipts.txt\n");
  wbuf_puts(b, "hustings verify-results .");
  if (strncmp(hex, "ed25519 ", 8) == 0) {
    wbuf_puts(b, " --key ");
    esc_text(b, hex + 8);
  }
  wbuf_puts(b, "\n</code></pre></div>\n");
  if (!any_blt)
    wbuf_puts(b, "<p>The ballots themselves are not published, so the "
                 "count cannot be repeated from this pack; "
                 "<code>election.txt</code> and each count sheet give the "
                 "SHA-256 of the ballot file that was counted, so a copy "
                 "given to scrutineers later can be checked.</p>\n");
  wbuf_puts(b, "<p>The last command does all of the above at once. Compare "
               "the key with the one published when voting opened, never "
               "only with the copy in the pack.</p>\n");
}

/* ------------------------------------------------------------ the page */

static void h_results(req *r, resp *p) {
  svc_election e;
  pack_row k;
  sqlite3 *db;
  sqlite3_stmt *st;
  wbuf *b = &p->body;
  char v1[32], v2[32], fp[64] = "", title[300];
  size_t i;
  int rc;
  if (!load_published(r, p, &e, &k)) return;
  db = db_get();
  snprintf(title, sizeof title, "Results: %s", e.title);
  page_open(r, p, title);
  wbuf_puts(b, "<p class=\"context\"><a href=\"");
  page_href(b, "/e/%s", e.slug);
  wbuf_puts(b, "\">About the election</a> \xc2\xb7 Published ");
  page_time(b, e.tz, k.published_at, 0);
  wbuf_puts(b, "</p>\n");
  if (results_txt_get(k.txt, "voted", v1, sizeof v1) &&
      results_txt_get(k.txt, "electorate", v2, sizeof v2)) {
    wbuf_puts(b, "<p><strong>Turnout:</strong> ");
    results_turnout(b, strtoll(v1, NULL, 10), strtoll(v2, NULL, 10),
                    "voted");
    wbuf_puts(b, ".</p>\n");
  }

  st = db_stmt(db, "SELECT c.id, c.slug, c.title, c.seats, r.state,"
                   " r.error, r.electorate, r.ballots, r.json"
                   " FROM contests c JOIN results r ON r.contest_id = c.id"
                   " WHERE c.election_id = ?1 ORDER BY c.position, c.id");
  if (!st) {
    pack_row_free(&k);
    svc_election_free(&e);
    wbuf_free(b);
    wbuf_init(b, WBUF_PAGE_MAX);
    page_fail(r, p, WEB_EDB);
    return;
  }
  sqlite3_bind_int64(st, 1, e.id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t cid = sqlite3_column_int64(st, 0);
    const char *slug = (const char *)sqlite3_column_text(st, 1);
    const char *ctitle = (const char *)sqlite3_column_text(st, 2);
    const char *state = (const char *)sqlite3_column_text(st, 4);
    const char *err = (const char *)sqlite3_column_text(st, 5);
    static const char *const ext[] = {".html", ".json", ".con", ".blt"};
    static const char *const what[] = {"Count sheet", "JSON", "Constraints",
                                       "Ballots (BLT)"};
    int n = 0;
    if (!slug) continue;
    wbuf_printf(b, "<section aria-labelledby=\"c-%lld\"><h2 id=\"c-%lld\">",
                (long long)cid, (long long)cid);
    esc_text(b, ctitle ? ctitle : slug);
    wbuf_puts(b, "</h2>\n");
    if (!state || strcmp(state, "done") != 0) {
      wbuf_puts(b, "<p class=\"notice warn\" role=\"status\">The count of "
                   "this contest could not be completed: ");
      esc_text(b, err && *err ? err : "no reason was recorded");
      wbuf_puts(b, ". The organisers will say what happens next.</p>\n");
    } else
      put_elected(b, db, cid, sqlite3_column_blob(st, 8),
                  (size_t)sqlite3_column_bytes(st, 8),
                  sqlite3_column_int(st, 3));
    wbuf_puts(b, "<p>Turnout in this contest: ");
    results_turnout(b, sqlite3_column_int64(st, 7),
                    sqlite3_column_int64(st, 6), "voted");
    wbuf_puts(b, ".</p>\n");
    put_withdrawn(b, db, cid);
    for (i = 0; i < 4; i++) {
      char name[64];
      snprintf(name, sizeof name, "%s%s", slug, ext[i]);
      if (!listed(k.sums, name)) continue;
      wbuf_puts(b, n++ ? " \xc2\xb7 " : "<p>");
      file_link(b, &e, name, what[i]);
    }
    if (n) wbuf_puts(b, "</p>\n");
    wbuf_puts(b, "</section>\n");
  }
  sqlite3_reset(st);

  wbuf_puts(b, "<h2 id=\"files\">The files</h2>\n<ul>");
  for (i = 0;; i++) {
    char name[64];
    if (!results_sums_name(k.sums, i, name, sizeof name)) break;
    wbuf_puts(b, "<li>");
    file_link(b, &e, name, name);
    wbuf_puts(b, ": ");
    esc_text(b, file_about(name));
    wbuf_puts(b, "</li>");
  }
  wbuf_puts(b, "<li>");
  file_link(b, &e, "SHA256SUMS", "SHA256SUMS");
  wbuf_printf(b, ": %s</li>", file_about("SHA256SUMS"));
  if (k.signed_) {
    wbuf_puts(b, "<li>");
    file_link(b, &e, "SHA256SUMS.sig", "SHA256SUMS.sig");
    wbuf_printf(b, ": %s</li>", file_about("SHA256SUMS.sig"));
  }
  wbuf_puts(b, "</ul>\n");

  results_txt_get(k.txt, "fingerprint", fp, sizeof fp);
  if (k.signed_) {
    wbuf_puts(b, "<p>The list of files is signed with the election's key, "
                 "announced when voting opened. Its fingerprint is <code>");
    esc_text(b, fp);
    wbuf_puts(b, "</code> (<a href=\"");
    page_href(b, "/e/%s/key", e.slug);
    wbuf_puts(b, "\">the key</a>).</p>\n");
  } else
    wbuf_puts(b, "<p class=\"notice warn\" role=\"status\">These results "
                 "are <strong>not signed</strong>: the server could not "
                 "derive the election's key again (its key file has "
                 "changed since voting opened). Ask the organisers.</p>\n");

  wbuf_puts(b, "<h2 id=\"receipt\">Was my vote counted?</h2>\n<form "
               "method=\"get\" action=\"");
  page_href(b, "/e/%s/receipts", e.slug);
  wbuf_puts(b, "\">");
  field_input(p, NULL, "code", "Your receipt code", "text", NULL,
              "As shown when you voted, like K7QF-M2ZD-9XWA-3HTN", "off");
  wbuf_puts(b, "<button type=\"submit\" class=\"button\">Check</button>"
               "</form>\n");
  put_verify(b, db, &e, &k);
  page_close(r, p);
  pack_row_free(&k);
  svc_election_free(&e);
  if (rc != SQLITE_DONE) {
    wbuf_free(b);
    wbuf_init(b, WBUF_PAGE_MAX);
    page_fail(r, p, db_status(rc));
  }
}

/* ------------------------------------------------------------ the files */

static void send_file(req *r, resp *p, int64_t election_id, int admin) {
  sqlite3 *db = db_get();
  results_file f;
  web_status s = db ? results_file_get(db, election_id, r->param[1], admin,
                                       &f)
                    : WEB_EDB;
  if (s == WEB_ENOTFOUND) {
    page_message(r, p, 404, "Not found", "The results have no file of that "
                 "name.", NULL, NULL);
    return;
  }
  if (s) {
    page_fail(r, p, s);
    return;
  }
  p->body.max = RESP_EXPORT_MAX;
  wbuf_reserve(&p->body, f.len);
  wbuf_add(&p->body, f.data, f.len);
  p->ctype = f.ctype;
  if (strcmp(f.ctype, "text/html; charset=utf-8") == 0)
    p->csp = RESULTS_SHEET_CSP;
  if (strcmp(f.name, "SHA256SUMS.sig") == 0 ||
      (admin && strstr(f.name, ".blt"))) {
    char cd[128];
    snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", f.name);
    resp_header(p, "Content-Disposition", cd);
  }
  if (admin) p->no_store = 1;
  results_file_free(&f);
}

static void h_file(req *r, resp *p) {
  svc_election e;
  if (!page_election(r, p, r->param[0], &e, 0)) return;
  send_file(r, p, e.id, 0);
  svc_election_free(&e);
}

/* ------------------------------------------------------------- receipts */

/* A receipt as typed, in canonical form "XXXX-XXXX-XXXX-XXXX": case,
** spaces and hyphens ignored, O read as 0, I and L as 1.  1 if valid. */
static int receipt_norm(const char *s, char out[RECEIPT_TEXT]) {
  static const char alpha[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  size_t n = 0, k = 0;
  for (; *s; s++) {
    char c = *s;
    if (c == ' ' || c == '-' || c == '\t') continue;
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (n == 16 || !strchr(alpha, c)) return 0;
    if (n && n % 4 == 0) out[k++] = '-';
    out[k++] = c;
    n++;
  }
  out[k] = 0;
  return n == 16;
}

/* 1 if code is a line of the sorted receipts text (20 bytes a line). */
static int receipt_listed(const char *txt, const char *code) {
  size_t len = strlen(txt), lo = 0, hi = len / 20;
  if (len % 20) { /* not the service's format: a linear scan */
    const char *s = txt;
    while ((s = strstr(s, code)) != NULL) {
      if ((s == txt || s[-1] == '\n') && (s[19] == '\n' || s[19] == 0))
        return 1;
      s++;
    }
    return 0;
  }
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = memcmp(txt + mid * 20, code, 19);
    if (c == 0) return 1;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

static void h_receipts(req *r, resp *p) {
  svc_election e;
  pack_row k;
  wbuf *b = &p->body;
  const char *code = form_get(&r->query, "code");
  char canon[RECEIPT_TEXT] = "";
  verr v;
  int valid;
  memset(&v, 0, sizeof v);
  if (!load_published(r, p, &e, &k)) return;
  valid = code && *code && strlen(code) < 100 && receipt_norm(code, canon);
  if (code && *code && !valid) {
    verr_add(&v, "code", "invalid", "Enter the receipt code as shown when "
             "you voted: 16 letters and digits, like K7QF-M2ZD-9XWA-3HTN.");
    p->status = 422;
  }
  page_open(r, p, "Check a receipt");
  wbuf_puts(b, "<p class=\"context\"><a href=\"");
  page_href(b, "/e/%s/results", e.slug);
  wbuf_puts(b, "\">Results: ");
  esc_text(b, e.title);
  wbuf_puts(b, "</a></p>\n");
  if (valid && receipt_listed(k.receipts, canon)) {
    wbuf_puts(b, "<div class=\"notice ok\" role=\"status\"><h2>Counted</h2>"
                 "<p>The receipt <code>");
    esc_text(b, canon);
    wbuf_puts(b, "</code> is in the published list of receipts: the vote "
                 "cast with it was counted. (A receipt shows that a vote was "
                 "recorded, not how it was cast.)</p></div>\n");
  } else if (valid) {
    wbuf_puts(b, "<div class=\"notice warn\" role=\"status\"><h2>Not "
                 "found</h2><p>The receipt <code>");
    esc_text(b, canon);
    wbuf_puts(b, "</code> is not in the published list. Check that you "
                 "typed it as shown when you voted; if it is right, tell "
                 "the organisers.</p></div>\n");
  }
  page_errors(p, &v);
  wbuf_puts(b, "<form method=\"get\" action=\"");
  page_href(b, "/e/%s/receipts", e.slug);
  wbuf_puts(b, "\">");
  field_input(p, &v, "code", "Your receipt code", "text",
              valid ? canon : code,
              "As shown when you voted, like K7QF-M2ZD-9XWA-3HTN", "off");
  wbuf_puts(b, "<button type=\"submit\" class=\"button\">Check</button>"
               "</form>\n<p>Or look for it in <a href=\"");
  page_href(b, "/e/%s/results/receipts.txt", e.slug);
  wbuf_puts(b, "\">receipts.txt</a>, the full list.</p>\n");
  page_close(r, p);
  pack_row_free(&k);
  svc_election_free(&e);
}

/* ------------------------------------------------------------------ key */

static void h_key(req *r, resp *p) {
  svc_election e;
  sqlite3 *db;
  sqlite3_stmt *st;
  wbuf *b = &p->body;
  unsigned char pk[32];
  int64_t created = 0;
  int rc, found = 0;
  char hex[65], fp[40], title[300];
  if (!page_election(r, p, r->param[0], &e, 0)) return;
  db = db_get();
  st = db ? db_stmt(db, "SELECT pk, created_at FROM election_keys"
                        " WHERE election_id = ?1")
          : NULL;
  if (!st) {
    svc_election_free(&e);
    page_fail(r, p, WEB_EDB);
    return;
  }
  sqlite3_bind_int64(st, 1, e.id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
    memcpy(pk, sqlite3_column_blob(st, 0), 32);
    created = sqlite3_column_int64(st, 1);
    found = 1;
  }
  sqlite3_reset(st);
  if (!found) {
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      page_fail(r, p, db_status(rc));
    else
      page_message(r, p, 404, "No key yet",
                   "The election's signing key is made when voting opens.",
                   NULL, NULL);
    svc_election_free(&e);
    return;
  }
  sodium_bin2hex(hex, sizeof hex, pk, 32);
  elkey_fingerprint(pk, fp);
  snprintf(title, sizeof title, "The election's key: %s", e.title);
  page_open(r, p, title);
  wbuf_puts(b, "<p class=\"context\"><a href=\"");
  page_href(b, "/e/%s", e.slug);
  wbuf_puts(b, "\">About the election</a></p>\n<p>The results of this "
               "election will be signed with this Ed25519 key, made when "
               "voting opened (");
  page_time(b, e.tz, created, 0);
  wbuf_puts(b, "). Note its fingerprint now: a results pack signed with "
               "another key is not this election's.</p>\n<dl><dt>"
               "Fingerprint</dt><dd><code id=\"fingerprint\">");
  esc_text(b, fp);
  wbuf_puts(b, "</code></dd><dt>Public key (hex, for <code>hustings "
               "verify-results --key</code>)</dt><dd><code id=\"key-hex\">");
  esc_text(b, hex);
  wbuf_puts(b, "</code></dd><dt>Public key (PEM, for <code>openssl"
               "</code>)</dt><dd><pre><code id=\"key-pem\">");
  {
    wbuf pem;
    wbuf_init(&pem, 1024);
    results_pem(&pem, pk);
    esc_text(b, wbuf_str(&pem));
    wbuf_free(&pem);
  }
  wbuf_puts(b, "</code></pre></dd></dl>\n");
  page_close(r, p);
  svc_election_free(&e);
}

/* ---------------------------------------------------------------- admin */

static void h_admin(req *r, resp *p) {
  svc_election e;
  sqlite3 *db;
  sqlite3_stmt *st;
  wbuf *b = &p->body;
  pack_row k;
  web_status s;
  int rc, n = 0;
  if (!adm_load(r, p, &e)) return;
  db = db_get();
  s = db ? pack_load(db, e.id, &k) : WEB_EDB;
  if (s && s != WEB_ENOTFOUND) {
    svc_election_free(&e);
    page_fail(r, p, s);
    return;
  }
  adm_open(r, p, &e, "Results", (adm_section)-1);
  if (s == WEB_OK) {
    wbuf_puts(b, "<p class=\"notice ok\" role=\"status\">The results were "
                 "published ");
    page_time(b, e.tz, k.published_at, 0);
    wbuf_puts(b, k.signed_ ? " and signed. " : ", <strong>unsigned</strong>"
                 " (the key file has changed since voting opened). ");
    wbuf_puts(b, "<a href=\"");
    page_href(b, "/e/%s/results", e.slug);
    wbuf_puts(b, "\">The public results page</a>.</p>\n");
  } else if (e.phase < PHASE_COUNTED)
    wbuf_puts(b, "<p>The votes are counted when voting closes, and the "
                 "results published as soon as every contest is "
                 "counted.</p>\n");
  else
    wbuf_puts(b, "<p class=\"notice\" role=\"status\">The count is running "
                 "on the server; reload this page in a moment.</p>\n");
  st = db ? db_stmt(db, "SELECT c.slug, c.title, r.state, r.error,"
                        " r.electorate, r.ballots, r.counted_at,"
                        " r.blt IS NOT NULL, r.json IS NOT NULL,"
                        " r.blt_sha256"
                        " FROM contests c JOIN results r"
                        " ON r.contest_id = c.id WHERE c.election_id = ?1"
                        " ORDER BY c.position, c.id")
          : NULL;
  if (!st) {
    if (s == WEB_OK) pack_row_free(&k);
    svc_election_free(&e);
    wbuf_free(b);
    wbuf_init(b, WBUF_PAGE_MAX);
    page_fail(r, p, WEB_EDB);
    return;
  }
  sqlite3_bind_int64(st, 1, e.id);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *slug = (const char *)sqlite3_column_text(st, 0);
    const char *title = (const char *)sqlite3_column_text(st, 1);
    const char *state = (const char *)sqlite3_column_text(st, 2);
    const char *err = (const char *)sqlite3_column_text(st, 3);
    const char *sha = (const char *)sqlite3_column_text(st, 9);
    if (!slug || !state) continue;
    if (n++ == 0)
      wbuf_puts(b, "<div class=\"table-wrap\" role=\"region\" "
                   "aria-labelledby=\"cap-results\" tabindex=\"0\"><table>"
                   "<caption id=\"cap-results\">Each contest's count"
                   "</caption><thead><tr><th scope=\"col\">Contest</th>"
                   "<th scope=\"col\">State</th><th scope=\"col\" "
                   "class=\"num\">Ballots</th><th scope=\"col\" "
                   "class=\"num\">Electorate</th><th scope=\"col\">Counted"
                   "</th><th scope=\"col\">Files</th></tr></thead><tbody>");
    wbuf_puts(b, "<tr><th scope=\"row\">");
    esc_text(b, title ? title : slug);
    wbuf_puts(b, "</th><td>");
    if (strcmp(state, "failed") == 0) {
      wbuf_puts(b, "<span class=\"status status-rejected\">Failed</span>: ");
      esc_text(b, err ? err : "");
    } else
      wbuf_puts(b, strcmp(state, "done") == 0
                       ? "<span class=\"status status-accepted\">Counted"
                         "</span>"
                       : "<span class=\"status status-submitted\">Pending"
                         "</span>");
    wbuf_puts(b, "</td><td class=\"num\">");
    results_thousands(b, sqlite3_column_int64(st, 5));
    wbuf_puts(b, "</td><td class=\"num\">");
    results_thousands(b, sqlite3_column_int64(st, 4));
    wbuf_puts(b, "</td><td>");
    page_time(b, e.tz, sqlite3_column_int64(st, 6), 0);
    wbuf_puts(b, "</td><td>");
    if (sqlite3_column_int(st, 7)) {
      char name[64];
      snprintf(name, sizeof name, "%s.blt", slug);
      wbuf_puts(b, "<a href=\"");
      page_href(b, "/admin/e/%s/results/%s", e.slug, name);
      wbuf_puts(b, "\">Ballots (BLT)</a>");
      if (sha) {
        wbuf_puts(b, "<br>SHA-256 <code>");
        esc_text(b, sha);
        wbuf_puts(b, "</code>");
      }
    }
    if (sqlite3_column_int(st, 8)) {
      char name[64];
      snprintf(name, sizeof name, "%s.html", slug);
      wbuf_puts(b, "<br><a href=\"");
      page_href(b, "/admin/e/%s/results/%s", e.slug, name);
      wbuf_puts(b, "\">Count sheet</a>");
    }
    wbuf_puts(b, "</td></tr>");
  }
  sqlite3_reset(st);
  if (n)
    wbuf_puts(b, "</tbody></table></div>\n");
  else
    wbuf_puts(b, "<p>No contest has been counted yet.</p>\n");
  wbuf_puts(b, "<p>The ballot files can always be downloaded here, even "
               "when the election's settings keep them out of the public "
               "pack.</p>\n");
  page_close(r, p);
  if (s == WEB_OK) pack_row_free(&k);
  svc_election_free(&e);
  if (rc != SQLITE_DONE) {
    wbuf_free(b);
    wbuf_init(b, WBUF_PAGE_MAX);
    page_fail(r, p, db_status(rc));
  }
}

static void h_admin_file(req *r, resp *p) {
  svc_election e;
  if (!adm_load(r, p, &e)) return;
  send_file(r, p, e.id, 1);
  svc_election_free(&e);
}

const route routes_results[] = {
    {"GET", "/e/{e}/results", h_results, AUTH_PUBLIC, BODY_NONE, RATE_READ},
    {"GET", "/e/{e}/results/{file}", h_file, AUTH_PUBLIC, BODY_NONE,
     RATE_READ},
    {"GET", "/e/{e}/receipts", h_receipts, AUTH_PUBLIC, BODY_NONE, RATE_READ},
    {"GET", "/e/{e}/key", h_key, AUTH_PUBLIC, BODY_NONE, RATE_READ},
    {"GET", "/admin/e/{e}/results", h_admin, AUTH_ADMIN, BODY_NONE,
     RATE_READ},
    {"GET", "/admin/e/{e}/results/{file}", h_admin_file, AUTH_ADMIN,
     BODY_NONE, RATE_READ},
    {NULL, NULL, NULL, AUTH_PUBLIC, BODY_NONE, RATE_READ}};
