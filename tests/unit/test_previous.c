/*
** test_previous.c: the reader of a previous result (--vacate --previous,
** src/cli/previous.c): a real result is read back exactly; broken inputs
** get a clear error naming the file; the fuzz corpus and regressions are
** replayed.
*/
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/cli/previous.c"

static void test_reads_result(void **s) {
  hus_previous p;
  char msg[512];
  (void)s;
  assert_int_equal(hus_previous_read("tests/fuzz/corpus/previous/branch.json",
                                     &p, msg, sizeof(msg)),
                   STV_OK);
  assert_string_equal(p.rules, "scottish");
  assert_int_equal(p.seats, 3);
  assert_int_equal(p.ncand, 8);
  assert_int_equal(p.nelected, 3);
  assert_int_equal(p.elected[0], 1);
  assert_int_equal(p.elected[1], 2);
  assert_int_equal(p.elected[2], 3);
}

static void expect_error(const char *json, const char *want) {
  hus_previous p;
  char msg[512];
  assert_int_equal(hus_previous_parse(json, strlen(json), "p.json", &p, msg,
                                      sizeof(msg)),
                   STV_ESYNTAX);
  if (!strstr(msg, want)) fail_msg("got '%s', expected '%s'", msg, want);
}

static void test_errors(void **s) {
  (void)s;
  expect_error("{\"rules\": \"ers97\",", "p.json:1:18: expected a JSON result");
  expect_error("[1]", "p.json: expected a JSON object");
  expect_error("{\"rules\": \"stv\"}", "expected \"rules\": the name of a rule");
  expect_error("{\"rules\": \"ers97\", \"seats\": 0}", "expected \"seats\"");
  expect_error("{\"rules\": \"ers97\", \"seats\": 2, \"candidates\": [1, 2], "
               "\"elected\": [3]}",
               "candidate numbers within");
  expect_error("{\"rules\": \"ers97\", \"seats\": 2, \"candidates\": [1, 2], "
               "\"elected\": [2, 2]}",
               "each candidate once");
  expect_error("{\"rules\": \"ers97\", \"seats\": 1, \"candidates\": [1, 2], "
               "\"elected\": [1, 2]}",
               "no longer than the seats");
  expect_error("{\"rules\": \"ers97\", \"rules\": \"meek\"}", "p.json:1:");
}

static void replay(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  int n = 0;
  if (!d) fail_msg("%s: missing", dir);
  while ((de = readdir(d))) {
    char path[1024], msg[512];
    hus_previous p;
    stv_status st;
    if (de->d_name[0] == '.') continue;
    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
    st = hus_previous_read(path, &p, msg, sizeof(msg));
    assert_true(st == STV_OK || st == STV_ESYNTAX);
    if (st == STV_OK) assert_true(p.nelected <= p.seats);
    else assert_true(strncmp(msg, path, strlen(path)) == 0);
    n++;
  }
  closedir(d);
  assert_true(n > 0);
}

static void test_corpus(void **s) {
  (void)s;
  replay("tests/fuzz/corpus/previous");
  replay("tests/fuzz/regress/previous");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reads_result),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_corpus),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
