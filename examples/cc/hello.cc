// hello: a small C++ program for distroless' cc image. It uses the image's libstdc++ and
// libgcc_s (strings, containers, algorithms, an exception thrown and caught) and prints the
// architecture it was built for, the one uname(2) reports, and a computed result.
//
// Output goes through stdio: since GCC 13, <iostream> needs std::ios_base_library_init
// (GLIBCXX_3.4.32), which Debian 12's libstdc++ (GCC 12) lacks. :max_symbol_versions_test
// checks the binaries need nothing newer than Debian 12 has.
#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__x86_64__)
static const char kBuiltFor[] = "x86_64";
#elif defined(__aarch64__)
static const char kBuiltFor[] = "aarch64";
#else
#error "built for amd64 and arm64 only"
#endif

namespace {

// The primes below `limit`, by the sieve of Eratosthenes.
std::vector<int> Primes(int limit) {
  std::vector<bool> composite(limit, false);
  std::vector<int> primes;
  for (int n = 2; n < limit; ++n) {
    if (composite[n]) continue;
    primes.push_back(n);
    for (int m = n * n; m < limit; m += n) composite[m] = true;
  }
  return primes;
}

// "a=1 b=2": how often each word occurs, in order.
std::string CountWords(const std::vector<std::string>& words) {
  std::map<std::string, int> counts;
  for (const auto& word : words) ++counts[word];
  std::string text;
  for (const auto& [word, n] : counts) {
    if (!text.empty()) text += ' ';
    text += word + "=" + std::to_string(n);
  }
  return text;
}

}  // namespace

int main() {
  utsname host{};
  if (uname(&host) != 0) {
    std::perror("uname");
    return 1;
  }
  const std::vector<int> primes = Primes(100);
  const long sum = std::accumulate(primes.begin(), primes.end(), 0L);
  std::string caught = "none";
  try {
    (void)primes.at(primes.size());  // one past the end: throws std::out_of_range
  } catch (const std::out_of_range&) {
    caught = "std::out_of_range";
  }
  std::vector<std::string> words = {"distroless", "cc", "distroless"};
  std::sort(words.begin(), words.end());
  std::printf("hello from C++, built for %s, running on %s\n", kBuiltFor, host.machine);
  std::printf("%zu primes below 100, sum %ld; words: %s; caught: %s\n", primes.size(), sum,
              CountWords(words).c_str(), caught.c_str());
  return std::fflush(stdout) == 0 ? 0 : 1;
}
