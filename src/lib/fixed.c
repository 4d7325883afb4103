/*
** fixed.c: decimal fixed-point arithmetic for counts.
**
** A vote value with dp decimals is an int64 holding value * 10^dp.  Products
** and quotients go through 128-bit intermediates and say which way they
** round; overflow never wraps, it sets a flag the count turns into
** STV_EOVERFLOW.  There is no floating point anywhere in a count.
*/
#include <stdio.h>

#include "stvInt.h"

int64_t fx_pow10(int dp) {
  int64_t p = 1;
  while (dp-- > 0) p *= 10;
  return p;
}

static int64_t clamp128(__int128 v, int *ovf) {
  if (v > (__int128)INT64_MAX || v < -(__int128)INT64_MAX) {
    *ovf = 1;
    return 0;
  }
  return (int64_t)v;
}

int64_t fx_muldiv_floor(int64_t a, int64_t b, int64_t d, int *ovf) {
  __int128 p = (__int128)a * b;
  __int128 q;
  if (d <= 0) {
    *ovf = 1;
    return 0;
  }
  q = p / d;
  if (p % d != 0 && p < 0) q -= 1;
  return clamp128(q, ovf);
}

int64_t fx_muldiv_ceil(int64_t a, int64_t b, int64_t d, int *ovf) {
  __int128 p = (__int128)a * b;
  __int128 q;
  if (d <= 0) {
    *ovf = 1;
    return 0;
  }
  q = p / d;
  if (p % d != 0 && p > 0) q += 1;
  return clamp128(q, ovf);
}

int64_t fx_mul(int64_t a, int64_t b, int *ovf) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) {
    *ovf = 1;
    return 0;
  }
  return r;
}

int64_t fx_add(int64_t a, int64_t b, int *ovf) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) {
    *ovf = 1;
    return 0;
  }
  return r;
}

int64_t fx_rescale(int64_t v, int dp, int to_dp) {
  if (to_dp >= dp) return v * fx_pow10(to_dp - dp);
  return v / fx_pow10(dp - to_dp);
}

void fx_format(int64_t v, int dp, char *out, size_t n) {
  int64_t one = fx_pow10(dp);
  uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  const char *sign = v < 0 ? "-" : "";
  if (dp == 0)
    snprintf(out, n, "%s%llu", sign, (unsigned long long)mag);
  else
    snprintf(out, n, "%s%llu.%0*llu", sign,
             (unsigned long long)(mag / (uint64_t)one), dp,
             (unsigned long long)(mag % (uint64_t)one));
}
