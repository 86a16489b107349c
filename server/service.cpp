#include "server/service.hpp"

#include <sodium.h>

#include <chrono>
#include <future>

#include "server/database.hpp"
#include "server/reader_lease.hpp"
#include "server/log.hpp"
#include "server/request_parse.hpp"
#include "shared/kpi.hpp"
#include "shared/demo/park.hpp"
#include "sync/server/audit.hpp"
#include "sync/server/demo_load.hpp"

namespace gw::server {

namespace {

int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A request's path as a metric's label: a photo's name in it would make a
// series of every photo.
std::string endpoint_label(const std::string& path) {
  if (auto blob = parse_blob_path(path); blob && *blob)
    return (*blob)->status ? "/v1/blobs/{hash}/status" : "/v1/blobs/{hash}";
  return path;
}

}  // namespace

// The database could not write (a full disk, most often; on PostgreSQL also
// a database down or failing over): said so that the operator knows what to
// do, and the device that it keeps its records and tries again later (507
// is a retryable failure to it, never a refusal).
Reply storage_fault(const std::string& detail) {
  return error_reply(Code::io, "the server cannot write to its database (" + detail +
                                   "): nothing was changed. Free disk space on the server (or, on PostgreSQL, check the "
                                   "database is up); the device keeps its records and sends them again");
}

Reply error_reply(Code c, const std::string& message) {
  std::string body = "{\"error\":{\"code\":";
  append_json_string(body, code_name(c));
  body += ",\"message\":";
  append_json_string(body, message);
  body += "}";
  // The wipe order (DESIGN §8): the device deletes its replica and keys.
  if (c == Code::revoked) body += ",\"wipe\":true";
  body += "}";
  return Reply{http_status(c), "application/json", std::move(body)};
}

// ---- readers ---------------------------------------------------------------------

// ---- life ------------------------------------------------------------------------

SyncService::SyncService(ServiceOptions options)
    : opt_(std::move(options)), throttle_(opt_.login_failures, opt_.login_window_ms) {
  if (!opt_.wall) opt_.wall = system_ms;
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  db_ = open_database(opt_.db_path);
  db_->make_durable();  // an answer "accepted" outlives a power cut
  clock_ = std::make_unique<Hlc>(opt_.wall);
  engine_ = std::make_unique<sync::ServerEngine>(*db_, *clock_);
  create_auth_tables(*db_);
  sync::create_audit_tables(*db_);
  blobs_ = open_blob_store(opt_.db_path);
  blobs_->create(*db_);
  if (opt_.demo && db_->query_int("SELECT count(*) FROM users") == 0) {
    auto t0 = std::chrono::steady_clock::now();
    demo::ParkOptions park;
    park.seed = opt_.demo_seed;
    // The park as taken on its reference day (shared/demo): its history
    // is drawn relative to that day, so a demo made after midnight China
    // time would hold other open cases than the one the tests know.
    auto counts = sync::load_demo_city(*engine_, park, opt_.demo_parks);
    // Made by the engine itself, as two demo tablets with no keys would.
    int conflicts = sync::seed_demo_conflicts(*engine_);
    // Every demo account has the same password: one argon2id hash (with its
    // salt) serves them all, instead of 209 hashes a park and 14 s each at start-up.
    std::string hash = hash_password(demo::kDemoPassword);
    Transaction txn(*db_);
    auto users = db_->prepare("SELECT id FROM users");
    while (users.step()) auth::set_password(*db_, std::string(users.text(0)), hash);
    txn.commit();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    Log::write(Level::info, "demo park loaded",
               {{"parks", opt_.demo_parks}, {"households", counts.households}, {"residents", counts.residents},
                {"users", counts.users},
                {"conflicts", conflicts},
                {"ms", static_cast<int64_t>(ms)}});
  }
  // From here on every pushed patch is a signed link of its device's chain
  // (DESIGN §8).
  engine_->set_keys([this](const std::string& device) { return auth::public_key(*db_, device); });

  metrics_.devices = db_->query_int("SELECT count(*) FROM _devices");
  if (opt_.page_cache_bytes) pages_ = std::make_shared<sync::PageCache>(opt_.page_cache_bytes);
  metrics_.pages = pages_.get();
  for (int i = 0; i < std::max(1, opt_.readers); ++i) {
    auto r = std::make_unique<Reader>();
    r->db = open_database(opt_.db_path);
    r->clock = std::make_unique<Hlc>(opt_.wall);
    r->engine = std::make_unique<sync::ServerEngine>(*r->db, *r->clock);
    r->engine->set_page_cache(pages_);
    free_readers_.push_back(std::move(r));
  }
  if (auto* file = dynamic_cast<SqliteDb*>(db_.get())) checkpointer_ = std::make_unique<WalCheckpointer>(*file);
  writer_ = std::thread([this] { writer_loop(); });
  timer_ = std::thread([this] { timer_loop(); });
  // Other servers on the same PostgreSQL wake this one's long-polls.
  if (db_->dialect() == Dialect::postgresql)
    wake_channel_ = std::make_unique<PgWakeChannel>(opt_.db_path, [this](const auto& buckets, HlcTime hlc) {
      wake(buckets, hlc);
    });
}

SyncService::~SyncService() { shutdown(); }

void SyncService::shutdown() {
  {
    std::lock_guard lock(queue_m_);
    stopping_ = true;  // from here a new request is answered "shutting down" at once
  }
  {
    std::unique_lock lock(handlers_m_);
    handlers_cv_.wait(lock, [&] { return handlers_ == 0; });
  }
  queue_cv_.notify_all();
  timer_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (timer_.joinable()) timer_.join();
  wake_channel_.reset();
  checkpointer_.reset();
  std::vector<Waiter> left;
  {
    std::lock_guard lock(waiters_m_);
    left.swap(waiters_);
  }
  for (auto& w : left) w.respond(Reply{200, "application/json", "{\"changed\":false}"});
}

void SyncService::post(std::function<void()> job) {
  {
    std::lock_guard lock(queue_m_);
    queue_.push_back(std::move(job));
  }
  queue_cv_.notify_one();
}

void SyncService::writer_loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(queue_m_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    // A job answers its own request and catches its own faults; one that
    // throws anyway (a storage fault in a write nobody waits for, such as a
    // token's refresh on a full disk) must not end the writer, and with it
    // the server.
    try {
      job();
    } catch (const std::exception& e) {
      Log::write(Level::error, "writer job failed", {{"error", e.what()}});
    }
  }
}

void SyncService::timer_loop() {
  for (;;) {
    {
      // Its own condition variable: sharing the writer's would let post()'s
      // notify_one wake this thread instead, leaving a push in the queue
      // until the next request (seen: pushes stalled until the client's 30 s
      // timeout).
      std::unique_lock lock(queue_m_);
      if (timer_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_; })) return;
    }
    int64_t now = opt_.wall();
    std::vector<Waiter> expired;
    {
      std::lock_guard lock(waiters_m_);
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (it->deadline <= now) {
          expired.push_back(std::move(*it));
          it = waiters_.erase(it);
        } else {
          ++it;
        }
      }
      metrics_.waiters = static_cast<int64_t>(waiters_.size());
    }
    for (auto& w : expired)
      w.respond(Reply{200, "application/json", "{\"changed\":false,\"server_hlc\":" + std::to_string(clock_->last()) + "}"});
  }
}

// ---- routing -----------------------------------------------------------------------

void SyncService::handle(Request req, Responder respond) {
  struct Running {
    SyncService& s;
    explicit Running(SyncService& service) : s(service) {
      std::lock_guard lock(s.handlers_m_);
      ++s.handlers_;
    }
    ~Running() {
      std::lock_guard lock(s.handlers_m_);
      if (--s.handlers_ == 0) s.handlers_cv_.notify_all();
    }
  } running(*this);
  auto start = std::chrono::steady_clock::now();
  std::string endpoint = endpoint_label(req.path);
  Responder timed = [this, start, endpoint, respond = std::move(respond)](Reply r) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics_.request(endpoint, r.status, secs);
    if (Log::enabled(Level::debug))
      Log::write(Level::debug, "request", {{"path", endpoint}, {"status", r.status}, {"ms", secs * 1000}});
    respond(std::move(r));
  };
  try {
    route(req, timed);
  } catch (const DbError& e) {
    Log::write(Level::error, "storage fault", {{"path", endpoint}, {"error", e.what()}});
    timed(storage_fault(e.what()));
  } catch (const std::exception& e) {
    Log::write(Level::error, "internal error", {{"path", endpoint}, {"error", e.what()}});
    timed(error_reply(Code::internal, "internal error"));
  }
}

void SyncService::route(Request& req, Responder& respond) {
  {
    std::lock_guard lock(queue_m_);
    if (stopping_) return respond(error_reply(Code::offline, "the server is shutting down"));
  }
  if (req.body.size() > opt_.max_body)
    return respond(error_reply(Code::too_large, "body over " + std::to_string(opt_.max_body) + " bytes"));
  const std::string& p = req.path;
  bool get = req.method == "GET", post_ = req.method == "POST";
  if (p == "/v1/healthz" && get)
    return respond(Reply{200, "application/json",
                         "{\"status\":\"ok\",\"seq\":" + std::to_string(engine_->last_seq()) + "}"});
  if (p == "/v1/metrics" && get) return respond(Reply{200, "text/plain; version=0.0.4", metrics_.render()});
  if (p == "/v1/auth/login" && post_) return login(req, respond);
  if (p == "/v1/sync/push" && post_) return push(req, respond);
  if (p == "/v1/sync/pull" && post_) return pull(req, respond);
  if (p == "/v1/sync/wait" && get) return wait(req, respond);
  if (p == "/v1/reports/kpi" && get) return kpi(req, respond);
  if (p == "/v1/history" && get) return history(req, respond);
  if (p == "/v1/evidence" && get) return evidence(req, respond);
  if (p == "/v1/audit" && get) return audit(req, respond);
  if (p == "/v1/password" && post_) return change_password(req, respond);
  if (p == "/v1/blobs" && req.method == "PUT") return blob_batch(req, respond);
  if (auto blob_path = parse_blob_path(p)) return blob(req, respond, std::move(*blob_path));
  if (p == "/v1/echo" && req.method == "PUT") return echo(req, respond);
  respond(error_reply(Code::not_found, "no endpoint " + req.method + " " + p));
}


Result<Session> SyncService::session(Request& req, Reader& r, bool revoked_ok) {
  const std::string prefix = "Bearer ";
  if (req.authorization.rfind(prefix, 0) != 0) return Error{Code::unauthorized, "missing bearer token"};
  std::string token = req.authorization.substr(prefix.size());
  auto s = auth::check_token(*r.db, token, opt_.wall());
  if (!s) return s;
  if (s->revoked && !revoked_ok)
    return Error{Code::revoked, "this device has been revoked by an admin: its data is to be wiped"};
  // Refreshed by use, off the request's path.
  if (s->expires_at - opt_.wall() < opt_.token_ttl_ms / 2) {
    int64_t until = opt_.wall() + opt_.token_ttl_ms;
    post([this, token, until] { auth::refresh_token(*db_, token, until); });
  }
  return s;
}

// ---- endpoints ---------------------------------------------------------------------

void SyncService::login(Request& req, Responder& respond) {
  auto parsed = parse_login(req.body);
  if (!parsed) return respond(error_reply(parsed.error().code, parsed.error().message));
  const LoginRequest& in = *parsed;

  int64_t now = opt_.wall();
  std::string by_user = "user:" + in.username, by_addr = "addr:" + req.peer;
  std::optional<sync::UserInfo> user;
  std::optional<std::string> hash;
  {
    ReaderLease r(*this);
    if (!throttle_.allowed(*r->db, by_user, now) || !throttle_.allowed(*r->db, by_addr, now))
      return respond(error_reply(Code::throttled, "too many failed logins; wait a minute and try again"));
    user = r->engine->directory().user_by_name(in.username);
    if (user) hash = auth::password_hash(*r->db, user->id);
  }
  // The same answer, after the same work, for an unknown user and a wrong
  // password: neither the message nor the time tells which names exist.
  static const std::string kDecoy = hash_password("gridwork-decoy-password");
  bool known = user && hash;
  bool good = verify_password(known ? *hash : kDecoy, in.password) && known;
  if (!good) {
    Log::write(Level::warn, "login failed", {{"username", in.username}, {"peer", req.peer}});
    // Counted before the answer goes, so the next guess already meets it.
    return post([this, by_user, by_addr, now, respond] {
      try {
        Transaction txn(*db_);
        throttle_.failed(*db_, by_user, now);
        throttle_.failed(*db_, by_addr, now);
        txn.commit();
      } catch (const std::exception& e) {
        Log::write(Level::error, "storage fault", {{"path", "/v1/auth/login"}, {"error", e.what()}});
      }
      respond(error_reply(Code::unauthorized, "wrong username or password"));
    });
  }
  if (user->disabled) return respond(error_reply(Code::forbidden, "this account is disabled"));

  std::string dev = in.device_id, dev_name = in.device_name, pk = in.public_key;
  post([this, user = *user, dev, dev_name, pk, by_user, respond] {
    try {
      int64_t at = opt_.wall();
      Transaction txn(*db_);
      if (auto st = auth::bind_device(*db_, dev, user.id, pk, dev_name, at); !st)
        return respond(error_reply(st.error().code, st.error().message));
      throttle_.succeeded(*db_, by_user);
      int64_t expires = at + opt_.token_ttl_ms;
      std::string token = auth::issue_token(*db_, user.id, dev, expires);
      txn.commit();
      metrics_.devices = db_->query_int("SELECT count(*) FROM _devices");
      const auto& users = *find_table("users");
      sync::Row row;
      engine_->store().load(users, user.id, row);
      std::string display = value_to_string(row.values[static_cast<size_t>(users.index_of("name"))]);
      std::string body = "{\"token\":";
      append_json_string(body, token);
      body += ",\"expires_at\":" + std::to_string(expires) + ",\"user\":{\"id\":";
      append_json_string(body, user.id);
      body += ",\"username\":";
      append_json_string(body, user.username);
      body += ",\"name\":";
      append_json_string(body, display);
      body += ",\"roles\":[";
      bool first = true;
      for (Role r : kAllRoles) {
        if (!user.roles.has(r)) continue;
        if (!first) body += ',';
        first = false;
        append_json_string(body, role_name(r));
      }
      body += "]},\"server_hlc\":" + std::to_string(clock_->now()) + "}";
      respond(Reply{200, "application/json", std::move(body)});
    } catch (const std::exception& e) {
      Log::write(Level::error, "storage fault", {{"path", "/v1/auth/login"}, {"error", e.what()}});
      respond(storage_fault(e.what()));
    }
  });
}

void SyncService::push(Request& req, Responder& respond) {
  Session s;
  std::optional<std::string> key;
  {
    ReaderLease r(*this);
    auto sess = session(req, *r, true);
    if (!sess) return respond(error_reply(sess.error().code, sess.error().message));
    s = *sess;
    key = auth::public_key(*r->db, s.device_id);
  }
  if (!key) return respond(error_reply(Code::unauthorized, req.signature.empty() ? "missing X-Gridwork-Signature"
                                                                                 : "unknown device"));
  // A big body's signature is checked beside its parse: each reads every
  // byte, and the device waits for both before the writer even starts. A
  // small one's first, as ever: nothing unsigned is parsed for nothing.
  auto check_body = [&] { return auth::verify_signature(*key, req.body, req.signature); };
  std::future<Status> body_signed;
  if (req.body.size() >= tuning::kParallelBodyBytes) body_signed = std::async(std::launch::async, check_body);
  else if (auto st = check_body(); !st) return respond(error_reply(st.error().code, st.error().message));
  auto j = parse_json(req.body);
  if (body_signed.valid())
    if (auto st = body_signed.get(); !st) return respond(error_reply(st.error().code, st.error().message));
  if (!j) return respond(error_reply(Code::invalid, j.error().message));
  // The links' signatures here, not on the writer, which every push waits for.
  auto links = std::make_shared<sync::SignedLinks>();
  if (const Json* patches = j->find("patches"); key && patches && patches->is_array()) {
    const Json* seal = j->find("seal");
    auto raw = seal && seal->is_string() ? sync::from_base64(seal->as_string()) : std::nullopt;
    *links = sync::check_signatures(patches->as_array(), *key, std::max(1u, std::thread::hardware_concurrency()),
                                    raw.value_or(std::string()), true);
  }
  post([this, s, json = std::move(*j), links, respond]() mutable {
    // A revoked device's patches are held for an admin, never merged; the
    // answer is the wipe order (after the push is stored: nothing is lost).
    auto mode = s.revoked ? sync::PushMode::hold : sync::PushMode::merge;
    auto answer = engine_->push(sync::Principal{s.user_id, s.device_id}, std::move(json), mode, links.get());
    if (!answer && answer.error().code == Code::io) {
      Log::write(Level::error, "storage fault", {{"path", "/v1/sync/push"}, {"error", answer.error().message}});
      return respond(storage_fault(answer.error().message));
    }
    if (!answer) return respond(error_reply(answer.error().code, answer.error().message));
    // Held patches open conflicts in their grids: the admins' long-polls wake
    // for them as for any push.
    metrics_.conflicts += answer->conflicts;
    auto touched = engine_->take_touched();
    HlcTime hlc = answer->server_hlc;
    if (s.revoked) {
      respond(error_reply(Code::revoked, "this device has been revoked by an admin: " +
                                             std::to_string(answer->rejected.size()) +
                                             " records kept for review; its data is to be wiped"));
    } else {
      metrics_.patches_merged += static_cast<int64_t>(answer->accepted.size());
      metrics_.patches_refused += static_cast<int64_t>(answer->rejected.size());
      respond(Reply{200, "application/json", sync::encode(*answer)});
    }
    if (!touched.empty()) wake(touched, hlc);
    if (!touched.empty() && wake_channel_) wake_channel_->publish(*db_, touched, hlc);
  });
}

void SyncService::pull(Request& req, Responder& respond) {
  ReaderLease r(*this);
  auto s = session(req, *r);
  if (!s) return respond(error_reply(s.error().code, s.error().message));
  auto j = parse_json(req.body);
  if (!j) return respond(error_reply(Code::invalid, j.error().message));
  auto asked = sync::decode_pull_request(*j);
  if (!asked) return respond(error_reply(asked.error().code, asked.error().message));
  sync::Principal who{s->user_id, s->device_id};
  auto answer = r->engine->pull(who, *asked);
  if (!answer) return respond(error_reply(answer.error().code, answer.error().message));
  respond(Reply{200, "application/json", sync::encode(*answer)});
  // While the reply travels and the tablet parses it, the next page is built
  // here: only with a reader to spare, so a busy server answers before it guesses.
  if (answer->more && reader_to_spare()) r->engine->pull_ahead(who, *asked, *answer);
}

bool SyncService::reader_to_spare() {
  std::lock_guard lock(readers_m_);
  return !free_readers_.empty();
}

// KPIs (DESIGN §5, shared/kpi.hpp) for supervisors, and for zone chiefs
// over their own zone; JSON, or CSV when asked with Accept: text/csv.
void SyncService::kpi(Request& req, Responder& respond) {
  ReaderLease r(*this);
  auto s = session(req, *r);
  if (!s) return respond(error_reply(s.error().code, s.error().message));
  auto& directory = r->engine->directory();
  auto user = directory.user(s->user_id);
  if (!user) return respond(error_reply(Code::unauthorized, "unknown user"));
  if (user->disabled) return respond(error_reply(Code::forbidden, "user " + user->username + " is disabled"));
  bool centre = user->roles.has(Role::supervisor);
  if (!centre && !user->roles.has(Role::chief))
    return respond(error_reply(Code::forbidden, "KPI reports are for supervisors and zone chiefs"));
  auto parsed = parse_kpi_query(req.query);
  if (!parsed) return respond(error_reply(parsed.error().code, parsed.error().message));
  KpiQuery& q = *parsed;
  ReadSnapshot snapshot(*r->db);
  if (!centre) {
    // A chief's report covers the grids the chief may read: the zone.
    for (const auto& b : directory.readable_buckets(*user))
      if (b.rfind("grid:", 0) == 0) q.grids.insert(b.substr(5));
    q.grids.insert("");  // a chief with no grid gets an empty report, not the park's
  }
  auto report = compute_kpi(*r->db, q);
  if (!report) return respond(error_reply(report.error().code, report.error().message));
  if (req.accept.find("text/csv") != std::string::npos)
    return respond(Reply{200, "text/csv; charset=utf-8", kpi_csv(*report)});
  respond(Reply{200, "application/json", kpi_json(*report)});
}

// A record's every write from the log (DESIGN §7): what an admin reads
// beside a conflict. `?table=households&row=<id>`.
void SyncService::history(Request& req, Responder& respond) {
  ReaderLease r(*this);
  auto s = session(req, *r);
  if (!s) return respond(error_reply(s.error().code, s.error().message));
  auto q = parse_record_query(req.query);
  if (!q) return respond(error_reply(q.error().code, q.error().message));
  ReadSnapshot snapshot(*r->db);
  auto h = r->engine->history(sync::Principal{s->user_id, s->device_id}, q->table, q->row);
  if (!h) return respond(error_reply(h.error().code, h.error().message));
  // A record of personal data read through the server goes into the audit
  // (sync/server/audit.hpp), by the writer, before the answer: no read unrecorded.
  if (const TableSpec* t = find_table(q->table); t && t->has_pii())
    post([this, who = *s, q = *q, respond, body = std::move(*h)]() mutable {
      try {
        sync::record_history_read(*db_, who.user_id, who.device_id, q.table, q.row, opt_.wall());
      } catch (const DbError& e) {
        // The read is refused: a history read the audit does not hold must not happen.
        Log::write(Level::error, "storage fault", {{"path", "/v1/history"}, {"error", e.what()}});
        return respond(storage_fault(e.what()));
      }
      respond(Reply{200, "application/json", std::move(body)});
    });
  else
    respond(Reply{200, "application/json", std::move(*h)});
}

// Who viewed or changed personal data, when, from which device (DESIGN §8):
// `?from=<ms>&to=<ms>[&format=csv]`, for supervisors and admins.
void SyncService::audit(Request& req, Responder& respond) {
  ReaderLease r(*this);
  auto s = session(req, *r);
  if (!s) return respond(error_reply(s.error().code, s.error().message));
  auto user = r->engine->directory().user(s->user_id);
  if (!user || user->disabled || !user->office())
    return respond(error_reply(Code::forbidden, "the personal-data audit is for supervisors and admins"));
  auto period = parse_audit_query(req.query);
  if (!period) return respond(error_reply(period.error().code, period.error().message));
  sync::AuditQuery q{period->from, period->to};
  ReadSnapshot snapshot(*r->db);
  auto entries = sync::audit_trail(*r->db, r->engine->directory(), q);
  if (!entries) return respond(error_reply(entries.error().code, entries.error().message));
  if (query_param(req.query, "format") == "csv")
    return respond(Reply{200, "text/csv; charset=utf-8", sync::audit_csv(*entries)});
  respond(Reply{200, "application/json", sync::audit_json(q, *entries)});
}

// A record's chain links (DESIGN §8): proof of who recorded what, from
// which device, checkable offline (`gridwork-server evidence verify`).
void SyncService::evidence(Request& req, Responder& respond) {
  ReaderLease r(*this);
  auto s = session(req, *r);
  if (!s) return respond(error_reply(s.error().code, s.error().message));
  auto q = parse_record_query(req.query);  // the same ?table=&row= as history's
  if (!q) return respond(error_reply(q.error().code, q.error().message));
  ReadSnapshot snapshot(*r->db);
  auto e = r->engine->evidence(sync::Principal{s->user_id, s->device_id}, q->table, q->row);
  if (!e) return respond(error_reply(e.error().code, e.error().message));
  respond(Reply{200, "application/json", e->dump()});
}

// The session's user changes their own password (body {"old", "new"}): the
// old one is checked as at login, so a tablet left unlocked cannot take the
// account over; the tablet then re-wraps its data key under the new one.
void SyncService::change_password(Request& req, Responder& respond) {
  auto change = parse_password_change(req.body);
  if (!change) return respond(error_reply(change.error().code, change.error().message));
  std::string user_id;
  {
    ReaderLease r(*this);
    auto s = session(req, *r);
    if (!s) return respond(error_reply(s.error().code, s.error().message));
    auto user = r->engine->directory().user(s->user_id);
    if (!user || user->disabled) return respond(error_reply(Code::forbidden, "this account is disabled"));
    auto hash = auth::password_hash(*r->db, s->user_id);
    if (!hash || !verify_password(*hash, change->old_password))
      return respond(error_reply(Code::forbidden, "the old password is wrong"));
    user_id = s->user_id;
  }
  post([this, user_id, hash = hash_password(change->new_password), respond] {
    try {
      auth::set_password(*db_, user_id, hash);
      respond(Reply{200, "application/json", "{\"changed\":true}"});
    } catch (const std::exception& e) {
      Log::write(Level::error, "storage fault", {{"path", "/v1/password"}, {"error", e.what()}});
      respond(storage_fault(e.what()));
    }
  });
}

void SyncService::wait(Request& req, Responder& respond) {
  std::set<std::string> buckets;
  {
    ReaderLease r(*this);
    auto s = session(req, *r);
    if (!s) return respond(error_reply(s.error().code, s.error().message));
    auto user = r->engine->directory().user(s->user_id);
    if (!user) return respond(error_reply(Code::unauthorized, "unknown user"));
    auto list = r->engine->directory().readable_buckets(*user);
    buckets.insert(list.begin(), list.end());
  }
  auto parsed = parse_wait_query(req.query);
  if (!parsed) return respond(error_reply(parsed.error().code, parsed.error().message));
  HlcTime since = *parsed;
  std::lock_guard lock(waiters_m_);
  // A change that landed between the caller's last pull and this wait.
  for (const auto& [hlc, touched] : recent_) {
    if (hlc <= since) continue;
    for (const auto& b : touched)
      if (buckets.count(b) || b == PgWakeChannel::kAllBuckets)
        return respond(Reply{200, "application/json", "{\"changed\":true,\"server_hlc\":" + std::to_string(hlc) + "}"});
  }
  waiters_.push_back({std::move(buckets), respond, opt_.wall() + opt_.wait_ms});
  metrics_.waiters = static_cast<int64_t>(waiters_.size());
}

void SyncService::wake(const std::set<std::string>& touched, HlcTime hlc) {
  std::vector<Responder> due;
  {
    std::lock_guard lock(waiters_m_);
    recent_.emplace_back(hlc, touched);
    while (recent_.size() > 256) recent_.pop_front();  // a minute of busy pushes
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      bool hit = false;
      for (const auto& b : touched) hit = hit || it->buckets.count(b) || b == PgWakeChannel::kAllBuckets;
      if (hit) {
        due.push_back(std::move(it->respond));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    metrics_.waiters = static_cast<int64_t>(waiters_.size());
  }
  for (auto& r : due) r(Reply{200, "application/json", "{\"changed\":true,\"server_hlc\":" + std::to_string(hlc) + "}"});
}

void SyncService::with_engine(const std::string& db_path,
                              const std::function<void(sync::ServerEngine&, Db&)>& f) {
  auto db = open_database(db_path);
  Hlc clock(system_ms);
  sync::ServerEngine engine(*db, clock);
  create_auth_tables(*db);
  f(engine, *db);
}

}  // namespace gw::server
