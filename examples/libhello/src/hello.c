#include <stdio.h>
#include "hello.h"

#ifndef HELLO_VERSION
#define HELLO_VERSION "1.0.0"
#endif

#ifndef HELLO_ANSWER
#define HELLO_ANSWER 42
#endif

const char *hello_version(void) { return HELLO_VERSION; }

int hello_greet(const char *name, char *out, int len) {
  return snprintf(out, (size_t)len, "hello, %s, from libhello %s", name, HELLO_VERSION);
}

int hello_answer(void) { return HELLO_ANSWER; }
