// gridwork: the tablet client. A thin main; the app is client/ui/app.hpp.
#include <cstdio>

#include "client/core/i18n.hpp"
#include "client/ui/app.hpp"
#include "client/ui/cli.hpp"

int main(int argc, char** argv) {
  using namespace gw::client;
  auto options = ui::parse_cli(argc, argv);
  if (!options) {
    std::fprintf(stderr, "gridwork: %s\n\n%s", options.error().message.c_str(), ui::usage().c_str());
    return 2;
  }
  if (options->help) {
    std::fputs(ui::usage().c_str(), stdout);
    return 0;
  }
  ui::App app(std::move(*options), find_assets_dir(argv[0]));
  return app.run();
}
