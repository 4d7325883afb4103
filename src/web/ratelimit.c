/*
** ratelimit.c: token buckets per client address and request class, in a
** fixed table: 16 shards of 256 slots, each shard under its own mutex.
** A slot is found by SipHash (libsodium crypto_shorthash, random key) of
** the address and class, probing 8 slots; when all 8 hold other clients
** the one idle longest is taken (its bucket has refilled, so it loses
** nothing).
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

static struct shard {
  pthread_mutex_t mu;
  slot s[SLOTS];
} shards[SHARDS];
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

void ratelimit_init(void) {
  int i;
  randombytes_buf(hkey, sizeof hkey);
  for (i = 0; i < SHARDS; i++) pthread_mutex_init(&shards[i].mu, NULL);
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ratelimit_take(const char *addr, web_rate cls) {
  unsigned char in[80], key[crypto_shorthash_BYTES];
  size_t n = strnlen(addr, 64);
  struct shard *sh;
  slot *s = NULL, *oldest = NULL;
  int64_t t, burst = rates[cls].burst * 1000;
  unsigned idx;
  int i, ok;
  memcpy(in, addr, n);
  in[n] = (unsigned char)cls;
  crypto_shorthash(key, in, n + 1, hkey);
  sh = &shards[key[0] % SHARDS];
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
  if (!s) { /* a new client, or one evicted: a full bucket */
    s = oldest;
    memcpy(s->key, key, sizeof key);
    s->used = 1;
    s->milli = burst;
    s->last_ms = t;
  }
  { /* refill; last_ms moves only by the time actually turned into
    ** tokens, so frequent calls do not lose the remainder */
    int64_t gained = (t - s->last_ms) * rates[cls].per_min / 60;
    s->milli += gained;
    s->last_ms += gained * 60 / rates[cls].per_min;
    if (s->milli >= burst) {
      s->milli = burst;
      s->last_ms = t;
    }
  }
  ok = s->milli >= 1000;
  if (ok) s->milli -= 1000;
  pthread_mutex_unlock(&sh->mu);
  return ok;
}
