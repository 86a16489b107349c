// gridwork-server: the sync server. See `gridwork-server --help`.
#include "server/cli.hpp"

int main(int argc, char** argv) { return gw::server::run_cli(argc, argv); }
