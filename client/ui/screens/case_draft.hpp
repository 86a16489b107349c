// The form a new case is filled in on, shared by 上报事件 (case_form) and
// 民声热线受理 (hotline): grid, category picked by major class then minor
// class, severity, title, location, description, photos (现场照片). Owns the draft and the
// major class being picked; probe ids start with the screen's prefix.
#pragma once

#include <functional>
#include <string>

#include "client/ui/location_line.hpp"
#include "client/ui/photo_widgets.hpp"
#include "client/ui/screen.hpp"

namespace gw::client::ui {

class CaseDraftEditor {
 public:
  explicit CaseDraftEditor(std::string prefix) : prefix_(std::move(prefix)) {}

  // A blank draft from `source` (patrol, hotline...).
  void reset(std::string source);
  NewCase& draft() { return draft_; }
  // A photo dropped on the form; false when the draft has nine.
  bool add_photo(const std::string& path) { return ui::add_photo(&draft_.photos, path); }

  // Where and what on the left, `top` (the screen's own fields) then the
  // details on the right, the save button below. True when save was tapped
  // and the draft is complete; otherwise the missing part is shown.
  bool draw(Frame& f, const Catalog& cat, const std::function<void()>& top, bool with_parties,
            const std::string& save_label);

 private:
  void where_and_what(Frame& f, const Catalog& cat);
  // The grid under the fix, suggested while the worker has not chosen one;
  // a warning when the fix lies outside every grid of theirs.
  void grid_from_fix(Frame& f, const Catalog& cat);
  void details(Frame& f, bool with_parties);
  std::string id(std::string_view part) const { return prefix_ + "." + std::string(part); }
  // The i18n key of what the draft still lacks, empty when it can be saved.
  std::string missing_key() const;

  std::string prefix_;
  NewCase draft_;
  std::string major_;
  std::string problem_key_;  // why the last save was refused, empty when fine
  PhotoPicker picker_{prefix_};
  LocationLine location_{prefix_};
  bool grid_chosen_ = false;  // the worker picked the grid: a fix no longer suggests one
};

}  // namespace gw::client::ui
