// A grid bucket's pull page, built and encoded once and handed to everyone
// who asks for the same rows. When a takeover lands, fifty cadres of the
// department pull the same unit grid from cursor 0 within a second; the
// server should pay for one page, not fifty (issue 21).
//
// A page is found by what decides its bytes: the bucket, the cursor and
// `since` it starts from, the row limit, the bucket's head seq in the
// reader's snapshot (a row written to the bucket takes a new seq past the
// head, so a page from before any write is never found), and the reader's
// roles (what hidden_columns hides depends on them). A row moved out of the
// bucket leaves the head where it was: whoever takes a page counts the
// bucket's changes in the page's range in its own snapshot and builds
// afresh when they differ. Pages are built for anyone of the reader's
// roles; a reader who sees one of a page's guarded rows differently (a
// confidential case's reporter) gets a page of its own, not kept.
//
// Fifty requests that miss at once would build fifty pages: the first
// builds, the others wait for it (single flight), bounded, and build for
// themselves if the builder gives up.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace gw::sync {

struct EncodedPage {
  struct RowEnd {
    size_t bytes = 0;    // where the row's patches end in `json`
    size_t patches = 0;  // patches up to and including this row
    int64_t seq = 0;     // the row's change seq: the cursor after it
  };
  std::string json;           // the patches, comma-separated, as encode() writes them
  std::vector<RowEnd> rows;   // one per row taken from the bucket
  bool more = false;          // the bucket had rows past the last one
  // Rows with columns hidden from the page's readers: a reader who may see
  // more of one (its reporter) takes a page of its own.
  std::vector<std::pair<size_t, std::string>> guarded;  // table index, row id
};

struct PageKey {
  std::string bucket;
  int64_t cursor = 0, since = 0, limit = 0, head = 0;
  int view = 0;
  auto tie() const { return std::tie(bucket, cursor, since, limit, head, view); }
  bool operator<(const PageKey& o) const { return tie() < o.tie(); }
};

class PageCache {
 public:
  explicit PageCache(size_t max_bytes);

  // The page for `key`, waiting for a build of it already under way. Null:
  // the caller builds it and must then call put() or abandon(), exactly once.
  std::shared_ptr<const EncodedPage> take(const PageKey& key);
  void put(const PageKey& key, std::shared_ptr<const EncodedPage> page);
  void abandon(const PageKey& key);  // built nothing worth keeping (or failed)

  int64_t built() const { return built_; }
  int64_t shared() const { return shared_; }
  size_t bytes() const;

 private:
  struct Slot {
    std::shared_ptr<const EncodedPage> page;  // null while building
    std::list<PageKey>::iterator lru;
  };
  void evict_locked();

  const size_t max_bytes_;
  mutable std::mutex m_;
  std::condition_variable built_cv_;
  std::map<PageKey, Slot> slots_;
  std::list<PageKey> lru_;  // front: most recently used
  size_t bytes_ = 0;
  std::atomic<int64_t> built_{0}, shared_{0};
};

}  // namespace gw::sync
