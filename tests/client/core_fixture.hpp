// What the client core's tests against the real server share: app
// instances on temporary data directories, driven step by step.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "client/core/account.hpp"
#include "client/core/client_core.hpp"
#include "client/core/data_key.hpp"
#include "shared/sqlite.hpp"

namespace gw::test {

using client::ClientCore;
using client::CoreOptions;
using client::Snapshot;

inline constexpr const char* kPassword = "gridwork-demo";

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/gridwork-client-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

inline std::unique_ptr<ClientCore> open_app(const std::string& dir, const std::string& url) {
  CoreOptions o;
  o.data_dir = dir;
  o.server_url = url;
  o.auto_sync = false;  // the test decides when to sync
  o.auto_lock = false;  // nor does idle time lock it (no input comes)
  return std::make_unique<ClientCore>(o);
}

inline Snapshot settle(ClientCore& app) {
  app.wait_idle();
  return app.snapshot();
}

inline Snapshot sign_in(ClientCore& app, const char* user, const std::string& secret = kPassword) {
  app.sign_in(user, secret);
  return settle(app);
}

inline Snapshot synced(ClientCore& app) {
  app.sync_now();
  return settle(app);
}

// A tablet signed in as `user` and synced once: where most stories start.
inline std::unique_ptr<ClientCore> signed_in_app(const std::string& dir, const std::string& url, const char* user) {
  auto app = open_app(dir, url);
  REQUIRE_MESSAGE(sign_in(*app, user).session.signed_in, user);
  synced(*app);
  return app;
}

// The notices since the last call, with the first error's key if any.
inline std::string first_error(ClientCore& app) {
  for (const auto& n : app.take_notices())
    if (n.error) return n.key + ": " + n.detail;
  return "";
}

// A file as a test reads it: on a tablet's replica, sealed values open with
// gw_open(value, 'table.column') under the user's data key (unwrapped with
// `secret`); on any other file gw_open hands values back as they are.
struct KeyedDb {
  explicit KeyedDb(const std::string& path, const std::string& secret = kPassword) : db(path) {
    auto a = client::AccountFile(std::filesystem::path(path).parent_path().string()).load();
    if (a && !a->key_by_password.empty())
      if (auto k = client::DataKey::unwrap(a->key_by_password, secret)) key = *k;
    client::attach_data_key(db, key.get());
  }
  std::shared_ptr<client::DataKey> key;
  SqliteDb db;
};

inline int64_t count(const std::string& db_path, const std::string& sql) {
  SqliteDb db(db_path);
  return db.query_int(sql);
}

}  // namespace gw::test
