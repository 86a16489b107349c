#include "sync/server/page_cache.hpp"

#include <chrono>

#include "shared/tuning.hpp"

namespace gw::sync {
namespace {

size_t size_of(const EncodedPage& p) { return p.json.size() + p.rows.size() * sizeof(EncodedPage::RowEnd); }

}  // namespace

PageCache::PageCache(size_t max_bytes) : max_bytes_(max_bytes) {}

std::shared_ptr<const EncodedPage> PageCache::take(const PageKey& key) {
  std::unique_lock lock(m_);
  auto it = slots_.find(key);
  if (it != slots_.end() && !it->second.page) {
    // Someone is building this very page: wait for it rather than build a twin.
    built_cv_.wait_for(lock, std::chrono::milliseconds(tuning::kPageBuildWaitMs), [&] {
      it = slots_.find(key);
      return it == slots_.end() || it->second.page;
    });
    if (it != slots_.end() && !it->second.page) return nullptr;  // slow builder: build alongside it
  }
  if (it == slots_.end()) {
    slots_.emplace(key, Slot{nullptr, lru_.end()});
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  ++shared_;
  return it->second.page;
}

void PageCache::put(const PageKey& key, std::shared_ptr<const EncodedPage> page) {
  std::lock_guard lock(m_);
  auto [it, fresh] = slots_.try_emplace(key, Slot{nullptr, lru_.end()});
  Slot& slot = it->second;
  if (slot.page) {
    bytes_ -= size_of(*slot.page);
    lru_.erase(slot.lru);
  }
  bytes_ += size_of(*page);
  slot.page = std::move(page);
  lru_.push_front(key);
  slot.lru = lru_.begin();
  ++built_;
  evict_locked();
  built_cv_.notify_all();
}

void PageCache::abandon(const PageKey& key) {
  std::lock_guard lock(m_);
  auto it = slots_.find(key);
  if (it != slots_.end() && !it->second.page) slots_.erase(it);
  built_cv_.notify_all();
}

size_t PageCache::bytes() const {
  std::lock_guard lock(m_);
  return bytes_;
}

void PageCache::evict_locked() {
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    auto it = slots_.find(lru_.back());
    bytes_ -= size_of(*it->second.page);
    slots_.erase(it);
    lru_.pop_back();
  }
}

}  // namespace gw::sync
