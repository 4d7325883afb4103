/*
** fuzz_web_md.c: libFuzzer target for candidates' statements rendered by
** src/web/md.c (cmark, safe mode, images to alt text, headings >= h3;
** tests/fuzz/build.sh).
**
** The output is read as the small HTML subset cmark writes, and any
** surprise aborts:
**  - no "<script" anywhere (any case);
**  - every '<' opens "<!-- raw HTML omitted -->" or a tag from the list
**    below (so no img, no h1/h2, no raw HTML), with only the attributes
**    href, title, class and start, each written name="value"; no '>'
**    outside a tag;
**  - no href begins with a javascript:, vbscript:, file: or data: scheme
**    (any case; data:image/png, gif, jpeg and webp are allowed, as cmark
**    allows them), and no href holds a space, a control or an entity other
**    than &amp; or &#x27;, so a browser reads the same scheme we checked;
**  - the output is valid UTF-8 when the input is.
** "javascript:" may still appear as text (a paragraph that mentions it,
** or an autolink's visible text): it is escaped text there, harmless, so
** it is checked only where a browser would follow it.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const tags[] = {
    "p",  "em", "strong", "a",  "code", "pre", "blockquote", "ul", "ol",
    "li", "h3", "h4",     "h5", "h6",   "hr",  "br",         NULL};
static const char *const attrs[] = {"href", "title", "class", "start", NULL};

static int in_list(const char *const *list, const char *s, size_t n) {
  for (; *list; list++)
    if (strlen(*list) == n && memcmp(*list, s, n) == 0) return 1;
  return 0;
}

static int has_ci(const char *s, const char *needle) {
  size_t n = strlen(needle);
  for (; *s; s++)
    if (strncasecmp(s, needle, n) == 0) return 1;
  return 0;
}

static int starts_ci(const char *s, size_t n, const char *prefix) {
  size_t k = strlen(prefix);
  return n >= k && strncasecmp(s, prefix, k) == 0;
}

/* href values: no dangerous scheme, and nothing a browser would strip
** or decode before reading the scheme (spaces, controls, entities). */
static void check_href(const char *v, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    if ((unsigned char)v[i] <= 0x20 || v[i] == 0x7f) abort();
    if (v[i] == '&' && !starts_ci(v + i, n - i, "&amp;") &&
        !starts_ci(v + i, n - i, "&#x27;"))
      abort();
  }
  if (starts_ci(v, n, "javascript:") || starts_ci(v, n, "vbscript:") ||
      starts_ci(v, n, "file:"))
    abort();
  if (starts_ci(v, n, "data:") && !starts_ci(v, n, "data:image/png") &&
      !starts_ci(v, n, "data:image/gif") &&
      !starts_ci(v, n, "data:image/jpeg") &&
      !starts_ci(v, n, "data:image/webp"))
    abort();
}

/* Checks the tag at s (s[0] == '<'); returns the byte after it. */
static const char *check_tag(const char *s) {
  static const char omitted[] = "<!-- raw HTML omitted -->";
  const char *p = s + 1, *name;
  if (strncmp(s, omitted, sizeof(omitted) - 1) == 0)
    return s + sizeof(omitted) - 1;
  if (*p == '/') p++;
  for (name = p; (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'); p++) {}
  if (!in_list(tags, name, (size_t)(p - name))) abort();
  for (;;) {
    const char *an, *v;
    size_t alen;
    if (*p == '>') return p + 1;
    if (p[0] == ' ' && p[1] == '/' && p[2] == '>') return p + 3;
    if (*p++ != ' ') abort();
    for (an = p; *p >= 'a' && *p <= 'z'; p++) {}
    alen = (size_t)(p - an);
    if (!in_list(attrs, an, alen)) abort();
    if (p[0] != '=' || p[1] != '"') abort();
    v = p += 2;
    while (*p && *p != '"' && *p != '<' && *p != '>') p++;
    if (*p != '"') abort();
    if (alen == 4 && memcmp(an, "href", 4) == 0)
      check_href(v, (size_t)(p - v));
    p++;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s;
  char *html = md_render((const char *)data, size);
  if (!html) abort(); /* only out of memory, and cmark aborts first */
  if (has_ci(html, "<script")) abort();
  /* text has < and > escaped: every raw one belongs to a tag */
  for (s = html; *s;) {
    if (*s == '>') abort();
    s = *s == '<' ? check_tag(s) : s + 1;
  }
  if (utf8_valid((const char *)data, size) &&
      !utf8_valid(html, strlen(html)))
    abort();
  free(html);
  return 0;
}
