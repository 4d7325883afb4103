/*
** hash.c: SHA-256 of input files with libsodium (see hash.h).
*/
#include <errno.h>
#include <stdio.h>

#include <sodium.h>

#include "hash.h"

static int ready(void) { return sodium_init() >= 0; }

int hus_sha256_file(const char *path, char hex[65]) {
  unsigned char buf[1 << 16], out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_state st;
  size_t n;
  int bad;
  FILE *fp;
  if (!ready()) {
    errno = EIO;
    return -1;
  }
  if (!(fp = fopen(path, "rb"))) return -1;
  crypto_hash_sha256_init(&st);
  while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
    crypto_hash_sha256_update(&st, buf, n);
  bad = ferror(fp);
  fclose(fp);
  if (bad) {
    errno = EIO;
    return -1;
  }
  crypto_hash_sha256_final(&st, out);
  sodium_bin2hex(hex, 65, out, sizeof(out));
  return 0;
}

void hus_sha256_mem(const void *data, size_t len, char hex[65]) {
  unsigned char out[crypto_hash_sha256_BYTES];
  if (!ready()) {
    hex[0] = 0;
    return;
  }
  crypto_hash_sha256(out, data, len);
  sodium_bin2hex(hex, 65, out, sizeof(out));
}
