#include "data/cache.h"

#include "data/load.h"

namespace tune {

std::shared_ptr<const Dataset> DatasetCache::get(const Json& data_section,
                                                 const std::string& device,
                                                 const std::string& where) {
  std::string key = data_section.dump() + "@" + device;
  std::promise<std::shared_ptr<const Dataset>> promise;
  Entry entry;
  bool owner = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      entry = it->second;
    } else {
      entry = promise.get_future().share();
      entries_.emplace(key, entry);
      owner = true;
    }
  }
  if (!owner) return entry.get();
  // Loaded outside the lock, so other datasets and devices are not held up.
  try {
    promise.set_value(load(data_section, device, where));
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      entries_.erase(key);
    }
    promise.set_exception(std::current_exception());
  }
  return entry.get();
}

std::shared_ptr<const Dataset> DatasetCache::load(const Json& data_section,
                                                  const std::string& device,
                                                  const std::string& where) {
  torch::Device target(device);
  if (target.is_cpu()) return std::make_shared<const Dataset>(load_dataset(data_section, where));
  // Another device: start from the CPU copy (read once) and place it there once.
  auto host = get(data_section, "cpu", where);
  return std::make_shared<const Dataset>(host->to(target));
}

size_t DatasetCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace tune
