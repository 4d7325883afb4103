/*
** previous.c: the previous result of a count, for --vacate (previous.h).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "previous.h"

#define MAX_BYTES ((size_t)256 << 20)

static stv_status bad(char *msg, size_t n, const char *name, const char *what) {
  snprintf(msg, n, "%s: expected %s", name, what);
  return STV_ESYNTAX;
}

stv_status hus_previous_parse(const char *data, size_t len, const char *name,
                              hus_previous *out, char *msg, size_t nmsg) {
  json_error_t je;
  json_t *root, *v, *el;
  size_t i;
  stv_status st = STV_OK;
  memset(out, 0, sizeof(*out));
  root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
  if (!root) {
    snprintf(msg, nmsg, "%s:%d:%d: expected a JSON result of hustings count "
                        "--format json (%s)",
             name, je.line, je.column, je.text);
    return STV_ESYNTAX;
  }
  if (!json_is_object(root)) {
    st = bad(msg, nmsg, name, "a JSON object (a hustings count result)");
    goto done;
  }
  v = json_object_get(root, "rules");
  if (!json_is_string(v) || json_string_length(v) >= sizeof(out->rules) ||
      !stv_rule_summary(json_string_value(v))) {
    st = bad(msg, nmsg, name, "\"rules\": the name of a rule set");
    goto done;
  }
  snprintf(out->rules, sizeof(out->rules), "%s", json_string_value(v));
  v = json_object_get(root, "seats");
  if (!json_is_integer(v) || json_integer_value(v) < 1 ||
      json_integer_value(v) > STV_MAX_SEATS) {
    st = bad(msg, nmsg, name, "\"seats\": a whole number from 1 to 999");
    goto done;
  }
  out->seats = (int)json_integer_value(v);
  v = json_object_get(root, "candidates");
  if (!json_is_array(v) || json_array_size(v) < 1 ||
      json_array_size(v) > STV_MAX_CANDIDATES) {
    st = bad(msg, nmsg, name, "\"candidates\": a list of 1 to 1000");
    goto done;
  }
  out->ncand = (int)json_array_size(v);
  el = json_object_get(root, "elected");
  if (!json_is_array(el) || json_array_size(el) > (size_t)out->seats) {
    st = bad(msg, nmsg, name,
             "\"elected\": a list of candidate numbers, no longer than the "
             "seats");
    goto done;
  }
  for (i = 0; i < json_array_size(el); i++) {
    json_t *c = json_array_get(el, i);
    size_t j;
    if (!json_is_integer(c) || json_integer_value(c) < 1 ||
        json_integer_value(c) > out->ncand) {
      st = bad(msg, nmsg, name,
               "\"elected\": candidate numbers within \"candidates\"");
      goto done;
    }
    for (j = 0; j < i; j++)
      if (out->elected[j] == (int)json_integer_value(c)) {
        st = bad(msg, nmsg, name, "\"elected\": each candidate once");
        goto done;
      }
    out->elected[i] = (int)json_integer_value(c);
  }
  out->nelected = (int)json_array_size(el);
done:
  json_decref(root);
  return st;
}

stv_status hus_previous_read(const char *path, hus_previous *out, char *msg,
                             size_t nmsg) {
  FILE *fp = fopen(path, "rb");
  char *buf = NULL;
  size_t len = 0, cap = 0;
  stv_status st;
  if (!fp) {
    snprintf(msg, nmsg, "%s: %s", path, strerror(errno));
    return STV_EIO;
  }
  for (;;) {
    size_t got;
    if (len == cap) {
      char *nb;
      if (cap >= MAX_BYTES) {
        fclose(fp);
        free(buf);
        snprintf(msg, nmsg, "%s: expected a result of at most 256 MiB", path);
        return STV_ELIMIT;
      }
      cap = cap ? cap * 2 : 65536;
      nb = realloc(buf, cap);
      if (!nb) {
        fclose(fp);
        free(buf);
        snprintf(msg, nmsg, "out of memory");
        return STV_ENOMEM;
      }
      buf = nb;
    }
    got = fread(buf + len, 1, cap - len, fp);
    len += got;
    if (got == 0) break;
  }
  if (ferror(fp)) {
    fclose(fp);
    free(buf);
    snprintf(msg, nmsg, "%s: read error", path);
    return STV_EIO;
  }
  fclose(fp);
  st = hus_previous_parse(buf ? buf : "", len, path, out, msg, nmsg);
  free(buf);
  return st;
}
