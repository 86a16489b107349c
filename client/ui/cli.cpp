#include "client/ui/cli.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string_view>

#include "client/ui/screen.hpp"

namespace gw::client::ui {

std::string usage() {
  return R"(usage: gridwork --server URL --data DIR [options]

The Gridwork (网格通) tablet client: patrols, visits, cases, offline first.

  --server URL        sync server, e.g. http://127.0.0.1:8080 (stored in DIR)
  --data DIR          this device's data: replica, key, account, settings
  --ca-file FILE      also trust this PEM CA or certificate for an https server
                      (e.g. the server's self-signed one) besides the system's CAs
  --gpsd HOST:PORT    location from gpsd, e.g. 127.0.0.1:2947 (default: off, no
                      location; records save without a fix)
  --user NAME         sign in at start (with --password)
  --password PW
  --lang zh_CN|en     interface language (default: the stored setting, zh_CN)
  --size WxH          window size (default 1280x800)
  --screenshot FILE   sign in, sync, render --screen, write a PNG, exit 0
  --screen NAME       login|home|patrol|visit|cases|case|case_new|settings|
                      takeover|map|conflicts|kpi|dispatch|hotline|photo|camera
                      (photo: the first case's newest picture full screen;
                      camera: the camera's live picture, needs no --user)
  --camera DEVICE     the camera for 拍照, e.g. /dev/video2 (default: the
                      first V4L2 capture device, if any)
  --drop FILE         drop FILE on the window as a desktop's drag and drop would,
                      once --screen (default case) is up: a photo for the case
                      shown or the form open; with --screenshot, before the picture
  --bench             benchmark run: first frame, scroll the visit list, report
  --bench-frames N    frames to time in --bench (default 600)
  --bench-map         benchmark run of the map: every grid, 1,000 pins and a
                      day's tracks, panning; reports frame times
  --replay WORKER:DAY the map's 轨迹回放 first shows this worker (a sign-in
                      such as worker04, a user id or a name; empty: the first
                      listed) on DAY (YYYY-MM-DD; empty: today), e.g. with
                      --screen map --screenshot
  --verbose           log screens and notices to stderr
  --help              this text

Environment: GRIDWORK_UI_PROBE=FILE writes the named widgets' rectangles to
FILE for tests; GRIDWORK_ASSETS=DIR overrides the assets folder.
)";
}

namespace {

bool parse_size(std::string_view s, int* w, int* h) {
  return std::sscanf(std::string(s).c_str(), "%dx%d", w, h) == 2 && *w >= 320 && *h >= 240 && *w <= 8192 &&
         *h <= 8192;
}

}  // namespace

Result<Options> parse_cli(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](std::string* out) -> Status {
      if (i + 1 >= argc) return Error{Code::invalid, std::string(a) + " needs a value"};
      *out = argv[++i];
      return Status::ok();
    };
    Status st;
    std::string tmp;
    if (a == "--help" || a == "-h") o.help = true;
    else if (a == "--server") st = value(&o.server);
    else if (a == "--data") st = value(&o.data);
    else if (a == "--ca-file") st = value(&o.ca_file);
    else if (a == "--gpsd") st = value(&o.gpsd);
    else if (a == "--user") st = value(&o.user);
    else if (a == "--password") st = value(&o.password);
    else if (a == "--lang") st = value(&o.lang);
    else if (a == "--screenshot") st = value(&o.screenshot);
    else if (a == "--screen") st = value(&o.screen);
    else if (a == "--drop") st = value(&o.drop);
    else if (a == "--camera") st = value(&o.camera);
    else if (a == "--bench") o.bench = true;
    else if (a == "--bench-map") o.bench = o.bench_map = true;
    else if (a == "--replay") st = value(&o.replay);
    else if (a == "--verbose") o.verbose = true;
    else if (a == "--size") {
      st = value(&tmp);
      if (st && !parse_size(tmp, &o.width, &o.height)) st = Error{Code::invalid, "--size wants WxH, e.g. 1280x800"};
    } else if (a == "--bench-frames") {
      st = value(&tmp);
      if (st) o.bench_frames = std::max(10, std::atoi(tmp.c_str()));
    } else {
      return Error{Code::invalid, "unknown option " + std::string(a)};
    }
    if (!st) return st.error();
  }
  if (o.help) return o;
  if (o.data.empty()) return Error{Code::missing, "--data DIR is required"};
  if (!o.lang.empty() && o.lang != "zh_CN" && o.lang != "en") return Error{Code::bad_enum, "--lang is zh_CN or en"};
  if (!o.ca_file.empty() && !std::ifstream(o.ca_file))
    return Error{Code::not_found, "cannot read the --ca-file " + o.ca_file};
  if (o.user.empty() != o.password.empty()) return Error{Code::missing, "--user and --password go together"};
  if (!o.drop.empty() && o.screen.empty()) o.screen = "case";
  if (!o.screenshot.empty()) {
    if (o.screen.empty()) o.screen = "home";
    if (!screen_from_name(o.screen)) return Error{Code::bad_enum, "unknown --screen " + o.screen};
    if (o.screen != "login" && o.screen != "camera" && o.user.empty())
      return Error{Code::missing, "--screenshot needs --user and --password"};
  } else if (!o.screen.empty() && !screen_from_name(o.screen)) {
    return Error{Code::bad_enum, "unknown --screen " + o.screen};
  }
  return o;
}

}  // namespace gw::client::ui
