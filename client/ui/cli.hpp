// The command line of `gridwork` (DESIGN §10).
#pragma once

#include <string>

#include "shared/error.hpp"

namespace gw::client::ui {

struct Options {
  std::string server, data, user, password, lang;
  std::string ca_file;  // PEM also trusted for an https server (a self-signed one's certificate)
  std::string gpsd;     // HOST:PORT of gpsd for the tablet's location; empty: off
  int width = 1280, height = 800;
  std::string screenshot, screen;  // write a PNG of that screen and exit
  std::string drop;                // a file dropped on the window once --screen is up (tests)
  std::string camera;              // the V4L2 device for 拍照; empty: the first found
  bool bench = false;              // the benchmark's run: start, scroll, report, exit
  bool bench_map = false;          // with bench: the map with 1,000 pins and a day's tracks instead
  std::string replay;              // --screen map: a supervisor's replay first, WORKER:DAY
  int bench_frames = 600;
  bool verbose = false;
  bool help = false;
};

Result<Options> parse_cli(int argc, char** argv);
std::string usage();

}  // namespace gw::client::ui
