// The gridwork-demo command line: writes the demo park into a new SQLite
// file, prints it as JSON lines, or summarises an existing file.
#pragma once

namespace gw::demo {

// Exit codes: 0 done, 1 I/O or SQLite failure, 2 bad usage.
int run_cli(int argc, char** argv);

}  // namespace gw::demo
