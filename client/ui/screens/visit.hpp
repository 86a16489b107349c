// A visit (走访): find the household or enterprise (search and kind filter
// over the whole replica, ~15,000 rows, clipped so it stays smooth), pick
// it, say why and what was found, plan a follow-up, save. The picked one's
// registration (地址, 户主, 人数, 联系人 ...) is corrected in place of the
// form: its fields as the tablet holds them, the contested ones marked, and
// a warning above 保存 when an admin has yet to decide the record. Up to
// nine photos go with the visit (添加照片, or files dropped on the window).
// Past visits are not listed on this screen (TargetDetail carries none),
// so it shows no visit thumbnails: they wait for a list of past visits.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/ui/location_line.hpp"
#include "client/ui/photo_widgets.hpp"
#include "client/ui/screen.hpp"

namespace gw::client::ui {

class VisitScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::visit; }
  std::string_view title_key() const override { return "visit.title"; }
  void enter(Frame& f) override;
  void draw(Frame& f) override;
  // The outcome of a registration edit: saved closes the panel, refused keeps it.
  void notice(const Notice& n) override;
  // A photo dropped while someone is picked: the visit's, saved with it.
  bool drop(Frame& f, const std::string& path) override;
  // For the benchmark: scroll the list by this many pixels each frame.
  void set_auto_scroll(float px) { auto_scroll_ = px; }
  // For screenshots: the form as it looks with someone picked.
  void pick(const TargetItem& t) { picked_ = t; }

 private:
  void search_bar(Frame& f);
  void target_list(Frame& f, const TargetList* list);
  void form(Frame& f);
  void residents(Frame& f);
  void past_visits(Frame& f);
  void save(Frame& f);
  void open_edit(Frame& f);
  void edit_panel(Frame& f);
  std::string edit_warning(Frame& f) const;
  static float warning_wrap(Frame& f, float width);
  void edit_footer(Frame& f, const std::string& warning, int changes, bool missing);
  void save_edit(Frame& f);
  void follow_picked(Frame& f);

  // One registered field being corrected.
  struct EditField {
    std::string column;
    std::string original, value;  // as the tablet held it when the panel opened; as typed
    bool required = false, number = false, multiline = false;
    bool contested = false;  // an open conflict on this field
  };
  struct Edit {
    std::string kind, id;
    bool loaded = false;        // the fields came from the record's snapshot
    // The record the snapshot held when asked: not the answer (held, so no
    // new one can take its address).
    std::shared_ptr<const RecordConflicts> stale;
    std::vector<EditField> fields;
    bool saving = false;        // posted, waiting for the core's word
    std::string error_key, error_detail;  // the core refused the last save
  };

  std::string text_, kind_;
  int64_t edited_at_ = 0;  // search typed, not yet sent: wait for a pause
  TargetItem picked_;
  bool viewing_ = false;  // a past visit's picture is up: coming back keeps the form as it was
  const void* seen_targets_ = nullptr;  // the list picked_ was last refreshed from
  std::optional<Edit> edit_;
  std::string purpose_ = "routine", notes_, needs_;
  int follow_up_days_ = 0;
  std::vector<PhotoSource> photos_;  // for the visit being written
  PhotoPicker picker_{"visit"};
  LocationLine location_{"visit"};
  std::optional<geo::Fix> fix_;  // where the visit is made: the tablet's fix or a pin placed on the map
  bool show_photos_ = false;  // a file was dropped: scroll the form to its list
  float auto_scroll_ = 0;
};

}  // namespace gw::client::ui
