#ifndef HELLO_H
#define HELLO_H

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, as "MAJOR.MINOR.PATCH". */
const char *hello_version(void);

/* Writes a greeting for `name` into `out` (at most `len` bytes, NUL-terminated); returns its length. */
int hello_greet(const char *name, char *out, int len);

/* The answer the examples and tests check for. */
int hello_answer(void);

#ifdef __cplusplus
}
#endif

#endif
