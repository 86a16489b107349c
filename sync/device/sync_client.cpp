#include "sync/device/sync_client.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <tuple>
#include <exception>

#include "shared/tuning.hpp"

namespace gw::sync {

Result<PushAnswer> SyncClient::send(OutgoingBatch& batch, SyncReport& report) {
  return start(body_of(batch), report, Run::in_place).wait(report);
}

std::string SyncClient::body_of(OutgoingBatch& batch) {
  if (!batch.request.epoch) batch.request.epoch = replica_.epoch();
  return encode(batch.request);
}

// The body is made by the caller (it reads the replica); only the exchange
// and the answer's parsing run on the flight's thread, which touches nothing else.
SyncClient::Flight SyncClient::start(std::string body, SyncReport& report, Run run) {
  report.bytes_up += static_cast<int64_t>(body.size());
  ++report.exchanges;
  auto go = [this, body = std::move(body)]() noexcept -> Flight::Landed {
    try {
      auto reply = transport_.exchange("/v1/sync/push", body);
      if (!reply) return {reply.error(), 0};
      auto json = parse_json(*reply);
      if (!json) return {Error{Code::invalid, "push answer: " + json.error().message}, 0};
      return {decode_push_answer(*json), static_cast<int64_t>(reply->size())};
    } catch (const std::exception& e) {  // a fault of the transport: never across the thread
      return {Error{Code::internal, std::string("push exchange: ") + e.what()}, 0};
    }
  };
  Flight f;
  if (run == Run::own_thread) f.pending = std::async(std::launch::async, std::move(go));
  else if (run == Run::deferred) f.deferred = std::move(go);
  else f.landed = go();
  return f;
}

void SyncClient::Flight::land() {
  if (!deferred) return;
  landed = deferred();
  deferred = nullptr;
}

Result<PushAnswer> SyncClient::Flight::wait(SyncReport& report) {
  if (pending.valid()) landed = pending.get();
  land();
  report.bytes_down += landed.bytes;
  return std::move(landed.answer);
}

// Batches go out in chain order and their answers are taken in that order.
// With `overlap`, up to tuning::kPushWindow are with the server at once:
// while its writer merges batch k, an HTTP thread reads and checks k+1, and
// the tablet chains k+2 and settles k-1. A batch that reached the server's
// writer before the one ahead of it is answered `gap`, unjudged: it goes
// again, alone, once those ahead are answered. Without `overlap`, one batch
// at a time, the same steps in the same order (the simulation's seeds replay;
// it may set a window too, the exchanges then run in place, in a seeded order).
Status SyncClient::push(SyncReport& report) {
  using Clock = std::chrono::steady_clock;
  // A batch goes out only once its links are committed (a link lost to a
  // crash after it left would be made again as another patch in its place):
  // never inside a write of the caller's, which would decide for them.
  if (replica_.store().db().in_transaction()) return Error{Code::internal, "push called inside an open write"};
  size_t batch_size = push_batch ? push_batch : tuning::kPushBatchPatches;
  const size_t window = push_window ? push_window : overlap ? tuning::kPushWindow : 1;
  const Run run = overlap ? Run::own_thread : window > 1 ? Run::deferred : Run::in_place;
  // A quick answer doubles the batch after next (the next is made while
  // this one is out), a slow one halves it; a size the caller set stays.
  // A batch's time runs from when the server could start on it: its send,
  // or the answer to the one ahead, which it queued behind.
  Clock::time_point last_answer{};
  auto adapt = [&, fixed = push_batch != 0](Clock::time_point sent) {
    auto now = Clock::now();
    auto took = now - std::max(sent, last_answer);
    last_answer = now;
    if (fixed) return;
    if (took < std::chrono::milliseconds(tuning::kPushGrowMs))
      batch_size = std::min(batch_size * 2, tuning::kPushBatchMaxPatches);
    else if (took > std::chrono::milliseconds(tuning::kPushShrinkMs))
      batch_size = std::max(batch_size / 2, tuning::kPushBatchPatches);
  };
  struct Out {
    OutgoingBatch batch;
    Flight flight;
    Clock::time_point sent;
    bool behind;  // sent while another was with the server
  };
  std::deque<Out> out;
  auto settle = [&](const OutgoingBatch& b, const PushAnswer& a) {
    replica_.settle(b, a);
    report.pushed += static_cast<int64_t>(a.accepted.size());
    report.refused += static_cast<int64_t>(a.rejected.size());
    if (on_progress) on_progress(report);
  };
  std::optional<OutgoingBatch> done;
  PushAnswer done_answer;
  auto settle_done = [&] {
    if (done) settle(*done, done_answer);
    done.reset();
  };
  // The exchange stops early: the answers of batches still out are waited
  // for and taken when they are verdicts; the rest go again.
  auto drain = [&] {
    settle_done();
    for (; !out.empty(); out.pop_front())
      if (auto a = out.front().flight.wait(report); a && !a->restart && !a->gap) settle(out.front().batch, *a);
  };
  auto prepare = [&] {
    std::vector<std::string> passed;
    for (const auto& o : out) passed.push_back(o.batch.request.batch);
    auto b = replica_.next_batch(batch_size, passed);
    std::string body = b ? body_of(*b) : std::string();
    return std::pair{std::move(b), std::move(body)};
  };
  auto [ready, body] = prepare();
  while (ready || !out.empty()) {
    if (ready && out.size() < window) {
      if (report.exchanges >= max_exchanges) {
        drain();
        return Error{Code::internal, "push did not finish within its exchange budget"};
      }
      bool behind = !out.empty();
      out.push_back({std::move(*ready), start(std::move(body), report, run), Clock::now(), behind});
      // The last answer settled and the next batch chained in one write: one
      // fsync where there were two, committed before that batch goes out.
      Txn write(replica_.store());
      settle_done();
      std::tie(ready, body) = prepare();
      write.commit();
      continue;
    }
    if (run == Run::deferred && out.size() > 1 && overtake && overtake()) out[1].flight.land();
    Out front = std::move(out.front());
    out.pop_front();
    auto answer = front.flight.wait(report);
    if (!answer) {
      drain();
      return answer.error();
    }
    adapt(front.sent);
    if (answer->restart || (answer->gap && front.behind)) {
      if (!answer->restart) ++report.overtaken;
      drain();
      if (answer->restart)
        if (auto st = recover(*answer->restart, report); !st) return st;
      std::tie(ready, body) = prepare();  // the earliest unanswered batch again
      continue;
    }
    settle_done();
    done = std::move(front.batch);
    done_answer = std::move(*answer);
  }
  settle_done();
  return Status::ok();
}

// Each held patch asked after once per sync, oldest asked first: the
// server answers a patch it has seen with its verdict of now. One an admin
// decided counts as pushed (accepted) or refused.
Status SyncClient::ask_held(SyncReport& report) {
  size_t batch_size = push_batch ? push_batch : tuning::kPushBatchPatches;
  for (int64_t left = replica_.held_count(); left > 0; left -= static_cast<int64_t>(batch_size)) {
    auto batch = replica_.held_batch(batch_size);
    if (!batch) break;
    auto answer = send(*batch, report);
    if (!answer) return answer.error();
    auto decided = replica_.settle_held(*batch, *answer);
    report.pushed += decided.first;
    report.refused += decided.second;
  }
  return Status::ok();
}

// One pull exchange, on whichever thread: it touches only the transport.
SyncClient::Fetched SyncClient::fetch(const std::string& body) noexcept {
  try {
    auto reply = transport_.exchange("/v1/sync/pull", body);
    if (!reply) return {reply.error(), 0};
    auto json = parse_json(*reply, JsonLimits{64, 64 << 20});
    if (!json) return {Error{Code::invalid, "pull answer: " + json.error().message}, 0};
    return {decode_pull_answer(*json), static_cast<int64_t>(reply->size())};
  } catch (const std::exception& e) {  // a fault of the transport: never across the thread
    return {Error{Code::internal, std::string("pull exchange: ") + e.what()}, 0};
  }
}

// With `overlap`, page k+1 is asked for while page k is applied, from the
// cursors k will leave (next_pull_request); a guess gone wrong is answered
// for cursors the replica does not hold, refused as stale and asked again.
Status SyncClient::pull(SyncReport& report) {
  PullRequest req;
  std::future<Fetched> ahead;  // the next page, asked for as `req`
  auto ask = [&](PullRequest r, bool own_thread) {
    std::string body = encode(r);
    report.bytes_up += static_cast<int64_t>(body.size());
    ++report.exchanges;
    req = std::move(r);
    if (own_thread) {
      ahead = std::async(std::launch::async, [this, body = std::move(body)] { return fetch(body); });
      return Fetched{};
    }
    return fetch(body);
  };
  while (report.exchanges < max_exchanges) {
    Fetched got = ahead.valid() ? ahead.get() : ask(replica_.pull_request(pull_limit), false);
    report.bytes_down += got.bytes;
    if (!got.answer) return got.answer.error();
    PullAnswer& answer = *got.answer;
    if (answer.restart) {
      if (auto st = recover(*answer.restart, report); !st) return st;
      continue;
    }
    if (overlap && answer.more) ask(next_pull_request(req, answer), true);
    if (!replica_.apply_pull(answer)) {
      ++report.stale;  // an answer to cursors since moved on: ask again
      if (ahead.valid()) ahead.get();  // asked from those cursors too
      continue;
    }
    report.server_hlc = answer.server_hlc;
    report.pulled += static_cast<int64_t>(answer.patches.size());
    report.evicted += static_cast<int64_t>(answer.evict.size());
    if (on_progress) on_progress(report);
    if (!answer.more) return Status::ok();
  }
  if (ahead.valid()) ahead.get();
  return Error{Code::internal, "pull did not finish within its exchange budget"};
}

// The server's database was restored from a backup or replaced (Restart):
// first the links of this device's chain it lacks, in order, so what it had
// taken from this tablet after the copy is merged again; then every cursor
// back to nothing, so the pulls that follow read it all. A failure on the
// way leaves the old epoch: the next sync starts the recovery again, from
// wherever the server's chain now ends.
Status SyncClient::recover(const Restart& restart, SyncReport& report) {
  size_t batch_size = push_batch ? push_batch : tuning::kPushBatchPatches;
  int64_t n = restart.chain_n;
  while (report.exchanges < max_exchanges) {
    auto batch = replica_.links_after(n, batch_size);
    if (!batch) return batch.error();
    if (!*batch) {
      replica_.restart(restart.epoch);
      ++report.restarts;
      return Status::ok();
    }
    (*batch)->request.epoch = restart.epoch;
    auto answer = send(**batch, report);
    if (!answer) return answer.error();
    if (answer->restart) return Error{Code::state, "the server's database changed again during its recovery"};
    report.resent += static_cast<int64_t>((*batch)->request.patches.size());
    n += static_cast<int64_t>((*batch)->request.patches.size());
    if (on_progress) on_progress(report);
  }
  return Error{Code::internal, "recovery did not finish within its exchange budget"};
}

Result<int64_t> SyncClient::hand_over() {
  size_t batch_size = push_batch ? push_batch : tuning::kPushBatchPatches;
  SyncReport report;
  int64_t held = 0;
  while (report.exchanges < max_exchanges) {
    auto batch = replica_.next_batch(batch_size);
    if (!batch) return held;
    auto answer = send(*batch, report);
    if (answer && answer->restart) {
      if (auto st = recover(*answer->restart, report); !st) return st.error();
      continue;
    }
    if (answer) {  // not revoked after all: an ordinary push
      replica_.settle(*batch, *answer);
      continue;
    }
    if (answer.error().code != Code::revoked) return answer.error();
    // Kept on the server: settled here as held, so the next batch goes.
    PushAnswer kept;
    for (const auto& text : batch->request.patches) {
      auto j = parse_json(text);
      const Json* id = j ? j->find("id") : nullptr;
      if (id && id->is_string()) kept.rejected.push_back({id->as_string(), Code::quarantined, answer.error().message});
    }
    replica_.settle(*batch, kept);
    held += static_cast<int64_t>(batch->entries.size());
  }
  return Error{Code::internal, "hand-over did not finish within its exchange budget"};
}

Result<SyncReport> SyncClient::sync() {
  SyncReport report;
  try {
    // Push first: a bucket about to be evicted keeps rows with unsynced
    // changes only until they are settled, so settle them before the pull.
    if (auto st = push(report); !st) return st.error();
    if (auto st = ask_held(report); !st) return st.error();
    if (auto st = pull(report); !st) return st.error();
  } catch (const DbError& e) {
    return Error{Code::io, std::string("local store: ") + e.what()};
  }
  return report;
}

}  // namespace gw::sync
