/* hello_static: a fully static C program (linked with -static) for distroless' static image,
 * which has no libc. Prints the architecture it was built for and the one uname(2) reports,
 * its user and group ids, and a computed result. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__)
static const char built_for[] = "x86_64";
#elif defined(__aarch64__)
static const char built_for[] = "aarch64";
#else
#error "built for amd64 and arm64 only"
#endif

/* The n-th Fibonacci number (fib(0) = 0), iteratively. */
static uint64_t fib(unsigned n) {
  uint64_t a = 0, b = 1;
  for (unsigned i = 0; i < n; i++) {
    uint64_t next = a + b;
    a = b;
    b = next;
  }
  return a;
}

int main(void) {
  struct utsname host;
  if (uname(&host) != 0) {
    perror("uname");
    return 1;
  }
  printf("hello from static C, built for %s, running on %s\n", built_for, host.machine);
  printf("uid=%u gid=%u fib(90)=%" PRIu64 "\n", (unsigned)getuid(), (unsigned)getgid(), fib(90));
  return fflush(stdout) == 0 ? 0 : 1;
}
