/*
** hash.h: the SHA-256 of an input file, so a published result names the
** exact bytes it counted (libsodium; the library itself does no hashing).
*/
#ifndef HUS_HASH_H
#define HUS_HASH_H

#include <stddef.h>

/* Lowercase hex SHA-256 of the file at path into hex[65].  Returns 0, or
** -1 with errno set if the file cannot be read. */
int hus_sha256_file(const char *path, char hex[65]);
/* The same for bytes in memory. */
void hus_sha256_mem(const void *data, size_t len, char hex[65]);

#endif
