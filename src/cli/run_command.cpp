// Placeholder until the owning change lands.
#include <iostream>

#include "cli/cli.h"

namespace tune::cli {
int run_command(const Args&) {
  std::cerr << "tune: 'run' is not built yet\n";
  return 1;
}
}  // namespace tune::cli
