#pragma once

namespace gw::server {
// gridwork-server's command line: serve, or the user and device commands.
int run_cli(int argc, char** argv);
}
