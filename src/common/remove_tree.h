#pragma once
// Removes a directory and everything below it, like `rm -rf`.
//
// Not std::filesystem::remove_all: PyTorch's wheels export their own statically linked copy of
// libstdc++'s std::filesystem symbols (pytorch/pytorch#133437), and in a program linked with
// such a LibTorch, remove_all(path, error_code&) binds to that copy and crashes (seen with
// torch 2.11 on the GPU machine). This uses POSIX nftw instead.
#include <string>

namespace tune {

// True when `path` no longer exists afterwards; never throws.
bool remove_tree(const std::string& path);

}  // namespace tune
