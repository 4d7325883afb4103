/*
** server.h: starting and stopping the HTTP server (server.c), and the
** per-address rate limiter it consults (ratelimit.c).  Used by serve.c.
*/
#ifndef HUS_SERVER_H
#define HUS_SERVER_H

#include <stdint.h>
#include <sys/socket.h>

#include "http.h"

struct MHD_Daemon;

/* Starts libmicrohttpd on addr with a pool of threads; NULL on failure
** (the reason is logged to stderr).  web_cfg must be set first. */
/* idle: seconds a connection may sit without a byte in or out before it
** is closed (serve --idle-timeout, default 15). */
struct MHD_Daemon *server_start(const struct sockaddr *addr, unsigned threads,
                                unsigned idle);
/* The port actually bound (for --listen ADDR:0). */
unsigned server_port(struct MHD_Daemon *d);
/* Stops accepting, finishes the requests in flight, joins the threads. */
void server_stop(struct MHD_Daemon *d);

/* Rate limits: a token bucket per client address and class (http.h's
** web_rate), in a fixed table (no allocation after ratelimit_init).
** Returns 1 if the request may go on.  Reads the monotonic clock. */
void ratelimit_init(void);
int ratelimit_take(const char *addr, web_rate cls);

/* Sign-in attempts per account (p_auth.c; docs/security.md): after 10
** failed sign-ins for one email address, from any addresses, one more
** attempt a minute; a browser (its anonymous cookie's hash) that has
** signed in to that account before has a bucket of its own.
** login_throttle_ok: may this attempt be judged (else answer 429 without
** checking the password); _fail after a wrong password; _success after a
** right one. */
int login_throttle_ok(const char *email, const unsigned char cookie[32]);
void login_throttle_fail(const char *email, const unsigned char cookie[32]);
void login_throttle_success(const char *email, const unsigned char cookie[32]);

#endif
