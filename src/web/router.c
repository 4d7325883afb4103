/*
** router.c: the route tables of every page module, and matching a
** request's method and path against them.  A pattern is literal segments
** and {name} captures of one whole, non-empty segment.  The tables are
** small (under 100 routes), so matching is a linear scan.
*/
#include <string.h>

#include "http.h"

static const route *const tables[] = {
    routes_public, routes_nominate, routes_publish, routes_auth,
    routes_admin,  routes_review,   routes_api,     routes_roll,
    routes_voting, routes_results, routes_vote};

/* Matches path against pattern; captures are copied into scratch. */
static int match(const char *pat, const char *path, const char **param,
                 char *scratch, size_t cap) {
  size_t used = 0, np = 0;
  while (*pat && *path) {
    const char *pe, *se;
    if (*pat != '/' || *path != '/') return 0;
    pat++;
    path++;
    pe = strchr(pat, '/');
    se = strchr(path, '/');
    if (!pe) pe = pat + strlen(pat);
    if (!se) se = path + strlen(path);
    if (*pat == '{') {
      size_t n = (size_t)(se - path);
      if (n == 0 || np >= REQ_MAX_PARAMS || used + n + 1 > cap) return 0;
      memcpy(scratch + used, path, n);
      scratch[used + n] = 0;
      param[np++] = scratch + used;
      used += n + 1;
    } else if ((size_t)(pe - pat) != (size_t)(se - path) ||
               memcmp(pat, path, (size_t)(pe - pat)) != 0)
      return 0;
    pat = pe;
    path = se;
  }
  return *pat == 0 && *path == 0;
}

static int method_bit(const char *m) {
  static const char *const names[] = {"GET", "POST", "PUT", "PATCH",
                                      "DELETE"};
  int i;
  for (i = 0; i < 5; i++)
    if (strcmp(m, names[i]) == 0) return 1 << i;
  return 0;
}

const route *router_match(const char *method, const char *path,
                          const char *param[REQ_MAX_PARAMS], char *scratch,
                          size_t scratch_cap, int *allowed) {
  size_t t;
  const route *rt;
  if (strcmp(method, "HEAD") == 0) method = "GET";
  *allowed = 0;
  for (t = 0; t < sizeof tables / sizeof tables[0]; t++)
    for (rt = tables[t]; rt->pattern; rt++) {
      const char *p[REQ_MAX_PARAMS] = {0};
      if (!match(rt->pattern, path, p, scratch, scratch_cap)) continue;
      if (strcmp(rt->method, method) != 0) {
        *allowed |= method_bit(rt->method);
        continue;
      }
      memcpy(param, p, sizeof p);
      return rt;
    }
  return NULL;
}
