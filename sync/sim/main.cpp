// gridwork-sim: runs the deterministic sync simulation over many seeds.
#include "sync/sim/cli.hpp"

int main(int argc, char** argv) { return gw::sync::sim::run_cli(argc, argv); }
