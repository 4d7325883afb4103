/*
** ratelimit.c: token buckets per client address and request class, in a
** fixed table: 16 shards of 256 slots, each shard under its own mutex.
** A slot is found by SipHash (libsodium crypto_shorthash, random key) of
** the address and class, probing 8 slots; when all 8 hold other clients
** the one idle longest is taken (its bucket has refilled, so it loses
** nothing).
**
** A second such table holds the sign-in throttle per account (login_*): a
** bucket of failed sign-ins per email address (whether or not such an
** account exists, so a refusal tells nothing), and "known browser"
** marks, set by a successful sign-in for (email, anonymous cookie), whose
** failures go to a bucket of their own: an attacker guessing one
** account's password from many addresses empties the account's bucket,
** but the administrator's own browser still signs in.
** Nothing is allocated after ratelimit_init.
*/
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "server.h"

#define SHARDS 16
#define SLOTS 256
#define PROBE 8

typedef struct slot {
  unsigned char key[crypto_shorthash_BYTES];
  int used;
  int64_t milli; /* tokens x 1000 */
  int64_t last_ms;
} slot;

/* Two tables: addresses, and the sign-in throttle's accounts and marks
** (apart, so that requests from many addresses cannot evict an account's
** count of failures; filling the second costs a password check each). */
typedef struct shard {
  pthread_mutex_t mu;
  slot s[SLOTS];
} shard;
static shard shards[SHARDS], login_shards[SHARDS];
static unsigned char hkey[crypto_shorthash_KEYBYTES];

/* tokens per minute and burst, by web_rate */
static const struct {
  int64_t per_min, burst;
} rates[] = {
    {20 * 60, 100}, /* RATE_READ: 20/s */
    {10, 10},       /* RATE_FORM */
    {5, 5},         /* RATE_LOGIN */
    {20 * 60, 50},  /* RATE_API */
    {20 * 60, 200}, /* RATE_VOTE: 20/s, burst 200 */
};

/* The sign-in throttle's classes, after the web_rate ones. */
enum {
  CLS_ACCOUNT = 16, /* failed sign-ins for one email, from anywhere */
  CLS_KNOWN,        /* a mark: this browser signed in to this account */
  CLS_KNOWN_FAIL    /* failed sign-ins for one email from such a browser */
};
#define LOGIN_FAIL_BURST 10 /* failures before the account is throttled */
#define LOGIN_FAIL_PER_MIN 1 /* then one more attempt a minute */

void ratelimit_init(void) {
  int i;
  randombytes_buf(hkey, sizeof hkey);
  for (i = 0; i < SHARDS; i++) {
    pthread_mutex_init(&shards[i].mu, NULL);
    pthread_mutex_init(&login_shards[i].mu, NULL);
  }
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What bucket() does with the slot it finds. */
enum { B_TAKE, B_PEEK, B_MARK, B_HAS };

/* The bucket of key (n bytes, at most 300) in class cls, with per_min
** tokens a minute and burst at most: B_TAKE takes a token (1 if there was
** one), B_PEEK says whether there is one, B_MARK makes the slot exist (a
** mark, 1), B_HAS says whether it exists (and, if so, touches it). */
static int bucket(shard *table, const void *k, size_t n, int cls,
                  int64_t per_min, int64_t burst_tokens, int mode) {
  unsigned char in[320], key[crypto_shorthash_BYTES];
  shard *sh;
  slot *s = NULL, *oldest = NULL;
  int64_t t, burst = burst_tokens * 1000;
  unsigned idx;
  int i, ok;
  if (n > 300) n = 300;
  memcpy(in, k, n);
  in[n] = (unsigned char)cls;
  crypto_shorthash(key, in, n + 1, hkey);
  sh = &table[key[0] % SHARDS];
  idx = (unsigned)key[1] | (unsigned)key[2] << 8;
  pthread_mutex_lock(&sh->mu);
  t = now_ms(); /* under the lock, so time never runs backwards for a slot */
  for (i = 0; i < PROBE; i++) {
    slot *c = &sh->s[(idx + (unsigned)i) % SLOTS];
    if (c->used && memcmp(c->key, key, sizeof key) == 0) {
      s = c;
      break;
    }
    /* a free slot, else the one idle longest */
    if (!oldest || (oldest->used && (!c->used || c->last_ms < oldest->last_ms)))
      oldest = c;
  }
  if (mode == B_HAS) {
    if (s) s->last_ms = t;
    pthread_mutex_unlock(&sh->mu);
    return s != NULL;
  }
  if (!s && mode == B_PEEK) { /* never seen: a full bucket */
    pthread_mutex_unlock(&sh->mu);
    return 1;
  }
  if (!s) { /* a new client, or one evicted: a full bucket */
    s = oldest;
    memcpy(s->key, key, sizeof key);
    s->used = 1;
    s->milli = burst;
    s->last_ms = t;
  }
  if (mode == B_MARK) {
    s->last_ms = t;
    pthread_mutex_unlock(&sh->mu);
    return 1;
  }
  { /* refill; last_ms moves only by the time actually turned into
    ** tokens, so frequent calls do not lose the remainder */
    int64_t gained = (t - s->last_ms) * per_min / 60;
    s->milli += gained;
    s->last_ms += gained * 60 / per_min;
    if (s->milli >= burst) {
      s->milli = burst;
      s->last_ms = t;
    }
  }
  ok = s->milli >= 1000;
  if (ok && mode == B_TAKE) s->milli -= 1000;
  pthread_mutex_unlock(&sh->mu);
  return ok;
}

int ratelimit_take(const char *addr, web_rate cls) {
  return bucket(shards, addr, strnlen(addr, 64), (int)cls,
                rates[cls].per_min, rates[cls].burst, B_TAKE);
}

/* ------------------------------------------------- sign-in per account */

/* The account's key: its email, lower-cased (admins.email is NOCASE),
** with the browser's cookie hash after it when cookie != NULL. */
static size_t login_key(unsigned char out[300], const char *email,
                        const unsigned char *cookie) {
  size_t n = strnlen(email, 254), i;
  for (i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)email[i];
    out[i] = ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch;
  }
  out[n++] = 0;
  if (cookie) {
    memcpy(out + n, cookie, 32);
    n += 32;
  }
  return n;
}

/* The failure bucket this attempt draws on: the browser's own if it has
** signed in to the account before, else the account's. */
static int login_class(const char *email, const unsigned char cookie[32],
                       unsigned char key[300], size_t *n) {
  *n = login_key(key, email, cookie);
  if (bucket(login_shards, key, *n, CLS_KNOWN, 1, 1, B_HAS))
    return CLS_KNOWN_FAIL;
  *n = login_key(key, email, NULL);
  return CLS_ACCOUNT;
}

int login_throttle_ok(const char *email, const unsigned char cookie[32]) {
  unsigned char key[300];
  size_t n;
  int cls = login_class(email, cookie, key, &n);
  return bucket(login_shards, key, n, cls, LOGIN_FAIL_PER_MIN,
                LOGIN_FAIL_BURST, B_PEEK);
}

void login_throttle_fail(const char *email, const unsigned char cookie[32]) {
  unsigned char key[300];
  size_t n;
  int cls = login_class(email, cookie, key, &n);
  bucket(login_shards, key, n, cls, LOGIN_FAIL_PER_MIN, LOGIN_FAIL_BURST,
         B_TAKE);
}

void login_throttle_success(const char *email,
                            const unsigned char cookie[32]) {
  unsigned char key[300];
  size_t n = login_key(key, email, cookie);
  bucket(login_shards, key, n, CLS_KNOWN, 1, 1, B_MARK);
}
