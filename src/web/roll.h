/*
** roll.h: the voter roll's CSV reader (src/web/roll.c).  Pure: no
** database, no I/O, no globals; svc_roll.c imports what it reads, and
** tests/fuzz/fuzz_web_roll.c fuzzes it.
**
** The file (docs/serve.md, "Importing the voter roll"):
**  - RFC 4180 CSV: fields separated by commas, records by CR LF, LF or a
**    lone CR; a field in double quotes may hold commas, line breaks and
**    doubled quotes ("" for one "); spaces around a quoted field are
**    ignored; the last record may end without a line break;
**  - UTF-8 only, with an optional byte order mark (EF BB BF); a file
**    that is not UTF-8, holds a NUL byte or starts with a UTF-16 mark is
**    refused, naming the line and column of the first bad byte;
**  - a header row first, its columns recognised without regard to case,
**    with '_' read as a space and spaces at both ends ignored:
**      member_no   also "member number", "membership number",
**                  "membership no" (required)
**      name        (required)
**      email       (optional; a cell may be empty)
**      tags        (optional; tags separated by spaces, commas or
**                   semicolons inside the cell)
**    Any other column refuses the file, naming it; so does a column
**    given twice or a column without a name;
**  - blank lines (and lines of empty cells only) are skipped and not
**    counted as rows.
**
** Each data row is checked; a row with a problem is not imported, and
** every problem is listed with its line (the line where the row
** starts, 1-based, counting the header and blank lines) and its column
** where it has one:
**  - the number of cells must match the header's (empty cells past the
**    header's are allowed);
**  - member number: 1 to 64 bytes after trimming spaces at both ends,
**    unique in the file (compared byte for byte): the first row with no
**    problem claims it, and a later row with the same number is a
**    "duplicate" naming both lines and is not imported (a rejected row
**    claims nothing, so it never makes a later good row a duplicate);
**  - member number and name: no bidirectional controls (U+202A-U+202E,
**    U+2066-U+2069) and no zero-width characters (U+200B-U+200F,
**    U+2060, U+FEFF): "invisible", naming the line, column and the
**    character's position in the cell;
**  - name: 1 to 200 bytes, one line;
**  - email: empty, or an address (svc_email_valid: local@domain.tld) of
**    at most 254 bytes;
**  - tags: each [a-z0-9:_-]{1,40} (the rule of contests' eligibility
**    tags; ASCII capitals are lowered first), at most ROLL_TAGS_MAX
**    distinct ones per row (repeats are dropped), the cell at most
**    ROLL_TAGS_CELL_MAX bytes;
**  - every text passes text_check (valid UTF-8, no control characters
**    but TAB; a line break inside a quoted name is refused) and is
**    trimmed at both ends of spaces: the whitespace of words.c but the
**    line breaks U+000A-U+000D (which are refused), so a cell of
**    U+00A0 or U+3000 alone is empty.  The header's trailing empty cells
**    do not count towards its columns.
**
** Caps: ROLL_FILE_MAX bytes, ROLL_ROWS_MAX data rows, ROLL_PROBLEMS_MAX
** problems: past any of them the whole file is refused (a file with that
** many problems is almost surely the wrong file, and so every import
** that does happen has its whole report).
**
** Ownership: roll_parse fills a roll_result the caller releases with
** roll_free (also after an error; safe on a zeroed struct).  Every
** string in it lives as long as it.
*/
#ifndef HUS_ROLL_H
#define HUS_ROLL_H

#include <stddef.h>

#include "web.h"

#define ROLL_FILE_MAX ((size_t)16 << 20)
#define ROLL_ROWS_MAX 200000
#define ROLL_PROBLEMS_MAX 10000
#define ROLL_MEMBER_MAX 64
#define ROLL_NAME_MAX 200
#define ROLL_EMAIL_MAX 254
#define ROLL_TAG_MAX 40
#define ROLL_TAGS_MAX 32
#define ROLL_TAGS_CELL_MAX 2000
#define ROLL_MSG_MAX 200

typedef enum {
  ROLL_COL_MEMBER = 0, /* "member_no" */
  ROLL_COL_NAME,       /* "name" */
  ROLL_COL_EMAIL,      /* "email" */
  ROLL_COL_TAGS,       /* "tags" */
  ROLL_NCOLS
} roll_col;

/* The canonical name of a column ("member_no", ...). */
const char *roll_col_name(roll_col c);

typedef struct roll_row {
  size_t line;          /* where the row starts */
  const char *member_no; /* 1..64 bytes */
  const char *name;     /* 1..200 bytes */
  const char *email;    /* "" when empty or when there is no email column */
  const char *const *tag; /* sorted, distinct; none without a tags column */
  size_t n_tags;
} roll_row;

typedef struct roll_problem {
  size_t line;       /* where the row starts */
  size_t first_line; /* "duplicate": the line of the first row with that
                        member number; else 0 */
  const char *column; /* roll_col_name of the cell, or NULL for the row */
  const char *code;   /* static: "duplicate", "required", "too_long",
                         "control", "bad_email", "bad_tag", "too_many_tags",
                         "cells", "quote", "invisible" */
  char member_no[ROLL_MEMBER_MAX + 1]; /* the row's, when it has one */
  char msg[ROLL_MSG_MAX];              /* a sentence for people */
} roll_problem;

typedef struct roll_result {
  /* The whole file refused: error_code is set (static: "too_large",
  ** "too_many_rows", "too_many_problems", "empty", "bad_utf8", "utf16",
  ** "nul", "unterminated_quote", "unknown_column", "duplicate_column",
  ** "empty_column", "missing_column"), error holds a sentence naming the
  ** line (and column) concerned, error_line and error_pos the line and
  ** the character column (1-based; 0 when none).  Nothing else is set. */
  const char *error_code;
  char error[300];
  size_t error_line, error_pos;
  int has[ROLL_NCOLS]; /* 1 for the columns the header has */
  size_t rows;         /* data rows = n_rows + rejected + duplicates */
  size_t rejected;     /* rows with a problem other than a duplicate */
  size_t duplicates;   /* rows whose member number came earlier */
  size_t listed;       /* distinct member numbers named on any row
                          (roll_listed) */
  roll_row *row;       /* the good rows, in file order */
  size_t n_rows;
  roll_problem *problem; /* in line order */
  size_t n_problems;
  /* private */
  char *arena;
  const char **tagv;
  struct roll_set *set;
} roll_result;

/* Reads data[0..len).  WEB_OK when the file was read (its rows and
** problems in out); WEB_EINVALID when it is refused as a whole
** (out->error_code); WEB_ENOMEM.  out is zeroed first. */
web_status roll_parse(const char *data, size_t len, roll_result *out);
void roll_free(roll_result *r);

/* 1 if the file named member_no on some row (good, rejected or
** duplicate): such a member is not "missing from the file", whatever
** the row's problem. */
int roll_listed(const roll_result *r, const char *member_no);

/* 1 if s is a tag: [a-z0-9:_-]{1,40}. */
int roll_tag_ok(const char *s);

#endif
