/* id_static: prints who and where a process in the image is: uid, gid, working directory and
 * HOME. Statically linked, so that it runs in every image, even static ones without a libc. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  char cwd[4096];
  const char *home = getenv("HOME");
  if (getcwd(cwd, sizeof cwd) == NULL) {
    perror("getcwd");
    return 1;
  }
  printf("uid=%d gid=%d cwd=%s home=%s\n", (int)getuid(), (int)getgid(), cwd, home ? home : "");
  return 0;
}
