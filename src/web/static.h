/*
** static.h: the static files embedded at build time (style.css, the
** scripts), generated into build/gen/static_files.c by tools/embed.c.
** The bytes are const and live for the life of the process.
*/
#ifndef HUS_STATIC_H
#define HUS_STATIC_H

#include <stddef.h>

typedef struct web_static_file {
  const char *path;  /* "/static/style.css" */
  const char *ctype; /* Content-Type */
  const unsigned char *data;
  size_t len;
} web_static_file;

/* Ends with an entry whose path is NULL. */
extern const web_static_file web_static_files[];

#endif
