#pragma once

namespace gw::sync::sim {
int run_cli(int argc, char** argv);
}
