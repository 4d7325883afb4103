/*
** migrate.c: the database schema, as numbered migrations.
**
** migrations[i] takes a database from PRAGMA user_version i to i + 1.
** migrate_apply() runs each pending one in its own BEGIN IMMEDIATE, with
** the new user_version set in the same transaction, so a crash leaves the
** database at a whole version.  It refuses a database whose user_version
** is newer than this code knows.  Migrations are append-only: never edit
** one that has shipped; add the next (part 2 only adds tables).
**
** This is the one file in src/web that runs SQL text with sqlite3_exec():
** constant schema text only, never anything built from input.
*/
#include <stdio.h>

#include <sqlite3.h>

#include "web.h"

static const char *const migrations[] = {
    /* 1: part 1 (elections, nominations, statements, audit) + outbox */
    "CREATE TABLE orgs (id INTEGER PRIMARY KEY,"
    " slug TEXT NOT NULL UNIQUE"
    "  CHECK(slug GLOB '[a-z0-9]*' AND length(slug)<=40),"
    " name TEXT NOT NULL CHECK(length(name)<=200),"
    " tz TEXT NOT NULL DEFAULT 'Europe/London') STRICT;\n"
    "CREATE TABLE admins (id INTEGER PRIMARY KEY,"
    " email TEXT NOT NULL UNIQUE COLLATE NOCASE, name TEXT NOT NULL,"
    " pw_hash TEXT NOT NULL, created_at INTEGER NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0) STRICT;\n"
    "CREATE TABLE org_admins ("
    " org_id INTEGER NOT NULL REFERENCES orgs,"
    " admin_id INTEGER NOT NULL REFERENCES admins,"
    " PRIMARY KEY (org_id, admin_id)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE setup_links (hash BLOB PRIMARY KEY,"
    " expires_at INTEGER NOT NULL, used_at INTEGER) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE sessions (hash BLOB PRIMARY KEY,"
    " admin_id INTEGER NOT NULL REFERENCES admins,"
    " created_at INTEGER NOT NULL, seen_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;\n"
    "CREATE INDEX sessions_admin ON sessions(admin_id);\n"
    "CREATE TABLE api_tokens (id INTEGER PRIMARY KEY,"
    " hash BLOB NOT NULL UNIQUE,"
    " admin_id INTEGER NOT NULL REFERENCES admins,"
    " label TEXT NOT NULL,"
    " prefix TEXT NOT NULL /* first 8 chars, to recognise it */,"
    " created_at INTEGER NOT NULL, last_used_at INTEGER,"
    " revoked_at INTEGER) STRICT;\n"

    "CREATE TABLE elections (id INTEGER PRIMARY KEY,"
    " org_id INTEGER NOT NULL REFERENCES orgs,"
    " slug TEXT NOT NULL UNIQUE, title TEXT NOT NULL"
    "  CHECK(length(title)<=200), tz TEXT NOT NULL,"
    " phase TEXT NOT NULL DEFAULT 'setup' CHECK(phase IN ('setup',"
    "  'nominations','review','voting','counted','closed')),"
    " word_limit INTEGER NOT NULL DEFAULT 250"
    "  CHECK(word_limit BETWEEN 10 AND 5000),"
    " declaration_md TEXT NOT NULL DEFAULT '',"
    " intro_md TEXT NOT NULL DEFAULT '',"
    " published_at INTEGER,"
    " candidate_order TEXT NOT NULL DEFAULT 'random'"
    "  CHECK(candidate_order IN ('random','published')),"
    " publish_ballots INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL) STRICT;\n"
    "CREATE TABLE election_orgs ("
    " election_id INTEGER NOT NULL REFERENCES elections,"
    " org_id INTEGER NOT NULL REFERENCES orgs,"
    " PRIMARY KEY (election_id, org_id)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE timetable ("
    " election_id INTEGER NOT NULL REFERENCES elections,"
    " event TEXT NOT NULL CHECK(event IN ('nominations_open',"
    "  'nominations_close','voting_open','voting_close')),"
    " at INTEGER NOT NULL,"
    " local TEXT NOT NULL /* wall time as entered */,"
    " utc_offset INTEGER NOT NULL,"
    " PRIMARY KEY (election_id, event)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE phase_changes (id INTEGER PRIMARY KEY,"
    " election_id INTEGER NOT NULL REFERENCES elections,"
    " from_phase TEXT NOT NULL, to_phase TEXT NOT NULL,"
    " at INTEGER NOT NULL,"
    " by_admin INTEGER REFERENCES admins /* NULL = timetable */,"
    " audit_seq INTEGER NOT NULL) STRICT;\n"

    "CREATE TABLE contests (id INTEGER PRIMARY KEY,"
    " election_id INTEGER NOT NULL REFERENCES elections,"
    " slug TEXT NOT NULL, title TEXT NOT NULL, position INTEGER NOT NULL,"
    " seats INTEGER NOT NULL CHECK(seats BETWEEN 1 AND 999),"
    " rules TEXT NOT NULL /* checked against stv_rule_names() */,"
    " threshold INTEGER NOT NULL DEFAULT 0,"
    " threshold_kind TEXT CHECK(threshold_kind IN ('branch','member')),"
    " UNIQUE (election_id, slug)) STRICT;\n"
    "CREATE TABLE categories (id INTEGER PRIMARY KEY,"
    " election_id INTEGER NOT NULL REFERENCES elections,"
    " slug TEXT NOT NULL, label TEXT NOT NULL,"
    " UNIQUE (election_id, slug)) STRICT;\n"
    "CREATE TABLE contest_constraints ("
    " contest_id INTEGER NOT NULL REFERENCES contests,"
    " category_id INTEGER NOT NULL REFERENCES categories,"
    " min_seats INTEGER NOT NULL DEFAULT 0, max_seats INTEGER,"
    " CHECK(max_seats IS NULL OR max_seats >= min_seats),"
    " PRIMARY KEY (contest_id, category_id)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE contest_eligibility ("
    " contest_id INTEGER NOT NULL REFERENCES contests,"
    " tag TEXT NOT NULL,"
    " PRIMARY KEY (contest_id, tag)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE questions (id INTEGER PRIMARY KEY,"
    " election_id INTEGER NOT NULL REFERENCES elections,"
    " position INTEGER NOT NULL,"
    " text TEXT NOT NULL CHECK(length(text)<=1000),"
    " short TEXT NOT NULL /* column label */,"
    " allow_comment INTEGER NOT NULL DEFAULT 1) STRICT;\n"
    "CREATE TABLE branches (id INTEGER PRIMARY KEY,"
    " election_id INTEGER NOT NULL REFERENCES elections,"
    " name TEXT NOT NULL,"
    " link_hash BLOB UNIQUE /* NULL = admin records only */,"
    " UNIQUE (election_id, name)) STRICT;\n"

    "CREATE TABLE nominations (id INTEGER PRIMARY KEY,"
    " contest_id INTEGER NOT NULL REFERENCES contests,"
    " name TEXT NOT NULL CHECK(length(name) BETWEEN 1 AND 200),"
    " email TEXT NOT NULL CHECK(length(email)<=254),"
    " edit_hash BLOB NOT NULL UNIQUE,"
    " declaration_agreed_at INTEGER NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'submitted' CHECK(status IN"
    "  ('submitted','accepted','rejected','withdrawn')),"
    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;\n"
    "CREATE INDEX nominations_contest ON nominations(contest_id, status);\n"
    "CREATE TABLE statements ("
    " nomination_id INTEGER PRIMARY KEY REFERENCES nominations,"
    " markdown TEXT NOT NULL CHECK(length(markdown)<=20000),"
    " html TEXT NOT NULL, words INTEGER NOT NULL,"
    " renderer TEXT NOT NULL /* cmark_version_string() */) STRICT;\n"
    "CREATE TABLE answers ("
    " nomination_id INTEGER NOT NULL REFERENCES nominations,"
    " question_id INTEGER NOT NULL REFERENCES questions,"
    " answer TEXT NOT NULL CHECK(answer IN ('yes','no','')),"
    " comment TEXT NOT NULL DEFAULT '' CHECK(length(comment)<=1000),"
    " PRIMARY KEY (nomination_id, question_id)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE nomination_categories ("
    " nomination_id INTEGER NOT NULL REFERENCES nominations,"
    " category_id INTEGER NOT NULL REFERENCES categories,"
    " PRIMARY KEY (nomination_id, category_id)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE supporters (id INTEGER PRIMARY KEY,"
    " nomination_id INTEGER NOT NULL REFERENCES nominations,"
    " kind TEXT NOT NULL CHECK(kind IN ('branch','member')),"
    " branch_id INTEGER REFERENCES branches,"
    " member_ref TEXT /* membership number or name */,"
    " note TEXT NOT NULL DEFAULT '',"
    " source TEXT NOT NULL CHECK(source IN ('admin','branch_link')),"
    " at INTEGER NOT NULL, revoked_at INTEGER,"
    " CHECK((kind='branch') = (branch_id IS NOT NULL))) STRICT;\n"
    "CREATE INDEX supporters_nomination ON supporters(nomination_id);\n"
    "CREATE UNIQUE INDEX supporters_one_branch"
    " ON supporters(nomination_id, branch_id)"
    " WHERE branch_id IS NOT NULL AND revoked_at IS NULL;\n"
    "CREATE TABLE decisions (id INTEGER PRIMARY KEY,"
    " nomination_id INTEGER NOT NULL REFERENCES nominations,"
    " decision TEXT NOT NULL CHECK(decision IN"
    "  ('accept','reject','reopen')),"
    " reason TEXT NOT NULL CHECK(length(reason)<=2000),"
    " admin_id INTEGER NOT NULL REFERENCES admins,"
    " at INTEGER NOT NULL) STRICT;\n"
    "CREATE TABLE withdrawals ("
    " nomination_id INTEGER PRIMARY KEY REFERENCES nominations,"
    " by TEXT NOT NULL CHECK(by IN ('candidate','admin')),"
    " admin_id INTEGER REFERENCES admins,"
    " reason TEXT NOT NULL DEFAULT '',"
    " phase TEXT NOT NULL /* 'voting' = suspension in part 2 */,"
    " at INTEGER NOT NULL) STRICT;\n"

    "CREATE TABLE audit (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
    " actor TEXT NOT NULL, action TEXT NOT NULL, election_id INTEGER,"
    " line TEXT NOT NULL,"
    " hash TEXT NOT NULL CHECK(length(hash)=64)) STRICT;\n"
    "CREATE INDEX audit_election ON audit(election_id, seq);\n"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;\n"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;\n"

    /* emails queued in the same transaction as the action; a sender
    ** sets sent_at (part 2) */
    "CREATE TABLE outbox (id INTEGER PRIMARY KEY,"
    " to_addr TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,"
    " created_at INTEGER NOT NULL, sent_at INTEGER) STRICT;\n",

    /* 2: part 2, the voter roll (src/web/roll.c, svc_roll.c).  A voter is
    ** never deleted or renumbered: a re-import updates it in place, and
    ** one the file no longer lists (when the file is the whole roll)
    ** only becomes active = 0, since credentials and electors will refer
    ** to voters.  Lengths are in bytes, as the validators count them. */
    "CREATE TABLE voters (id INTEGER PRIMARY KEY,"
    " org_id INTEGER NOT NULL REFERENCES orgs,"
    " member_no TEXT NOT NULL"
    "  CHECK(length(CAST(member_no AS BLOB)) BETWEEN 1 AND 64"
    "   AND member_no = trim(member_no, ' ' || char(9))),"
    " name TEXT NOT NULL"
    "  CHECK(length(CAST(name AS BLOB)) BETWEEN 1 AND 200"
    "   AND instr(name, char(10)) = 0),"
    " email TEXT NOT NULL DEFAULT ''"
    "  CHECK(length(CAST(email AS BLOB)) <= 254"
    "   AND (email = '' OR email GLOB '?*@?*.?*')),"
    " active INTEGER NOT NULL DEFAULT 1 CHECK(active IN (0, 1)),"
    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    " UNIQUE (org_id, member_no)) STRICT;\n"
    "CREATE TABLE voter_tags ("
    " voter_id INTEGER NOT NULL REFERENCES voters,"
    " tag TEXT NOT NULL CHECK(length(tag) BETWEEN 1 AND 40"
    "  AND tag NOT GLOB '*[^a-z0-9:_-]*'),"
    " PRIMARY KEY (voter_id, tag)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE roll_imports (id INTEGER PRIMARY KEY,"
    " org_id INTEGER NOT NULL REFERENCES orgs,"
    " admin_id INTEGER NOT NULL REFERENCES admins,"
    " at INTEGER NOT NULL,"
    " file_name TEXT NOT NULL DEFAULT ''"
    "  CHECK(length(CAST(file_name AS BLOB)) <= 200),"
    " sha256 TEXT NOT NULL"
    "  CHECK(length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),"
    " whole_roll INTEGER NOT NULL CHECK(whole_roll IN (0, 1)),"
    " n_rows INTEGER NOT NULL CHECK(n_rows BETWEEN 0 AND 200000),"
    " n_added INTEGER NOT NULL CHECK(n_added >= 0),"
    " n_updated INTEGER NOT NULL CHECK(n_updated >= 0),"
    " n_unchanged INTEGER NOT NULL CHECK(n_unchanged >= 0),"
    " n_deactivated INTEGER NOT NULL CHECK(n_deactivated >= 0),"
    " n_rejected INTEGER NOT NULL CHECK(n_rejected >= 0),"
    " n_duplicates INTEGER NOT NULL CHECK(n_duplicates >= 0),"
    " report TEXT NOT NULL /* JSON lines, one per problem */,"
    " CHECK(n_rows = n_added + n_updated + n_unchanged + n_rejected"
    "  + n_duplicates),"
    " CHECK(whole_roll = 1 OR n_deactivated = 0)) STRICT;\n"
    "CREATE INDEX roll_imports_org ON roll_imports(org_id, id);\n",

    /* 3: part 2, the ballot (docs/design/ballot.md §1): the electorate
    ** frozen at voting open, credentials (keyed hashes only), ballots and
    ** receipts (WITHOUT ROWID under random keys: no time, no sequence, no
    ** voter), the election's public signing key, results and packs, and
    ** the outbox's sender state.  (The settings candidate_order and
    ** publish_ballots are migration 1's.) */
    "CREATE TABLE ballot_candidates ("
    " contest_id INTEGER NOT NULL REFERENCES contests,"
    " nomination_id INTEGER NOT NULL REFERENCES nominations,"
    " number INTEGER NOT NULL CHECK(number BETWEEN 1 AND 1000),"
    " PRIMARY KEY (contest_id, nomination_id),"
    " UNIQUE (contest_id, number)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE electors (id INTEGER PRIMARY KEY,"
    " election_id INTEGER NOT NULL REFERENCES elections,"
    " person_key TEXT NOT NULL CHECK(length(person_key) BETWEEN 3 AND 300),"
    " voter_id INTEGER NOT NULL REFERENCES voters,"
    " tags TEXT NOT NULL DEFAULT ' ',"
    " delivery TEXT NOT NULL CHECK(delivery IN ('email','post')),"
    " voted INTEGER NOT NULL DEFAULT 0 CHECK(voted IN (0, 1)),"
    " removed_at INTEGER,"
    " UNIQUE (election_id, person_key)) STRICT;\n"
    "CREATE TABLE elector_sources ("
    " elector_id INTEGER NOT NULL REFERENCES electors,"
    " voter_id INTEGER NOT NULL REFERENCES voters,"
    " PRIMARY KEY (elector_id, voter_id)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE credentials (hash BLOB PRIMARY KEY"
    "  CHECK(length(hash) = 32),"
    " elector_id INTEGER NOT NULL REFERENCES electors,"
    " issued_at INTEGER NOT NULL,"
    " via TEXT NOT NULL CHECK(via IN ('open','export','reissue',"
    "  'reminder','self')),"
    " superseded_at INTEGER,"
    " used INTEGER NOT NULL DEFAULT 0 CHECK(used IN (0, 1))) STRICT,"
    " WITHOUT ROWID;\n"
    "CREATE UNIQUE INDEX credentials_live ON credentials(elector_id)"
    " WHERE superseded_at IS NULL;\n"
    "CREATE TABLE ballots (contest_id INTEGER NOT NULL REFERENCES contests,"
    " key BLOB NOT NULL CHECK(length(key) = 16),"
    " ranking TEXT NOT NULL CHECK(length(ranking) BETWEEN 1 AND 8000"
    "  AND ranking GLOB '[1-9]*' AND ranking NOT GLOB '*[^0-9 ]*'"
    "  AND ranking NOT GLOB '* ' AND ranking NOT GLOB '* 0*'"
    "  AND instr(ranking, '  ') = 0),"
    " PRIMARY KEY (contest_id, key)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE receipts ("
    " election_id INTEGER NOT NULL REFERENCES elections,"
    " code TEXT NOT NULL CHECK(length(code) = 19),"
    " PRIMARY KEY (election_id, code)) STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE election_keys ("
    " election_id INTEGER PRIMARY KEY REFERENCES elections,"
    " salt BLOB NOT NULL CHECK(length(salt) = 16),"
    " pk BLOB NOT NULL CHECK(length(pk) = 32),"
    /* seeds each voter's candidate order; erased at publication, so the
    ** orders (which a ranking may follow) cannot be recomputed later */
    " order_salt BLOB CHECK(order_salt IS NULL OR length(order_salt) = 16),"
    " created_at INTEGER NOT NULL) STRICT;\n"
    "CREATE TABLE results ("
    " contest_id INTEGER PRIMARY KEY REFERENCES contests,"
    " state TEXT NOT NULL CHECK(state IN ('pending','done','failed')),"
    " error TEXT NOT NULL DEFAULT '',"
    " electorate INTEGER NOT NULL DEFAULT 0,"
    " ballots INTEGER NOT NULL DEFAULT 0,"
    " blt BLOB, json BLOB, html BLOB, constraints TEXT,"
    " blt_sha256 TEXT, json_sha256 TEXT, counted_at INTEGER) STRICT;\n"
    "CREATE TABLE result_packs ("
    " election_id INTEGER PRIMARY KEY REFERENCES elections,"
    " election_txt TEXT NOT NULL, receipts_txt TEXT NOT NULL,"
    " sums TEXT NOT NULL,"
    " sig BLOB CHECK(sig IS NULL OR length(sig) = 64),"
    " published_at INTEGER NOT NULL) STRICT;\n"
    "ALTER TABLE outbox ADD COLUMN election_id INTEGER"
    " REFERENCES elections;\n"
    "ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'notice'"
    " CHECK(kind IN ('notice','credential','reminder','reissue'));\n"
    "ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE outbox ADD COLUMN next_at INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE outbox ADD COLUMN failed_at INTEGER;\n"
    "CREATE INDEX outbox_due ON outbox(next_at)"
    " WHERE sent_at IS NULL AND failed_at IS NULL;\n",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int migrate_latest(void) { return N_MIGRATIONS; }

static int user_version(sqlite3 *db, int *v) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      *v = sqlite3_column_int(st, 0);
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(st);
  return rc;
}

static web_status fail(sqlite3 *db, int rc, char *msg, const char *what,
                       int v, char *err, size_t cap) {
  snprintf(err, cap, "%s %d failed: %s", what, v,
           msg ? msg : sqlite3_errmsg(db));
  sqlite3_free(msg);
  if (!sqlite3_get_autocommit(db))
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return db_status(rc);
}

web_status migrate_apply(sqlite3 *db, int *version, char *err, size_t cap) {
  char sql[64];
  char *msg = NULL;
  int v = 0, rc;
  for (;;) {
    /* the version is read inside the write lock, so two processes
    ** starting at once cannot both apply the same migration */
    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg);
    if (rc != SQLITE_OK)
      return fail(db, rc, msg, "locking the database for migration", v + 1,
                  err, cap);
    rc = user_version(db, &v);
    if (rc != SQLITE_OK)
      return fail(db, rc, NULL, "reading the schema version before step",
                  v + 1, err, cap);
    if (v < 0 || v > N_MIGRATIONS) {
      sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
      snprintf(err, cap, "the database has schema version %d, but this "
               "hustings knows versions up to %d only; use a newer hustings",
               v, N_MIGRATIONS);
      return WEB_ECONFLICT;
    }
    if (v == N_MIGRATIONS) break;
    rc = sqlite3_exec(db, migrations[v], NULL, NULL, &msg);
    if (rc != SQLITE_OK) return fail(db, rc, msg, "migration", v + 1, err, cap);
    /* an integer printed here; PRAGMA takes no bound parameters */
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
    rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, &msg);
    if (rc != SQLITE_OK) return fail(db, rc, msg, "migration", v + 1, err, cap);
  }
  rc = sqlite3_exec(db, "COMMIT", NULL, NULL, &msg);
  if (rc != SQLITE_OK) return fail(db, rc, msg, "migration", v, err, cap);
  *version = v;
  return WEB_OK;
}
