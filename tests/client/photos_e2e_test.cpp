// Evidence photos end to end (issue 22) on the real server: a worker
// reports a case offline with three photos; the link comes back through
// the fault proxy, first carrying only small requests, then cutting every
// photo chunk mid-body, then at random; the zone chief's tablet sees the
// case at once with its photos pending (照片上传中), then the thumbnails,
// then opens a picture — the bytes the worker's tablet made of the file.
// Neither tablet holds a photo byte in clear.
#include <doctest/doctest.h>
#include <stb_image_write.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "client/core/photo.hpp"
#include "shared/rng.hpp"
#include "tests/client/core_fixture.hpp"
#include "tests/support/fault_proxy.hpp"
#include "tests/support/server_process.hpp"

using namespace gw;
using namespace gw::test;
using client::NewCase;
using client::PhotoViewer;

namespace {

void append(void* ctx, void* data, int size) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

// A camera's photo as far as size goes: 2,400 x 1,800, its colour changing
// every 12 px and grain on top, so the kept 1,280 px picture spans several
// upload chunks and even its thumbnail is larger than the first link below
// lets through.
std::string camera_file(const std::string& dir, int n) {
  const int w = 2400, h = 1800, cell = 12;
  SeededRng rng(static_cast<uint64_t>(n) * 7919 + 1);
  std::vector<unsigned char> cells(static_cast<size_t>(w / cell + 1) * (h / cell + 1) * 3);
  for (auto& c : cells) c = static_cast<unsigned char>(rng.next());
  std::vector<unsigned char> px(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        px[(static_cast<size_t>(y) * w + x) * 3 + c] = static_cast<unsigned char>(
            cells[(static_cast<size_t>(y / cell) * (w / cell + 1) + x / cell) * 3 + c] * 3 / 4 + rng.next() % 64);
  std::string jpeg;
  REQUIRE(stbi_write_jpg_to_func(append, &jpeg, w, h, 3, px.data(), 92));
  std::string path = dir + "/IMG_000" + std::to_string(n) + ".jpg";
  std::ofstream(path, std::ios::binary) << jpeg;
  return path;
}

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

// Syncs until `done` holds, at most `tries` times: a faulty link needs several.
template <class Done>
Snapshot sync_until(ClientCore& app, int tries, Done done) {
  Snapshot s = app.snapshot();
  for (int i = 0; i < tries && !done(s); ++i) s = synced(app);
  return s;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every file under `dir`: none may hold a run of the picture's bytes.
void check_sealed(const std::string& dir, const std::vector<client::Photo>& photos) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string bytes = slurp(entry.path());
    for (const auto& p : photos)
      for (const std::string* jpeg : {&p.jpeg, &p.thumb_jpeg}) {
        std::string mid = jpeg->substr(jpeg->size() / 2, 48);
        CHECK_MESSAGE(bytes.find(mid) == std::string::npos, entry.path().string());
      }
  }
}

}  // namespace

TEST_CASE("a case reported offline with three photos reaches the zone chief: pending, thumbnails, then the picture") {
  ServerProcess server({"--demo"});
  FaultProxy proxy(port_of(server.url()), FaultPlan{});
  TempDir wt, ct, files;
  auto worker = signed_in_app(wt.path, proxy.url(), "worker09");
  auto chief = signed_in_app(ct.path, server.url(), "chief03");  // zone 3 holds unit grid 9
  auto home = settle(*worker).home;
  REQUIRE(home);
  REQUIRE_FALSE(home->my_grids.empty());

  std::vector<std::string> paths;
  std::vector<client::Photo> made;  // what the worker's tablet makes of each file
  for (int n = 1; n <= 3; ++n) {
    paths.push_back(camera_file(files.path, n));
    auto p = client::prepare_photo_file(paths.back());
    REQUIRE(p);
    REQUIRE(p->jpeg.size() > 256u * 1024);    // more than one chunk
    REQUIRE(p->thumb_jpeg.size() > 16u * 1024);  // more than the first link below carries
    made.push_back(std::move(*p));
  }

  // Offline: every request lost. The case and its photos are recorded.
  proxy.set_plan(FaultPlan{.drop = 1.0});
  NewCase c;
  c.grid_id = home->my_grids.front().id;
  c.category = "0101";
  c.severity = "urgent";
  c.title = "厂区围墙倒塌";
  c.photos.assign(paths.begin(), paths.end());
  worker->create_case(c);
  auto s = settle(*worker);
  REQUIRE(first_error(*worker).empty());
  REQUIRE(s.case_detail);
  const std::string case_id = s.case_detail->item.id;
  REQUIRE(s.case_detail->photos.size() == 3);
  for (const auto& p : s.case_detail->photos) {
    CHECK(p.uploading);
    CHECK_FALSE(p.thumb_jpeg.empty());  // the worker sees its own at once
  }
  s = synced(*worker);
  CHECK(s.sync.link == client::Link::offline);
  CHECK(s.sync.pending == 5);  // the case, its report step, three attachments

  // The link comes back carrying small requests only: the records go up,
  // every photo is cut on the way.
  proxy.set_plan(FaultPlan{.cut_after_bytes = 16 * 1024});
  s = sync_until(*worker, 5, [](const Snapshot& v) { return v.sync.pending == 0; });
  REQUIRE(s.sync.pending == 0);
  CHECK(s.sync.photos_waiting == 6);  // three pictures, three thumbnails
  CHECK(proxy.counts().cut > 0);

  // The chief sees the case at once, its photos pending.
  synced(*chief);
  chief->open_case(case_id);
  s = settle(*chief);
  REQUIRE(s.case_detail);
  REQUIRE(s.case_detail->photos.size() == 3);
  for (const auto& p : s.case_detail->photos) {
    CHECK(p.thumb_jpeg.empty());
    CHECK_FALSE(p.uploading);  // not this tablet's to send
  }
  chief->open_photo(made[0].hash);
  s = settle(*chief);
  REQUIRE(s.photo);
  CHECK(s.photo->state == PhotoViewer::State::pending);
  chief->close_photo();

  // A link that dies a hundred KB into each request: the thumbnails go up,
  // every chunk of a picture is cut mid-body.
  proxy.set_plan(FaultPlan{.cut_after_bytes = 100 * 1024});
  s = sync_until(*worker, 20, [](const Snapshot& v) { return v.sync.photos_waiting <= 3; });
  REQUIRE(s.sync.photos_waiting == 3);
  // Not one of the worker's pictures was dropped before the server had it.
  CHECK(count(wt.path + "/users/worker09/replica.db", "SELECT count(*) FROM _photos WHERE upload IS NOT NULL") == 3);

  s = synced(*chief);
  chief->open_case(case_id);
  s = settle(*chief);
  REQUIRE(s.case_detail);
  REQUIRE(s.case_detail->photos.size() == 3);
  for (const auto& p : s.case_detail->photos) {
    bool known = false;
    for (const auto& m : made)
      if (m.hash == p.hash) {
        known = true;
        CHECK(p.thumb_jpeg == m.thumb_jpeg);
      }
    CHECK(known);
  }

  // A weak link at random: lost requests, answers cut short, resets. Every
  // picture resumes from the byte the server confirmed.
  proxy.set_plan(FaultPlan{.seed = 22, .drop = 0.03, .truncate = 0.05, .reset = 0.03});
  s = sync_until(*worker, 60, [](const Snapshot& v) { return v.sync.photos_waiting == 0; });
  REQUIRE(s.sync.photos_waiting == 0);
  auto faults = proxy.counts();
  CHECK(faults.dropped + faults.truncated + faults.reset > 0);

  for (const auto& m : made) {
    chief->open_photo(m.hash);
    s = settle(*chief);
    REQUIRE(s.photo);
    REQUIRE(s.photo->state == PhotoViewer::State::ready);
    CHECK(s.photo->jpeg == m.jpeg);  // the downscaled original, byte for byte
  }
  chief->close_photo();

  check_sealed(wt.path, made);
  check_sealed(ct.path, made);
}
