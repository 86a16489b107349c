// gridwork-demo: writes the demo park into a SQLite file, or summarises one.
#include "shared/demo/cli.hpp"

int main(int argc, char** argv) { return gw::demo::run_cli(argc, argv); }
