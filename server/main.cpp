// gridwork-server: the sync server. See `gridwork-server --help`.
#include "server/cli.hpp"

// Read only by LeakSanitizer (the test build). cpprestsdk 2.10 loses an
// object of its own now and then when the listener closes soon after it
// opened (its server-api teardown races the exit, cpprestsdk issue 1366):
// seen once in the disk-full test's quick start-and-stop, an 80-byte leak
// wholly inside libcpprest. Leaks in Gridwork's handlers would still grow
// the server's memory, which ./dev soak measures (flat over 150k requests).
extern "C" const char* __lsan_default_suppressions() { return "leak:libcpprest.so\n"; }

int main(int argc, char** argv) { return gw::server::run_cli(argc, argv); }
