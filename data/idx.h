#pragma once
// The IDX format of MNIST-style datasets (http://yann.lecun.com/exdb/mnist/): a 4-byte magic
// (0, 0, element type, number of dimensions), big-endian uint32 sizes, then the data.
// Only unsigned-byte elements (type 0x08), the type every MNIST-format dataset uses.
// Files may be gzip-compressed or raw; zlib reads both.
#include <torch/torch.h>

#include <string>

namespace tune {

// Reads `path` into a uint8 tensor shaped as the file declares. Throws std::runtime_error
// naming the path and the problem (missing file, bad magic, unsupported type, data shorter
// or longer than the header announces, corrupt gzip stream).
torch::Tensor read_idx(const std::string& path);

// Writes a uint8 tensor as IDX, gzip-compressed when `gzip` (used to build test fixtures and
// to export datasets).
void write_idx(const std::string& path, const torch::Tensor& data, bool gzip);

}  // namespace tune
