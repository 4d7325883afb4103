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
struct MHD_Daemon *server_start(const struct sockaddr *addr, unsigned threads);
/* The port actually bound (for --listen ADDR:0). */
unsigned server_port(struct MHD_Daemon *d);
/* Stops accepting, finishes the requests in flight, joins the threads. */
void server_stop(struct MHD_Daemon *d);

/* Rate limits: a token bucket per client address and class (http.h's
** web_rate), in a fixed table (no allocation after ratelimit_init).
** Returns 1 if the request may go on.  Reads the monotonic clock. */
void ratelimit_init(void);
int ratelimit_take(const char *addr, web_rate cls);

#endif
