/*
** cred.c: voting credentials, receipt codes and the election signing key
** (docs/design/ballot.md §0, §3.1, §7.4).  Pure apart from libsodium's
** randomness and hashing; no database.
**
** A credential is 128 random bits written as 26 symbols of Crockford's
** base32 (0-9 A-Z without I L O U), most significant bit first; the last
** symbol carries 3 bits and 2 zero padding bits.  Reading is lenient:
** case, spaces and hyphens are ignored, O reads as 0 and I/L as 1.  Only
** a keyed hash of the raw bytes is ever stored.
*/
#include <string.h>

#include <sodium.h>

#include "svc_vote.h"

static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The value of one symbol, or -1. */
static int sym(unsigned char ch) {
  if (ch >= 'a' && ch <= 'z') ch = (unsigned char)(ch - 'a' + 'A');
  if (ch == 'O') return 0;
  if (ch == 'I' || ch == 'L') return 1;
  if (ch == 'U') return -1;
  for (int i = 0; i < 32; i++)
    if (b32[i] == (char)ch) return i;
  return -1;
}

/* Encodes nbits of in (MSB first, zero-padded to whole symbols). */
static void encode(const unsigned char *in, size_t nbits, char *out) {
  size_t nsym = (nbits + 4) / 5, i, bit;
  for (i = 0; i < nsym; i++) {
    int v = 0;
    for (bit = i * 5; bit < i * 5 + 5; bit++) {
      v <<= 1;
      if (bit < nbits && (in[bit / 8] >> (7 - bit % 8)) & 1) v |= 1;
    }
    out[i] = b32[v];
  }
  out[nsym] = 0;
}

void cred_text(const unsigned char raw[CRED_RAW], char text[CRED_TEXT]) {
  encode(raw, CRED_RAW * 8, text);
}

void cred_new(unsigned char raw[CRED_RAW], char text[CRED_TEXT]) {
  randombytes_buf(raw, CRED_RAW);
  cred_text(raw, text);
}

int cred_parse(const char *s, unsigned char raw[CRED_RAW]) {
  int v[26];
  size_t n = 0, i, bit;
  unsigned char out[CRED_RAW];
  if (!s) return 0;
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    int x;
    if (ch == ' ' || ch == '-' || ch == '\t') continue;
    x = sym(ch);
    if (x < 0 || n == 26) return 0;
    v[n++] = x;
  }
  if (n != 26 || (v[25] & 3)) return 0; /* the 2 spare bits are zero */
  memset(out, 0, sizeof out);
  for (bit = 0; bit < CRED_RAW * 8; bit++) {
    i = bit / 5;
    if ((v[i] >> (4 - bit % 5)) & 1)
      out[bit / 8] |= (unsigned char)(1u << (7 - bit % 8));
  }
  memcpy(raw, out, CRED_RAW);
  sodium_memzero(out, sizeof out);
  return 1;
}

void cred_grouped(const char text[CRED_TEXT], char out[CRED_GROUPED]) {
  size_t i, k = 0, n = strnlen(text, CRED_TEXT - 1);
  for (i = 0; i < n; i++) {
    if (i && i % 4 == 0) out[k++] = '-';
    out[k++] = text[i];
  }
  out[k] = 0;
}

void cred_hash(const unsigned char raw[CRED_RAW], unsigned char out[32]) {
  static const char tag[] = "hustings credential v1";
  crypto_generichash_state st;
  crypto_generichash_init(&st, auth_key, sizeof auth_key, 32);
  crypto_generichash_update(&st, (const unsigned char *)tag, sizeof tag - 1);
  crypto_generichash_update(&st, raw, CRED_RAW);
  crypto_generichash_final(&st, out, 32);
}

void receipt_new(char out[RECEIPT_TEXT]) {
  unsigned char raw[10];
  char t[17];
  size_t i, k = 0;
  randombytes_buf(raw, sizeof raw);
  encode(raw, 80, t);
  for (i = 0; i < 16; i++) {
    if (i && i % 4 == 0) out[k++] = '-';
    out[k++] = t[i];
  }
  out[k] = 0;
}

void elkey_derive(const unsigned char salt[16], unsigned char pk[32],
                  unsigned char sk[64]) {
  static const char tag[] = "hustings election signing key v1";
  unsigned char seed[32], skb[crypto_sign_SECRETKEYBYTES];
  crypto_generichash_state st;
  crypto_generichash_init(&st, auth_key, sizeof auth_key, 32);
  crypto_generichash_update(&st, (const unsigned char *)tag, sizeof tag - 1);
  crypto_generichash_update(&st, salt, 16);
  crypto_generichash_final(&st, seed, 32);
  crypto_sign_seed_keypair(pk, skb, seed);
  if (sk) memcpy(sk, skb, 64);
  sodium_memzero(seed, sizeof seed);
  sodium_memzero(skb, sizeof skb);
}

void elkey_fingerprint(const unsigned char pk[32], char out[40]) {
  unsigned char h[crypto_hash_sha256_BYTES];
  static const char hex[] = "0123456789abcdef";
  size_t i, k = 0;
  crypto_hash_sha256(h, pk, 32);
  for (i = 0; i < 16; i++) {
    if (i && i % 2 == 0) out[k++] = ' ';
    out[k++] = hex[h[i] >> 4];
    out[k++] = hex[h[i] & 15];
  }
  out[k] = 0;
}
