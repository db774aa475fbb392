#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "data/decoded_cache.h"

namespace tune {
namespace {

constexpr uint8_t kUnsignedByte = 0x08;
constexpr int kMaxDims = 8;

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw std::runtime_error(path + ": " + message);
}

using GzFile = std::unique_ptr<gzFile_s, int (*)(gzFile)>;

// What `path`'s first bytes and trailer say: whether it is gzip, and the size its contents
// announce once decompressed: a gzip file's trailer holds it (modulo 2^32; capped at deflate's
// largest ratio, 1032:1, against a damaged trailer), any other file is its own size (0 when
// unknown).
struct Announced {
  bool gzip = false;
  size_t size = 0;
};

Announced announced(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) return {};
  unsigned char magic[2] = {0, 0}, trailer[4];
  const bool gzip = std::fread(magic, 1, 2, f.get()) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (std::fseek(f.get(), 0, SEEK_END) != 0) return {gzip, 0};
  const long size = std::ftell(f.get());
  if (size < 0) return {gzip, 0};
  if (!gzip) return {false, static_cast<size_t>(size)};
  if (std::fseek(f.get(), -4, SEEK_END) != 0 || std::fread(trailer, 1, 4, f.get()) != 4)
    return {true, 0};
  const size_t size_announced = uint32_t{trailer[0]} | (uint32_t{trailer[1]} << 8) |
                                (uint32_t{trailer[2]} << 16) | (uint32_t{trailer[3]} << 24);
  return {true, std::min(size_announced, static_cast<size_t>(size) * 1032)};
}

// A file's bytes, not zero-filled before they are read (or mapped: data/decoded_cache.h).
struct Bytes {
  std::shared_ptr<uint8_t> data;
  size_t size = 0;
};

std::shared_ptr<uint8_t> new_bytes(size_t size) {
  return std::shared_ptr<uint8_t>(new uint8_t[size], std::default_delete<uint8_t[]>());
}

// Whole file, decompressed when it is gzip (zlib passes raw files through unchanged), read
// straight into a buffer of the size the file announces (grown if it lies).
Bytes read_all(const std::string& path, size_t announced_size) {
  GzFile file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) fail(path, "cannot open the file (missing or unreadable)");
  gzbuffer(file.get(), 1 << 20);
  size_t capacity = std::max<size_t>(announced_size + 1, 1 << 16);
  Bytes out{new_bytes(capacity), 0};
  for (;;) {
    if (out.size == capacity) {  // more than announced: twice the room
      std::shared_ptr<uint8_t> bigger = new_bytes(capacity * 2);
      std::memcpy(bigger.get(), out.data.get(), out.size);
      out.data = std::move(bigger);
      capacity *= 2;
    }
    const size_t room = std::min<size_t>(capacity - out.size, 1u << 30);
    int n = gzread(file.get(), out.data.get() + out.size, static_cast<unsigned>(room));
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(file.get(), &code);
      fail(path, std::string("corrupt or truncated gzip data: ") + (msg ? msg : "read error"));
    }
    if (n == 0) break;
    out.size += static_cast<size_t>(n);
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

// The IDX tensor in `file`, which was read from `path`; the tensor keeps the buffer rather
// than a copy of it.
torch::Tensor parse_idx(const Bytes& file, const std::string& path) {
  const uint8_t* bytes = file.data.get();
  if (file.size < 4)
    fail(path, "too short for an IDX header (" + std::to_string(file.size) + " bytes)");
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
  if (file.size < header) fail(path, "truncated IDX header");
  std::vector<int64_t> dims;
  uint64_t count = 1;
  for (int i = 0; i < ndims; ++i) {
    uint32_t d = big_endian(&bytes[4 + 4 * static_cast<size_t>(i)]);
    if (d == 0) fail(path, "IDX dimension " + std::to_string(i) + " is zero");
    dims.push_back(d);
    count *= d;
    if (count > (uint64_t{1} << 40)) fail(path, "IDX dimensions are implausibly large");
  }
  uint64_t have = file.size - header;
  if (have != count)
    fail(path, "IDX header announces " + std::to_string(count) + " data bytes but the file holds " +
                   std::to_string(have) + (have < count ? " (truncated)" : " (trailing data)"));
  std::shared_ptr<uint8_t> owner = file.data;
  return torch::from_blob(
      owner.get() + header, dims, [owner](void*) {}, torch::kUInt8);
}

}  // namespace

torch::Tensor read_idx(const std::string& path) {
  const Announced announced_file = announced(path);
  std::optional<std::string> copy;
  if (announced_file.gzip) copy = decoded_copy_path(path);
  if (copy) {
    if (std::optional<MappedFile> mapped = map_file(*copy)) {
      try {
        return parse_idx({mapped->data, mapped->size}, path);
      } catch (const std::runtime_error&) {
        // A damaged copy: decoded afresh below, and replaced.
      }
    }
  }
  Bytes file = read_all(path, announced_file.size);
  torch::Tensor out = parse_idx(file, path);  // a file that is no IDX leaves no copy
  if (copy) write_decoded_copy(*copy, file.data.get(), file.size);
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
