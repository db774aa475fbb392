#pragma once
// Datasets shared by the trials of one process: each data section is read once, and placed on
// each device once, however many workers ask at the same time. Thread-safe.
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/json.h"
#include "data/dataset.h"

namespace tune {

class DatasetCache {
 public:
  // The dataset `data_section` describes, on `device` ("cpu", "cuda:1"). The first caller for
  // a (section, device) pair loads it; others wait for that load and share the result. A load
  // that throws is not cached: the exception reaches every waiting caller, and the next call
  // tries again. `where` names the section in errors.
  std::shared_ptr<const Dataset> get(const Json& data_section, const std::string& device,
                                     const std::string& where);

  // Number of (section, device) entries held, for tests.
  size_t size() const;

 private:
  using Entry = std::shared_future<std::shared_ptr<const Dataset>>;
  std::shared_ptr<const Dataset> load(const Json& data_section, const std::string& device,
                                      const std::string& where);

  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace tune
