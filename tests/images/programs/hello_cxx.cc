// hello_cxx: the image's C++ runtime (libstdc++, libgcc_s for the exception) at work.
// Writes through a filebuf on file descriptor 1 rather than std::cout: since GCC 13,
// <iostream> references std::ios_base_library_init (GLIBCXX_3.4.32), which Debian 12's
// libstdc++ lacks; the stream machinery used here is the same.
#include <ext/stdio_filebuf.h>

#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

static std::string describe(const std::vector<std::string>& words) {
  std::map<std::string, int> counts;
  for (const auto& word : words) counts[word]++;
  std::ostringstream text;
  for (const auto& [word, n] : counts) text << word << "=" << n << " ";
  return text.str();
}

int main() {
  __gnu_cxx::stdio_filebuf<char> stdout_buffer(1, std::ios::out);
  std::ostream out(&stdout_buffer);
  try {
    throw std::runtime_error("caught");
  } catch (const std::exception& error) {
    out << "exception " << error.what() << "\n";
  }
  out << "hello from libstdc++: " << describe({"b", "a", "b"}) << std::endl;
  return out.good() ? 0 : 1;
}
