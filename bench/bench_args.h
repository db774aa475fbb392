#pragma once
// What the benchmarks share: the command line, printed first so that every figure below it
// carries the command that measured it.
#include <cstdio>
#include <string>

namespace tune::bench {

inline void print_command(int argc, char** argv) {
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  std::printf("%s\n", command.c_str());
}

}  // namespace tune::bench
