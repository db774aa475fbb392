#pragma once
// File helpers the test programs share (tests/support holds headers only; no test program is
// built from it).
#include <fstream>
#include <sstream>
#include <string>

namespace tune::testing {

// The whole file as bytes ("" when it cannot be read).
inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace tune::testing
