// What every screen is given for a frame, and what a screen is. A screen
// draws from the snapshot and posts requests to the core; it owns only the
// state of its own inputs (text being typed, the row picked).
#pragma once

#include <imgui.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "client/core/client_core.hpp"
#include "client/core/i18n.hpp"
#include "client/ui/probe.hpp"

namespace gw::client::ui {

class PhotoTextures;

enum class ScreenId {
  login, home, patrol, visit, cases, case_detail, case_new, settings, takeover, conflicts, kpi, dispatch, hotline, map,
  photo, camera,
};

// The names of DESIGN §10's --screen option, also the probe's screen line.
std::string_view screen_name(ScreenId id);
std::optional<ScreenId> screen_from_name(std::string_view name);

class Nav {
 public:
  virtual ~Nav() = default;
  virtual void go(ScreenId id) = 0;  // pushes
  virtual void back() = 0;
  virtual void home() = 0;           // clears the stack down to home
  // Pushes a screen set up for one thing, as another screen asks: the cases
  // of a grid (the map's 查看事件), the console with a unit grid picked (发起接管).
  virtual void go_cases(const CaseFilter& filter) = 0;
  virtual void go_takeover(const std::string& unit_grid_id) = 0;
};

// The camera screen's way back to the form that opened it (issue 22): a
// PhotoPicker's 拍照 names the picker here and goes to the camera; a still
// used there (使用) waits here until that picker takes it.
struct CameraDesk {
  std::string device;                  // the camera to use; empty: none, so no 拍照
  std::string asked_by;                // the picker that opened the camera screen
  std::shared_ptr<const Photo> still;  // used, not yet taken by asked_by
};

// The map's pick mode (issue 23): a form's 在地图上标注 names itself here
// and opens the map, which places or moves one pin and, on 使用此位置,
// leaves the fix here for that form; back there the form is not entered
// again, so what was typed is kept (as from the camera).
struct MapPickDesk {
  std::string asked_by;            // the form picking; empty: the map is not in pick mode
  std::optional<geo::Fix> start;   // the pin the map opens with (the form's fix so far)
  std::optional<geo::Fix> placed;  // used (使用此位置), not yet taken by the form
  std::string placed_for;          // that form (asked_by is cleared as the map goes)
};

struct Frame {
  ClientCore& core;
  const Strings& s;
  const Snapshot& snap;
  Probe& probe;
  Nav& nav;
  int64_t now_ms;
  float scale;  // pixels per design pixel (1 at 800 px height)
  PhotoTextures* photos = nullptr;  // evidence photos as textures (photo_textures.hpp)
  float pinch = 0.0f;  // two fingers spread (> 0) or closed since the last frame: SDL's dDist
  CameraDesk* camera = nullptr;  // the tablet's camera and the still on its way to a form
  MapPickDesk* map_pick = nullptr;  // a form's pin on its way from the map
  ImVec2 drag{0, 0};  // px the pointer moved with the button (a finger) down since the last frame
};

class Screen {
 public:
  virtual ~Screen() = default;
  virtual ScreenId id() const = 0;
  virtual std::string_view title_key() const = 0;
  // Navigated to: ask the core for what the screen shows.
  virtual void enter(Frame&) {}
  // A notice from the core while this screen is up: the outcome of what it
  // asked for (a form waiting for its record's id). Shown as a toast anyway.
  virtual void notice(const Notice&) {}
  // A file dropped on the window (SDL_DROPFILE) while this screen is up: a
  // photo for what the screen shows. False: not taken here (a toast says so).
  virtual bool drop(Frame&, const std::string& /*path*/) { return false; }
  virtual void draw(Frame& f) = 0;
};

}  // namespace gw::client::ui
