// The server over TLS: a self-signed certificate made at test time with the
// openssl CLI, the real server serving https on loopback, the tablet's
// transport trusting it through a CA file, or not.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "net/http_transport.hpp"
#include "tests/server/fixture.hpp"
#include "tests/support/server_process.hpp"

// cpprestsdk 2.10.18's asio client leaves OpenSSL's per-connection state
// (SSL objects from the handshake) unfreed, on failed and on pooled
// connections alike: LeakSanitizer sees only libcrypto frames (it has no
// frame pointers). Not this code's; everything else stays checked.
extern "C" const char* __lsan_default_suppressions() { return "leak:libcrypto.so\n"; }

using namespace gw;
using gw::test::Device;
using gw::test::ServerProcess;

namespace {

struct Output {
  int status = -1;
  std::string text;  // stdout and stderr
};

Output run(const std::string& cmd) {
  Output out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.text.append(buf, n);
  int rc = pclose(p);
  out.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

// A temp dir with a self-signed certificate for 127.0.0.1 (cert.pem, key.pem)
// and a second, unrelated one (other.pem) that a device may wrongly trust.
struct Certs {
  std::string dir, cert, key, other;
  Certs() {
    char tmpl[] = "/tmp/gridwork-tls-XXXXXX";
    dir = mkdtemp(tmpl);
    cert = dir + "/cert.pem";
    key = dir + "/key.pem";
    other = dir + "/other.pem";
    make(cert, key);
    make(other, dir + "/other-key.pem");
  }
  ~Certs() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  static void make(const std::string& cert_path, const std::string& key_path) {
    auto r = run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "
                 "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout '" +
                 key_path + "' -out '" + cert_path + "'");
    REQUIRE_MESSAGE(r.status == 0, r.text);
  }
};

// gridwork-server with ARGS on a fresh database; it must not start.
Output refused_start(const Certs& c, const std::string& args) {
  return run("timeout 60 '" + ServerProcess::binary() + "' --db '" + c.dir + "/refused.db' --listen 127.0.0.1:" +
             std::to_string(ServerProcess::free_port()) + " --quiet " + args);
}

}  // namespace

TEST_SUITE("server-tls") {
  TEST_CASE("https: a device that trusts the server's certificate signs in, pushes and pulls") {
    Certs c;
    ServerProcess s({"--demo", "--tls-cert", c.cert, "--tls-key", c.key});
    REQUIRE(s.url().rfind("https://127.0.0.1:", 0) == 0);

    Device w(s.url(), "worker03", "gridwork-demo", c.cert);
    REQUIRE(w.sync.sync());
    std::string hh;
    {
      auto q = w.db.prepare("SELECT id FROM households ORDER BY id LIMIT 1");
      REQUIRE(q.step());
      hh = std::string(q.text(0));
    }
    const auto& households = *find_table("households");
    auto notes = static_cast<uint16_t>(households.index_of("notes"));
    REQUIRE(w.replica.write(households, hh, {{notes, Value{std::string("经 TLS 同步")}}}));
    auto pushed = w.sync.sync();
    REQUIRE(pushed);
    CHECK(pushed->pushed == 1);
    Device sup(s.url(), "supervisor01", "gridwork-demo", c.cert);
    sup.sync.pull_limit = 5000;
    REQUIRE(sup.sync.sync());
    auto q = sup.db.prepare("SELECT notes FROM households WHERE id = ?");
    q.bind(1, hh);
    REQUIRE(q.step());
    CHECK(q.text(0) == "经 TLS 同步");

    CHECK(s.stop() == 0);
  }

  TEST_CASE("https: a device that does not trust the certificate, or speaks plain http, gets nowhere") {
    Certs c;
    ServerProcess s({"--tls-cert", c.cert, "--tls-key", c.key});
    auto key = sync::DeviceKey::generate();
    for (const std::string& ca : {std::string(), c.other}) {
      CAPTURE(ca);
      net::HttpTransport untrusting(s.url(), key, 10'000, ca);
      auto r = untrusting.login("worker03", "gridwork-demo", "dev-untrusting", "t");
      REQUIRE_FALSE(r);
      CHECK(r.error().code == Code::offline);
      CHECK(r.error().message.find("certificate was not trusted") != std::string::npos);
    }

    std::string plain = "http://" + s.url().substr(std::string("https://").size());
    net::HttpTransport cleartext(plain, key, 10'000);
    auto r = cleartext.login("worker03", "gridwork-demo", "dev-plain", "t");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::offline);
    CHECK(s.stop() == 0);
  }

  TEST_CASE("the server refuses to start on half a TLS identity or a bad key, saying why") {
    Certs c;
    auto only_cert = refused_start(c, "--tls-cert '" + c.cert + "'");
    CHECK(only_cert.status != 0);
    CHECK(only_cert.text.find("--tls-cert and --tls-key go together") != std::string::npos);
    CHECK(only_cert.text.find("listening on") == std::string::npos);

    std::ofstream(c.dir + "/garbage.pem") << "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
    auto garbage = refused_start(c, "--tls-cert '" + c.cert + "' --tls-key '" + c.dir + "/garbage.pem'");
    CHECK(garbage.status != 0);
    CHECK(garbage.text.find("is not a PEM private key") != std::string::npos);
    CHECK(garbage.text.find("listening on") == std::string::npos);

    auto mismatched = refused_start(c, "--tls-cert '" + c.other + "' --tls-key '" + c.key + "'");
    CHECK(mismatched.status != 0);
    CHECK(mismatched.text.find(c.key) != std::string::npos);

    auto missing = refused_start(c, "--tls-cert '" + c.cert + "' --tls-key '" + c.dir + "/nope.pem'");
    CHECK(missing.status != 0);
    CHECK(missing.text.find("cannot read the TLS key file") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(c.dir + "/refused.db"));
  }
}
