/*
** test_web_json.c: the JSON writer (src/web/json.c).  Output is compared
** byte for byte: the audit log hashes these lines, so a stray space would
** change every hash.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web.h"

static wbuf b;
static jw w;

static int setup(void **state) {
  (void)state;
  wbuf_init(&b, 1 << 16);
  jw_init(&w, &b);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  wbuf_free(&b);
  return 0;
}

static void test_scalars(void **state) {
  (void)state;
  jw_arr(&w);
  jw_int(&w, 0);
  jw_int(&w, -42);
  jw_int(&w, INT64_MAX);
  jw_int(&w, INT64_MIN);
  jw_bool(&w, 1);
  jw_bool(&w, 0);
  jw_bool(&w, 7); /* any non-zero is true */
  jw_null(&w);
  jw_str(&w, "s");
  jw_str(&w, NULL);
  jw_str(&w, "");
  jw_arr_end(&w);
  assert_int_equal(b.err, 0);
  assert_string_equal(wbuf_str(&b),
                      "[0,-42,9223372036854775807,-9223372036854775808,"
                      "true,false,true,null,\"s\",null,\"\"]");
}

static void test_nested(void **state) {
  (void)state;
  jw_obj(&w);
  jw_kstr(&w, "slug", "steering-2027");
  jw_kint(&w, "seats", 9);
  jw_kbool(&w, "open", 0);
  jw_key(&w, "contests");
  jw_arr(&w);
  jw_obj(&w);
  jw_kstr(&w, "name", "General seats");
  jw_key(&w, "tags");
  jw_arr(&w);
  jw_arr_end(&w);
  jw_obj_end(&w);
  jw_obj(&w);
  jw_obj_end(&w);
  jw_arr(&w);
  jw_arr(&w);
  jw_int(&w, 1);
  jw_arr_end(&w);
  jw_int(&w, 2);
  jw_arr_end(&w);
  jw_arr_end(&w);
  jw_kstr(&w, "note", NULL);
  jw_key(&w, "empty");
  jw_obj(&w);
  jw_obj_end(&w);
  jw_obj_end(&w);
  assert_int_equal(b.err, 0);
  assert_int_equal(w.depth, 0);
  assert_string_equal(wbuf_str(&b),
                      "{\"slug\":\"steering-2027\",\"seats\":9,\"open\":false,"
                      "\"contests\":[{\"name\":\"General seats\",\"tags\":[]},"
                      "{},[[1],2]],\"note\":null,\"empty\":{}}");
}

static void test_escapes(void **state) {
  (void)state;
  jw_obj(&w);
  jw_kstr(&w, "q\"k", "say \"hi\"\\ now");
  jw_kstr(&w, "ctl", "a\nb\tc\x01\x1f");
  jw_kstr(&w, "utf8", "Zo\xc3\xab \xe2\x80\xa8 \xf0\x9f\x98\x80");
  jw_kstr(&w, "html", "</script><!--");
  jw_obj_end(&w);
  assert_int_equal(b.err, 0);
  assert_string_equal(
      wbuf_str(&b),
      "{\"q\\\"k\":\"say \\\"hi\\\"\\\\ now\","
      "\"ctl\":\"a\\u000Ab\\u0009c\\u0001\\u001F\","
      "\"utf8\":\"Zo\xc3\xab \xe2\x80\xa8 \xf0\x9f\x98\x80\","
      "\"html\":\"</script><!--\"}");
}

/* A value at the top level needs no container. */
static void test_top_level(void **state) {
  (void)state;
  jw_str(&w, "only");
  assert_string_equal(wbuf_str(&b), "\"only\"");
}

/* JW_DEPTH containers nest; one more sets WEB_ETOOBIG and drops the
** output, and the error stays. */
static void test_depth(void **state) {
  int i;
  (void)state;
  for (i = 0; i < JW_DEPTH; i++) jw_arr(&w);
  assert_int_equal(b.err, 0);
  assert_int_equal(w.depth, JW_DEPTH);
  for (i = 0; i < JW_DEPTH; i++) jw_arr_end(&w);
  assert_int_equal(b.err, 0);
  assert_int_equal(b.len, 2 * JW_DEPTH);
  assert_memory_equal(b.p + JW_DEPTH - 1, "[]", 2);

  wbuf_free(&b);
  wbuf_init(&b, 1 << 16);
  jw_init(&w, &b);
  for (i = 0; i < JW_DEPTH; i++) {
    jw_obj(&w);
    jw_key(&w, "k");
  }
  jw_obj(&w); /* the 33rd */
  assert_int_equal(b.err, WEB_ETOOBIG);
  assert_string_equal(wbuf_str(&b), "");
  jw_int(&w, 1);
  jw_obj_end(&w);
  assert_int_equal(b.err, WEB_ETOOBIG);
  assert_null(wbuf_take(&b, NULL));
}

/* Closing more than was opened is a caller bug: the output is dropped. */
static void test_unbalanced(void **state) {
  (void)state;
  jw_arr(&w);
  jw_arr_end(&w);
  jw_arr_end(&w);
  assert_int_equal(b.err, WEB_EJSON);
  assert_null(wbuf_take(&b, NULL));
}

/* The buffer's own cap still applies under the writer. */
static void test_buffer_cap(void **state) {
  wbuf small;
  jw ws;
  (void)state;
  wbuf_init(&small, 8);
  jw_init(&ws, &small);
  jw_arr(&ws);
  jw_str(&ws, "abc");
  jw_int(&ws, 1);
  assert_int_equal(small.err, 0);
  assert_string_equal(wbuf_str(&small), "[\"abc\",1");
  jw_arr_end(&ws);
  assert_int_equal(small.err, WEB_ETOOBIG);
  wbuf_free(&small);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_scalars, setup, teardown),
      cmocka_unit_test_setup_teardown(test_nested, setup, teardown),
      cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_top_level, setup, teardown),
      cmocka_unit_test_setup_teardown(test_depth, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unbalanced, setup, teardown),
      cmocka_unit_test_setup_teardown(test_buffer_cap, setup, teardown),
  };
  return cmocka_run_group_tests_name("web_json", tests, NULL, NULL);
}
