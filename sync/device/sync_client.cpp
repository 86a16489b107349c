#include "sync/device/sync_client.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

#include "shared/tuning.hpp"

namespace gw::sync {

Result<PushAnswer> SyncClient::send(OutgoingBatch& batch, SyncReport& report) {
  return start(body_of(batch), report, false).wait(report);
}

std::string SyncClient::body_of(OutgoingBatch& batch) {
  if (!batch.request.epoch) batch.request.epoch = replica_.epoch();
  return encode(batch.request);
}

// The body is made by the caller (it reads the replica); only the exchange
// and the answer's parsing run on the flight's thread, which touches nothing else.
SyncClient::Flight SyncClient::start(std::string body, SyncReport& report, bool own_thread) {
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
  if (own_thread) f.pending = std::async(std::launch::async, std::move(go));
  else f.landed = go();
  return f;
}

Result<PushAnswer> SyncClient::Flight::wait(SyncReport& report) {
  if (pending.valid()) landed = pending.get();
  report.bytes_down += landed.bytes;
  return std::move(landed.answer);
}

// Batch k+1 is chained, sealed and encoded while batch k is with the
// server, and k settled while k+1 is: the tablet's work and the server's
// overlap (`overlap`). Batches still go one at a time and in chain order,
// as the server needs.
Status SyncClient::push(SyncReport& report) {
  size_t batch_size = push_batch ? push_batch : tuning::kPushBatchPatches;
  // A quick answer doubles the batch after next (the next is made while
  // this one is out), a slow one halves it; a size the caller set stays.
  auto adapt = [&, fixed = push_batch != 0](std::chrono::steady_clock::time_point sent) {
    auto took = std::chrono::steady_clock::now() - sent;
    if (fixed) return;
    if (took < std::chrono::milliseconds(tuning::kPushGrowMs))
      batch_size = std::min(batch_size * 2, tuning::kPushBatchMaxPatches);
    else if (took > std::chrono::milliseconds(tuning::kPushShrinkMs))
      batch_size = std::max(batch_size / 2, tuning::kPushBatchPatches);
  };
  std::optional<OutgoingBatch> batch = replica_.next_batch(batch_size), done;
  std::string body = batch ? body_of(*batch) : std::string();
  PushAnswer done_answer;
  auto settle_done = [&] {
    if (!done) return;
    replica_.settle(*done, done_answer);
    report.pushed += static_cast<int64_t>(done_answer.accepted.size());
    report.refused += static_cast<int64_t>(done_answer.rejected.size());
    done.reset();
    if (on_progress) on_progress(report);
  };
  while (batch) {
    if (report.exchanges >= max_exchanges) {
      settle_done();
      return Error{Code::internal, "push did not finish within its exchange budget"};
    }
    auto sent = std::chrono::steady_clock::now();
    Flight flight = start(std::move(body), report, overlap);
    settle_done();
    auto next = replica_.next_batch(batch_size, batch->request.batch);
    if (next) body = body_of(*next);
    auto answer = flight.wait(report);
    if (!answer) return answer.error();
    adapt(sent);
    if (answer->restart) {
      if (auto st = recover(*answer->restart, report); !st) return st;
      batch = replica_.next_batch(batch_size);  // the same batch again, in the new epoch
      if (batch) body = body_of(*batch);
      continue;
    }
    done = std::move(batch);
    done_answer = std::move(*answer);
    batch = std::move(next);
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
