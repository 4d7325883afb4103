/*
** md.c: candidates' statements, Markdown to HTML with cmark 0.30.2 (see
** web.h and docs/design/service.md §8).
**
** Safety comes from cmark's default (safe) rendering: raw HTML becomes
** "<!-- raw HTML omitted -->" and javascript:, vbscript:, file: and most
** data: URLs become empty.  We never pass CMARK_OPT_UNSAFE.  On top of
** that the tree is rewritten before rendering:
**   - every image becomes a text node holding its alt text (the page
**     loads no outside images, and the CSP would block them anyway);
**   - headings 1 and 2 become level 3, since the page owns h1 and h2.
** tests/unit/test_web_md.c and tests/fuzz/fuzz_web_md.c pin this down.
**
** cmark aborts the process when it cannot allocate; its output is
** malloc'd with the default allocator, so the caller frees it with
** free().
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "web.h"

/* Appends the literal text below node (text, code spans, inline HTML,
** and a space for each line break) to b: the image's alt text, as cmark
** itself would write it into alt="...". */
static void alt_text(cmark_node *node, wbuf *b) {
  cmark_iter *it = cmark_iter_new(node);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *n = cmark_iter_get_node(it);
    const char *lit;
    if (ev != CMARK_EVENT_ENTER) continue;
    switch (cmark_node_get_type(n)) {
    case CMARK_NODE_TEXT:
    case CMARK_NODE_CODE:
    case CMARK_NODE_HTML_INLINE:
      lit = cmark_node_get_literal(n);
      if (lit) wbuf_puts(b, lit);
      break;
    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK:
      wbuf_puts(b, " ");
      break;
    default:
      break;
    }
  }
  cmark_iter_free(it);
}

/* Replaces image by a text node of its alt text; returns the new node,
** or NULL (and leaves the tree alone) when out of memory. */
static cmark_node *image_to_text(cmark_node *image) {
  wbuf alt;
  cmark_node *text = NULL;
  wbuf_init(&alt, WBUF_PAGE_MAX); /* alt text is no longer than the input */
  alt_text(image, &alt);
  if (!alt.err) text = cmark_node_new(CMARK_NODE_TEXT);
  if (text && (!cmark_node_set_literal(text, wbuf_str(&alt)) ||
               !cmark_node_replace(image, text))) {
    cmark_node_free(text);
    text = NULL;
  }
  wbuf_free(&alt);
  if (text) cmark_node_free(image);
  return text;
}

/* Walks the tree once, changing containers on their EXIT event (as cmark
** requires).  An image is replaced after any images nested in its alt
** text; the iterator is then moved onto the new node, so it never touches
** the freed one. */
static int rewrite(cmark_node *doc) {
  cmark_iter *it = cmark_iter_new(doc);
  cmark_event_type ev;
  int ok = 1;
  if (!it) return 0;
  while (ok && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *n = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(n);
    if (ev != CMARK_EVENT_EXIT) continue;
    if (t == CMARK_NODE_HEADING && cmark_node_get_heading_level(n) < 3) {
      cmark_node_set_heading_level(n, 3);
    } else if (t == CMARK_NODE_IMAGE) {
      cmark_node *text = image_to_text(n);
      if (text)
        cmark_iter_reset(it, text, CMARK_EVENT_ENTER);
      else
        ok = 0;
    }
  }
  cmark_iter_free(it);
  return ok;
}

char *md_render(const char *markdown, size_t len) {
  cmark_node *doc;
  char *html = NULL;
  if (!markdown) len = 0;
  doc = cmark_parse_document(markdown ? markdown : "", len,
                             CMARK_OPT_VALIDATE_UTF8);
  if (!doc) return NULL;
  if (rewrite(doc)) html = cmark_render_html(doc, CMARK_OPT_DEFAULT);
  cmark_node_free(doc);
  return html;
}

static char renderer[64];
static pthread_once_t renderer_once = PTHREAD_ONCE_INIT;

static void renderer_init(void) {
  snprintf(renderer, sizeof(renderer), "cmark %s", cmark_version_string());
}

/* "cmark 0.30.2": the library actually loaded, not the header's version,
** so an upgrade of libcmark is noticed and statements re-rendered. */
const char *md_renderer(void) {
  pthread_once(&renderer_once, renderer_init);
  return renderer;
}
