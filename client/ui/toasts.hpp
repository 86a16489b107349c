// Notices from the core, shown for a few seconds at the bottom of the
// screen; errors in red and longer, so they are read.
#pragma once

#include <deque>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

class Toasts {
 public:
  void add(const Notice& n, int64_t now_ms);
  void draw(Frame& f);
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }

 private:
  struct Item {
    Notice notice;
    int64_t until_ms = 0;
  };
  std::deque<Item> items_;
};

}  // namespace gw::client::ui
