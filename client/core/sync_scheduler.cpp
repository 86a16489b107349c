#include "client/core/sync_scheduler.hpp"

#include <sodium.h>

#include <chrono>
#include <stdexcept>

#include "client/core/client_core.hpp"
#include "client/core/photo_sync.hpp"
#include "client/core/tuning.hpp"
#include "shared/json.hpp"
#include "sync/device/sync_client.hpp"

namespace gw::client {

using net::HttpTransport;

namespace {
uint64_t random_seed() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  uint64_t seed;
  randombytes_buf(&seed, sizeof seed);
  return seed;
}
}  // namespace

SyncScheduler::SyncScheduler(const CoreOptions& opt, Board& board, Session& session, Worker& net_worker,
                             Worker& watch_worker, std::function<int64_t()> wall, Hooks hooks)
    : opt_(opt),
      board_(board),
      session_(session),
      net_worker_(net_worker),
      watch_worker_(watch_worker),
      wall_(std::move(wall)),
      hooks_(std::move(hooks)),
      backoff_(random_seed()) {}

// The user's setting, unless this run (a test, a screenshot) turned
// automatic sync off without touching the setting.
bool SyncScheduler::automatic() const { return board_.settings().auto_sync && opt_.auto_sync; }

void SyncScheduler::plan(int64_t delay_ms) {
  if (!automatic()) {
    stop_watch();
    board_.publish([](Snapshot& s) { s.sync.next_attempt_at = 0; });
    return;
  }
  uint64_t gen = ++generation_;
  int64_t at = wall_() + delay_ms;
  board_.publish([&](Snapshot& s) { s.sync.next_attempt_at = at; });
  net_worker_.post_at(Worker::Clock::now() + std::chrono::milliseconds(delay_ms), [this, gen] {
    if (gen == generation_.load()) run();
  });
}

void SyncScheduler::interrupt() { ++generation_; }

void SyncScheduler::run_now() {
  ++generation_;  // this sync replaces the planned one
  run();
}

void SyncScheduler::cancel() {
  ++generation_;
  stop_watch();
}

void SyncScheduler::close() {
  closing_ = true;
  stop_watch();
}

void SyncScheduler::run() {
  if (!session_.is_open() || closing_) return;
  const uint64_t gen = generation_.load();
  board_.publish([](Snapshot& s) {
    s.sync.running = true;
    s.sync.records_up = s.sync.records_down = s.sync.bytes_up = s.sync.bytes_down = 0;
    s.sync.photo_bytes_up = s.sync.photo_bytes_down = s.sync.photo_ms = 0;
  });
  // One transport for the whole run: a new server address saved meanwhile
  // takes effect at the next sync, never under this one's feet.
  HttpTransport& http = session_.transport();
  sync::SyncClient client(session_.replica().replica, http);
  client.overlap = true;  // the next batch chained while the server merges this one
  client.on_progress = [this](const sync::SyncReport& r) {
    board_.publish([&](Snapshot& s) {
      s.sync.records_up = r.pushed + r.refused;
      s.sync.records_down = r.pulled;
      s.sync.bytes_up = r.bytes_up;
      s.sync.bytes_down = r.bytes_down;
    });
  };
  auto result = client.sync();
  if (!result && result.error().code == Code::unauthorized && session_.renew_token(http)) result = client.sync();
  if (!result && result.error().code == Code::revoked && hooks_.revoked(http, result.error().message)) return;
  session_.keep_clock();
  int64_t delay;
  if (result) {
    delay = backoff_.after_success();
    start_watch(result->server_hlc);
    int64_t now = wall_();
    board_.publish([&](Snapshot& s) {
      s.sync.link = Link::online;
      s.sync.last_sync_at = now;
      s.sync.error.clear();
    });
  } else {
    delay = backoff_.after_failure();
    const Error& e = result.error();
    board_.publish([&](Snapshot& s) {
      s.sync.link = e.code == Code::offline ? Link::offline : Link::online;
      s.sync.error = e.message;
    });
    if (e.code == Code::unauthorized) board_.notify(Notice{true, "error.sign_in_again", e.message, ""});
  }
  board_.publish([](Snapshot& s) { s.sync.running = false; });
  hooks_.synced(session_.replica().clock.last());
  // The records are done: the photo queue runs with the sync shown as
  // finished (its own count in the top bar), and "sync now" stays at hand.
  if (result) move_photos(http, gen);
  plan(delay);
}

void SyncScheduler::move_photos(HttpTransport& http, uint64_t gen) {
  auto key = session_.data_key();
  if (!key) return;
  PhotoSync photos(session_.replica().db, *key, http, wall_);
  const auto t0 = std::chrono::steady_clock::now();
  auto publish = [&] {
    int64_t waiting = photos.uploads_waiting();
    int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    board_.publish([&](Snapshot& s) {
      s.sync.photos_waiting = waiting;
      s.sync.photo_ms = ms;
      s.sync.photo_bytes_up = photos.report().bytes_up;
      s.sync.photo_bytes_down = photos.report().bytes_down;
    });
  };
  int64_t down = 0;
  // A new sync asked for (an edit's, the user's) bumps the generation: the
  // queue stops at the chunk it is on, and that sync pushes the record first.
  while (!closing_ && gen == generation_.load()) {
    auto moved = photos.step();
    if (!moved || !*moved) break;
    publish();
    // Thumbnails show as they come, a handful at a time.
    if (photos.report().pictures_down - down >= 8) {
      down = photos.report().pictures_down;
      hooks_.photos("", Status::ok());
    }
  }
  photos.save_confirmed();
  publish();
  if (photos.report().pictures_down > down) hooks_.photos("", Status::ok());
  photos.sweep();
}

void SyncScheduler::fetch_photo(const std::string& hash) {
  auto key = session_.data_key();
  if (!session_.is_open() || closing_ || !key) return hooks_.photos(hash, Error{Code::offline, "not signed in"});
  PhotoSync photos(session_.replica().db, *key, session_.transport(), wall_);
  hooks_.photos(hash, photos.fetch(hash));
}

void SyncScheduler::start_watch(HlcTime since) {
  if (!automatic() || since == 0) return;
  stop_watch();  // a watch from before this sync asks about older news
  uint64_t gen = watch_generation_.load();
  // Not counted as in flight: wait_idle() must not wait out a long-poll.
  watch_worker_.post([this, url = session_.server_url(), key = session_.device_key(),
                      token = session_.account().token, since, gen] { watch(url, key, token, since, gen); });
}

void SyncScheduler::stop_watch() {
  ++watch_generation_;
  std::lock_guard lock(watch_m_);
  if (watch_http_) watch_http_->cancel();
}

void SyncScheduler::watch(const std::string& url, sync::DeviceKey key, const std::string& token, HlcTime since,
                          uint64_t gen) {
  HttpTransport http(url, key, tuning::kLongPollTimeoutMs, opt_.ca_file);
  http.set_token(token);
  {
    std::lock_guard lock(watch_m_);
    if (gen != watch_generation_.load() || closing_) return;
    watch_http_ = &http;
  }
  // The server answers at its ceiling with nothing changed: ask again. Any
  // failure (no link, an expired token) ends the watch; the planned sync
  // deals with it and starts the next one.
  while (gen == watch_generation_.load() && !closing_) {
    auto r = http.get("/v1/sync/wait?since=" + std::to_string(since), tuning::kLongPollTimeoutMs);
    if (!r) break;
    auto j = parse_json(*r);
    const Json* changed = j ? j->find("changed") : nullptr;
    if (changed && changed->is_bool() && changed->as_bool()) {
      board_.post(net_worker_, [this, gen] {
        if (gen != watch_generation_.load()) return;  // a sync already ran since
        run_now();
      });
      break;
    }
  }
  std::lock_guard lock(watch_m_);
  if (watch_http_ == &http) watch_http_ = nullptr;
}

}  // namespace gw::client
