// The takeover console (战时接管): for the service centre, the unit grids
// with who would take each over and who works it, starting a takeover (with
// a reason and a confirmation naming the department and its cadres), the
// running ones with how long they have run and an end, the last ended; and
// the peacetime desk (平时网格调整) that moves a user's standing grid. Other
// roles see the running and ended takeovers only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

// "已接管 2小时15分" for a takeover running `elapsed_ms`.
std::string takeover_duration(const Strings& s, int64_t elapsed_ms);

class TakeoverScreen : public Screen {
 public:
  ScreenId id() const override { return ScreenId::takeover; }
  std::string_view title_key() const override { return "takeover.title"; }
  void enter(Frame& f) override;
  void notice(const Notice& n) override;
  void draw(Frame& f) override;
  // Opened from the map on this unit grid: picked, in view, reason empty.
  void preselect(const std::string& unit_grid_id);

 private:
  enum class Section { takeover, reassign };
  // A change waiting for its confirmation.
  struct Ask {
    enum class Kind { start, end, move } kind;
    std::string id;    // the unit grid, takeover or assignment
    std::string arg;   // a start's reason, a move's target grid
    std::string text;  // the question, naming what changes
  };

  void section_tabs(Frame& f);
  void takeover_section(Frame& f, const TakeoverConsole& c);
  void units(Frame& f, const TakeoverConsole& c, float below);  // below: room kept under the list
  void start_form(Frame& f, const TakeoverConsole& c);
  void running(Frame& f, const TakeoverConsole& c, bool can_end);
  void ended(Frame& f, const TakeoverConsole& c);
  void reassign_section(Frame& f, const TakeoverConsole& c);
  void responsibilities(Frame& f, const TakeoverConsole& c);
  void move_form(Frame& f, const TakeoverConsole& c);
  void confirm(Frame& f);
  void probe_state(Frame& f, const TakeoverConsole& c);

  Section section_ = Section::takeover;
  std::string unit_;  // the unit grid picked
  bool scroll_to_unit_ = false;
  std::string reason_;
  std::string assignment_;  // the responsibility picked
  std::string target_;      // the grid it moves to
  std::string filter_;      // narrows the responsibilities by user or grid
  std::optional<Ask> ask_;
};

}  // namespace gw::client::ui
