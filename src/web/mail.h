/*
** mail.h: the outbox sender (docs/design/ballot.md §5.1).
**
** Mail is queued in the outbox table by the action that causes it, in the
** same transaction.  A mail thread started by serve polls the due rows,
** hands each message to the configured transport and records the batch
** in one db_write: sent rows get sent_at and a blank body; a temporary
** failure is retried after 1 min, 5 min, 30 min, 2 h and then every 6 h;
** a permanent failure, the 8th failure, or a credential, reminder or
** reissue of an election that is no longer in 'voting' gets failed_at
** and a blank body.  Delivery is at least once: a crash between sending
** and recording sends the row again.
**
** Transports (serve --mail SPEC): "sendmail" (/usr/sbin/sendmail),
** "sendmail:/PATH" (run as PATH -t -i with no shell, the message on its
** stdin; exit 0 sent, 75 temporary, anything else permanent), "dir:PATH"
** (writes PATH/<id>.eml, mode 0600, for tests and demos) and "none"
** (nothing is sent).  Before mail_configure the transport is "none".
**
** Ownership: mail_configure copies spec; mail_format appends to the
** caller's wbuf.  The thread has its own database connection (db_get)
** and closes it when it stops.
*/
#ifndef HUS_MAIL_H
#define HUS_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "web.h"

#define MAIL_BATCH 50      /* rows read per poll */
#define MAIL_MAX_TRIES 8   /* the 8th failure is final */
#define MAIL_RATE 10       /* sendmail runs per second at most */
#define MAIL_POLL 2        /* seconds between polls when idle */
#define MAIL_MSG_MAX ((size_t)1 << 20) /* one formatted message */

/* Sets the transport from spec: "sendmail", "sendmail:/PATH" (an absolute
** path to an executable file), "dir:PATH" (an existing, writable
** directory) or "none".  WEB_EINVALID with a message in err naming what
** was wrong (SMTP URLs are refused: not built in this version).  Plain
** "sendmail" is accepted even when /usr/sbin/sendmail is missing (mail
** then waits in the outbox, and mail_start warns on stderr).  Call before
** mail_start, not while the thread runs. */
web_status mail_configure(const char *spec, char *err, size_t cap);
/* Starts the mail thread (a no-op for "none"; WEB_OK if already
** running).  The thread blocks SIGPIPE, polls every MAIL_POLL seconds
** or when woken, and polls again at once after a full batch.  WEB_EIO if
** the thread cannot be created.  db_init must have run. */
web_status mail_start(void);
/* Stops the thread and joins it (a no-op when it is not running).  A
** batch being sent is cut short: the rows not yet tried stay due. */
void mail_stop(void);
/* Wakes the thread for an early poll (after queueing mail).  Safe from
** any thread, also when the thread is not running. */
void mail_wake(void);

/* One poll on this thread's connection: marks dead rows (see above),
** reads at most MAIL_BATCH due rows (next_at <= now, oldest first),
** sends them and records the batch in one db_write; now is used for
** sent_at, failed_at, next_at and the Date header.  Returns the number
** of rows whose state it changed (0 for "none", and when the database
** could not be read or written: a message goes to stderr). */
int mail_tick(int64_t now);

/* Appends an RFC 5322 message to out: From (display name "hustings"
** and the address from), To, Subject (folded at spaces; RFC 2047
** B-encoded words when not ASCII, when it holds "=?" or a word too long
** to fold), Date (UTC), Message-ID (random@ the domain of from),
** MIME-Version, Content-Type text/plain UTF-8, Content-Transfer-Encoding
** 8bit, Auto-Submitted auto-generated, a blank line and body.  Lines end
** in CRLF when crlf, else LF; the body's CR LF and lone CR become line
** ends, and its lines are wrapped at spaces to 78 characters (a word
** longer than that, such as a link, is kept whole on a line of its own,
** up to 998 bytes).  No I/O but randomness for the Message-ID.
** WEB_EINVALID (out unchanged) when from or to is not one plausible
** address (svc_email_valid), the subject holds a control character
** other than TAB (so no CR or LF), is over 998 bytes or is not UTF-8,
** or the body is not UTF-8; WEB_ENOMEM / WEB_ETOOBIG from out (its err
** is set). */
web_status mail_format(wbuf *out, const char *from, const char *to,
                       const char *subject, const char *body, int64_t now,
                       int crlf);

#endif
