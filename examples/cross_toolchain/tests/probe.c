/* probe: a dynamically linked program for the test of max_symbol_versions_test.sh. */
#include <stdio.h>

int main(void) { return puts("probe") == EOF; }
