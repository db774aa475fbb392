#include "data/idx.h"

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace tune {
namespace {

constexpr uint8_t kUnsignedByte = 0x08;
constexpr int kMaxDims = 8;

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw std::runtime_error(path + ": " + message);
}

using GzFile = std::unique_ptr<gzFile_s, int (*)(gzFile)>;

// Whole file, decompressed when it is gzip (zlib passes raw files through unchanged).
std::vector<uint8_t> read_all(const std::string& path) {
  GzFile file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) fail(path, "cannot open the file (missing or unreadable)");
  std::vector<uint8_t> out;
  std::vector<uint8_t> chunk(1 << 20);
  for (;;) {
    int n = gzread(file.get(), chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(file.get(), &code);
      fail(path, std::string("corrupt or truncated gzip data: ") + (msg ? msg : "read error"));
    }
    if (n == 0) break;
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
  }
  // A gzip stream cut short reads as a clean end in some zlib versions; gzerror tells.
  int code = 0;
  const char* msg = gzerror(file.get(), &code);
  if (code != Z_OK && code != Z_STREAM_END)
    fail(path, std::string("corrupt or truncated gzip data: ") + (msg ? msg : "read error"));
  return out;
}

uint32_t big_endian(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void put_big_endian(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

}  // namespace

torch::Tensor read_idx(const std::string& path) {
  std::vector<uint8_t> bytes = read_all(path);
  if (bytes.size() < 4)
    fail(path, "too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)");
  if (bytes[0] != 0 || bytes[1] != 0)
    fail(path, "not an IDX file: the magic number must start with two zero bytes");
  if (bytes[2] != kUnsignedByte)
    fail(path, "unsupported IDX element type " + std::to_string(bytes[2]) +
                   "; only unsigned bytes (8) are supported");
  int ndims = bytes[3];
  if (ndims < 1 || ndims > kMaxDims)
    fail(path, "IDX header declares " + std::to_string(ndims) + " dimensions; allowed 1.." +
                   std::to_string(kMaxDims));
  size_t header = 4 + 4 * static_cast<size_t>(ndims);
  if (bytes.size() < header) fail(path, "truncated IDX header");
  std::vector<int64_t> dims;
  uint64_t count = 1;
  for (int i = 0; i < ndims; ++i) {
    uint32_t d = big_endian(&bytes[4 + 4 * static_cast<size_t>(i)]);
    if (d == 0) fail(path, "IDX dimension " + std::to_string(i) + " is zero");
    dims.push_back(d);
    count *= d;
    if (count > (uint64_t{1} << 40)) fail(path, "IDX dimensions are implausibly large");
  }
  uint64_t have = bytes.size() - header;
  if (have != count)
    fail(path, "IDX header announces " + std::to_string(count) + " data bytes but the file holds " +
                   std::to_string(have) + (have < count ? " (truncated)" : " (trailing data)"));
  auto out = torch::empty(dims, torch::kUInt8);
  std::memcpy(out.data_ptr<uint8_t>(), bytes.data() + header, count);
  return out;
}

void write_idx(const std::string& path, const torch::Tensor& data, bool gzip) {
  if (data.scalar_type() != torch::kUInt8 || data.dim() < 1 || data.dim() > kMaxDims)
    throw std::invalid_argument("write_idx: expected a uint8 tensor with 1.." +
                                std::to_string(kMaxDims) + " dimensions");
  std::vector<uint8_t> out = {0, 0, kUnsignedByte, static_cast<uint8_t>(data.dim())};
  for (int64_t d : data.sizes()) put_big_endian(out, static_cast<uint32_t>(d));
  auto flat = data.contiguous();
  const uint8_t* p = flat.data_ptr<uint8_t>();
  out.insert(out.end(), p, p + flat.numel());
  GzFile file(gzopen(path.c_str(), gzip ? "wb" : "wbT"), gzclose);
  if (!file) fail(path, "cannot open for writing");
  if (gzwrite(file.get(), out.data(), static_cast<unsigned>(out.size())) !=
      static_cast<int>(out.size()))
    fail(path, "write failed");
  if (gzclose(file.release()) != Z_OK) fail(path, "write failed while closing");
}

}  // namespace tune
