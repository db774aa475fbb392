#pragma once
// Decoded copies of gzip-compressed dataset files. Inflating Fashion-MNIST's training images
// takes 0.15 s, most of a short study's start; their decoded copy is mapped in a few
// milliseconds. Copies live in TUNE_CACHE_DIR, else $XDG_CACHE_HOME/tune, else
// $HOME/.cache/tune (in idx/), named by the source's file name and a hash of its full path,
// size, modification time, device and inode: a source that changes is decoded afresh under
// another name. TUNE_CACHE_DIR=off (or set empty) turns the cache off. The cache never stops a
// read: a copy that cannot be written or read is skipped.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace tune {

// Where `source`'s decoded copy belongs, whether or not it is there yet; nullopt when the
// cache is off or `source` cannot be examined.
std::optional<std::string> decoded_copy_path(const std::string& source);

// A file's bytes, mapped privately (writes stay in this process); the mapping lasts as long
// as `data` or a copy of it.
struct MappedFile {
  std::shared_ptr<uint8_t> data;
  size_t size = 0;
};

// `path` mapped, or nullopt when it is missing, empty or unreadable.
std::optional<MappedFile> map_file(const std::string& path);

// Writes `size` bytes as `path`, whole or not at all (a temporary file renamed into place);
// false when it cannot.
bool write_decoded_copy(const std::string& path, const uint8_t* data, size_t size);

}  // namespace tune
