#include "sync/server/loopback.hpp"

namespace gw::sync {

double LoopbackTransport::uniform() {
  rng_ ^= rng_ << 13;  // xorshift64: the fault pattern must repeat for a seed
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return static_cast<double>(rng_ >> 11) * 0x1.0p-53;
}

Result<std::string> LoopbackTransport::call(std::string_view path, const std::string& body) {
  auto json = parse_json(body);
  if (!json) return json.error();
  if (path == "/v1/sync/push") {
    auto a = server_.push(who_, std::move(*json));
    if (!a) return a.error();
    return encode(*a);
  }
  if (path == "/v1/sync/pull") {
    auto req = decode_pull_request(*json);
    if (!req) return req.error();
    auto a = server_.pull(who_, *req);
    if (!a) return a.error();
    std::string text = encode(*a);
    server_.pull_ahead(who_, *req, *a);  // as gridwork-server does with its answer away
    return text;
  }
  return Error{Code::not_found, "no endpoint " + std::string(path)};
}

Result<std::string> LoopbackTransport::exchange(std::string_view path, const std::string& body) {
  ++exchanges;
  auto lost = [] { return Error{Code::offline, "no answer from the server"}; };
  if (offline || uniform() < faults.drop_request) return lost();
  auto answer = call(path, body);
  if (uniform() < faults.duplicate) answer = call(path, body);
  if (uniform() < faults.drop_answer) return lost();
  if (answer && path == "/v1/sync/pull" && uniform() < faults.stale) {
    held_.push_back(*answer);
    if (held_.size() > 1 || uniform() < 0.5) {
      std::string late = std::move(held_.front());
      held_.pop_front();
      return late;
    }
    return lost();
  }
  return answer;
}

}  // namespace gw::sync
