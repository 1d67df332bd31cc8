// A string-keyed cache holding at most `capacity` values, evicting the least recently used.
// Pointers returned stay valid until their entry is evicted or the cache is cleared. Not
// thread-safe.
//
//   LruCache<Split> cache(4);
//   Split* split = cache.Find(key);
//   if (split == nullptr) split = cache.Insert(key, LoadSplit());
#ifndef DEPTHLAB_WORKER_RUNNER_LRU_CACHE_H_
#define DEPTHLAB_WORKER_RUNNER_LRU_CACHE_H_

#include <algorithm>
#include <list>
#include <string>
#include <utility>

namespace depthlab::worker::runner {

template <typename V>
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(std::max<size_t>(1, capacity)) {}

  // The value under `key` (now the most recently used), or null.
  V* Find(const std::string& key) {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const auto& entry) { return entry.first == key; });
    if (it == entries_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it);
    return &entries_.front().second;
  }

  // Stores `value` under `key` (REQUIRES: absent), evicting the least recently used past capacity.
  V* Insert(const std::string& key, V value) {
    entries_.emplace_front(key, std::move(value));
    while (entries_.size() > capacity_) entries_.pop_back();
    return &entries_.front().second;
  }

  void Clear() { entries_.clear(); }
  size_t size() const { return entries_.size(); }

 private:
  size_t capacity_;
  std::list<std::pair<std::string, V>> entries_;  // most recently used first
};

}  // namespace depthlab::worker::runner

#endif  // DEPTHLAB_WORKER_RUNNER_LRU_CACHE_H_
