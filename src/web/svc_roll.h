/*
** svc_roll.h: the voter roll (issue 6, part 2): importing an
** organisation's roll from CSV (read by roll.c), and the readers the
** admin pages (p_roll.c), the API (p_roll.c) and the later credentials
** and ballot code need.  svc_roll.c is the only code that writes the
** tables voters, voter_tags and roll_imports (migration 2).
**
** Rules of an import (svc_roll_import):
**  - one db_write: every voter of the file is added or updated, the
**    import is recorded in roll_imports with its counts and the full
**    report of problems (JSON lines), and audited "roll.import" (object
**    "roll_import:ID"; detail: org, counts, whole_roll and the file's
**    SHA-256, never a name, email or member number);
**  - a voter is found by (org, member number).  A voter is never deleted
**    or renumbered, so whatever later refers to a voter (credentials,
**    electors, ballots cast) is never lost by a re-import;
**  - an update sets the name, sets active = 1, and replaces the email
**    and the tags only when the file has that column: a file without a
**    tags column leaves every voter's tags as they were, while an empty
**    cell in a tags column clears that voter's tags;
**  - rows with a problem (roll.h) are not imported and change nothing;
**  - deactivation: only when the administrator says the file is the
**    whole roll (whole_roll = 1), the active voters of the org that the
**    file does not name on any row become inactive (active = 0); a
**    member named on a rejected or duplicate row is not "missing" and is
**    left as it is.  Without whole_roll an import only adds and updates.
**    A whole roll must name at least one member (else field error
**    "empty_roll" on "whole_roll"), so an empty file cannot deactivate
**    everyone;
**  - a file refused as a whole (roll.h's error codes: unknown column,
**    not UTF-8, over the caps ...) changes nothing: WEB_EINVALID with one
**    field error on "csv" whose code is roll_result.error_code.
**
** Pooled rolls (svc_roll_electorate): an election run by several
** organisations (table election_orgs) has as electorate the union of
** their rolls' active voters, with a person who is a member of more than
** one of them counted once.  People are matched by normalised email
** (trimmed, ASCII letters lower-cased): voters of different
** organisations with the same normalised email are one elector.  A
** voter without an email is never merged.  Two voters of the SAME
** organisation are never merged, even with one email (two memberships,
** such as a household sharing an address): within one email, the k-th
** voter (by id) of each organisation joins the k-th elector, so the
** email gives as many electors as the organisation with the most
** voters at that email has.
**
** Conventions as svc_setup.h: validation first, field errors in v
** (cleared first), readers on the calling thread's db, arrays freed with
** the matching _free (NULL-safe).  Access (may this administrator see
** this org?) is checked by svc_roll_org_get; the actions take an org id
** the caller has checked.
*/
#ifndef HUS_SVC_ROLL_H
#define HUS_SVC_ROLL_H

#include <stddef.h>
#include <stdint.h>

#include "roll.h"
#include "web.h"

#define SVC_ROLL_FILE_NAME_MAX 200
#define SVC_ROLL_PAGE_MAX 1000   /* voters per page */
#define SVC_ROLL_TAGS_LIST_MAX 1000 /* tags listed by svc_roll_tag_counts */
/* The report of one import: its JSON lines fit (ROLL_PROBLEMS_MAX lines
** of at most ~1.5 KiB each). */
#define SVC_ROLL_REPORT_MAX ((size_t)16 << 20)

/* ------------------------------------------------------------- orgs */

typedef struct svc_roll_org {
  int64_t id;
  char slug[41];
  char *name;
  char tz[65]; /* the org's zone, for showing times */
} svc_roll_org;

/* The orgs admin_id administers, by id. */
web_status svc_roll_orgs(sqlite3 *db, int64_t admin_id, svc_roll_org **out,
                         size_t *n);
void svc_roll_orgs_free(svc_roll_org *o, size_t n);
/* The org with that slug, if admin_id administers it; else WEB_ENOTFOUND
** (the same for an org that does not exist: no one learns which exist). */
web_status svc_roll_org_get(sqlite3 *db, int64_t admin_id, const char *slug,
                            svc_roll_org *out);
void svc_roll_org_free(svc_roll_org *o);

/* ----------------------------------------------------------- imports */

typedef struct svc_roll_counts {
  int64_t rows;        /* data rows of the file */
  int64_t added;       /* new voters */
  int64_t updated;     /* voters whose name, email, tags or active changed */
  int64_t unchanged;   /* voters the file names as they already were */
  int64_t deactivated; /* whole_roll: voters the file did not name */
  int64_t rejected;    /* rows with a problem */
  int64_t duplicates;  /* rows repeating an earlier member number */
} svc_roll_counts;

typedef struct svc_import {
  int64_t id, org_id, admin_id, at;
  char *file_name;
  char sha256[65]; /* of the bytes as received, hex */
  int whole_roll;
  svc_roll_counts c;
  char *report; /* JSON lines, "" when no problems; NULL from the list */
} svc_import;

/* Imports data[0..len) (the CSV as received) into org_id's roll.
** file_name: the file's name, shown with the import (NULL or "" for
** none; at most 200 bytes, one line: field "file_name").  On WEB_OK,
** *id_out (may be NULL) gets the roll_imports id.  WEB_EINVALID with v
** as above; WEB_ENOTFOUND when org_id does not exist; WEB_ENOMEM,
** WEB_EBUSY, WEB_EDB.  Refusals change nothing. */
web_status svc_roll_import(int64_t org_id, const char *data, size_t len,
                           const char *file_name, int whole_roll,
                           const char *actor, int64_t admin_id, int64_t now,
                           verr *v, int64_t *id_out);

/* The org's imports, newest first, at most limit (1..100, clamped),
** without their reports. */
web_status svc_roll_imports(sqlite3 *db, int64_t org_id, int limit,
                            svc_import **out, size_t *n);
void svc_roll_imports_free(svc_import *a, size_t n);
/* One import of org_id, with its report (WEB_ENOTFOUND if it is not
** that org's). */
web_status svc_roll_import_get(sqlite3 *db, int64_t org_id, int64_t id,
                               svc_import *out);
void svc_roll_import_free(svc_import *a);

/* ----------------------------------------------------------- readers */

typedef enum {
  SVC_ROLL_ACTIVE = 0, /* the default */
  SVC_ROLL_INACTIVE,
  SVC_ROLL_ALL
} svc_roll_status;

typedef struct svc_roll_query {
  const char *q;      /* search: a part of the member number, name or
                         email, ASCII case ignored; NULL or "" for all */
  const char *tag;    /* only voters with this tag; NULL or "" for all */
  svc_roll_status status;
  const char *after;  /* the page after this member number (keyset, in
                         byte order); NULL or "" for the first page */
  int limit;          /* 1..SVC_ROLL_PAGE_MAX, clamped */
} svc_roll_query;

typedef struct svc_voter {
  int64_t id;
  char member_no[ROLL_MEMBER_MAX + 1];
  char *name, *email;
  int active;
  char *tags; /* sorted, separated by single spaces; "" for none */
  int64_t created_at, updated_at;
} svc_voter;

/* One page of org_id's voters matching q, in member-number order; *total
** (may be NULL) gets the number matching q over all pages. */
web_status svc_roll_voters(sqlite3 *db, int64_t org_id,
                           const svc_roll_query *q, svc_voter **out,
                           size_t *n, int64_t *total);
void svc_roll_voters_free(svc_voter *v, size_t n);

typedef struct svc_roll_summary {
  int64_t active, inactive;
  int64_t no_email; /* active voters without an email */
  int64_t imports;
} svc_roll_summary;
web_status svc_roll_summary_get(sqlite3 *db, int64_t org_id,
                                svc_roll_summary *out);

typedef struct svc_tag_count {
  char tag[ROLL_TAG_MAX + 1];
  int64_t n; /* active voters with the tag */
} svc_tag_count;
/* The tags of org_id's active voters, most used first (then by tag), at
** most SVC_ROLL_TAGS_LIST_MAX. */
web_status svc_roll_tag_counts(sqlite3 *db, int64_t org_id,
                               svc_tag_count **out, size_t *n);
void svc_tag_counts_free(svc_tag_count *t);

/* -------------------------------------------------------- electorate */

typedef struct svc_elector {
  int64_t voter_id; /* the first of its voters (lowest org id, then id) */
  int64_t org_id;   /* that voter's org */
  size_t first, n;  /* its voters: voter_id[first .. first + n) below */
} svc_elector;

typedef struct svc_electorate {
  size_t n_orgs;     /* organisations running the election */
  size_t n_voters;   /* active voters on their rolls */
  size_t n_electors; /* people, after merging */
  size_t n_merged;   /* n_voters - n_electors */
  svc_elector *elector; /* ordered by normalised email (none first),
                           then org and voter id */
  int64_t *voter_id;    /* every voter, grouped by elector */
} svc_electorate;

/* The electorate of election_id: its organisations' rolls pooled as
** described at the top.  WEB_ENOTFOUND if the election has no
** organisation. */
web_status svc_roll_electorate(sqlite3 *db, int64_t election_id,
                               svc_electorate *out);
void svc_electorate_free(svc_electorate *e);

#endif
