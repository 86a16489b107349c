#include "server/http_front.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "server/cpprest.hpp"

#include "server/log.hpp"

namespace gw::server {

using web::http::http_request;
using web::http::http_response;
using web::http::experimental::listener::http_listener;
using web::http::experimental::listener::http_listener_config;

namespace {

// cpprestsdk builds a TLS context per accepted connection and calls this on
// its I/O thread, where an exception would end the process: a failure is
// logged and that one handshake fails.
http_listener_config listener_config(std::optional<TlsIdentity> tls) {
  http_listener_config cfg;
  if (!tls) return cfg;
  cfg.set_ssl_context_callback([id = std::make_shared<TlsIdentity>(std::move(*tls))](boost::asio::ssl::context& ctx) {
    try {
      configure_tls(ctx, *id);
    } catch (const std::exception& e) {
      Log::write(Level::error, "tls context", {{"error", e.what()}});
    }
  });
  return cfg;
}

}  // namespace

struct HttpFront::Impl {
  SyncService& service;
  size_t max_body;
  http_listener listener;
  // Replies still being written. The listener is closed only when none is:
  // closing it under a reply in flight crashed cpprestsdk's I/O threads
  // (SIGSEGV in the reactor), e.g. when SIGTERM answered 50 long-polls at once.
  // Shared with the replies' continuations, which may outlive a close that
  // gave up waiting.
  struct Replies {
    std::mutex m;
    std::condition_variable cv;
    int n = 0;
  };
  std::shared_ptr<Replies> replies = std::make_shared<Replies>();

  Impl(SyncService& s, const std::string& url, size_t max, std::optional<TlsIdentity> tls)
      : service(s), max_body(max), listener(url, listener_config(std::move(tls))) {}

  static std::string header(const http_request& req, const char* name) {
    auto it = req.headers().find(name);
    return it == req.headers().end() ? std::string() : it->second;
  }

  static void send(const std::shared_ptr<Replies>& replies, http_request req, Reply r) {
    http_response resp(static_cast<web::http::status_code>(r.status));
    resp.headers().set_content_type(r.content_type);
    resp.set_body(std::move(r.body), r.content_type);
    {
      std::lock_guard lock(replies->m);
      ++replies->n;
    }
    req.reply(resp).then([replies](pplx::task<void> t) {
      try {
        t.get();
      } catch (const std::exception& e) {
        Log::write(Level::debug, "reply not delivered", {{"error", e.what()}});
      }
      std::lock_guard lock(replies->m);
      if (--replies->n == 0) replies->cv.notify_all();
    });
  }

  // Bounded: a client that stopped reading must not hold the server open.
  void wait_for_replies() {
    std::unique_lock lock(replies->m);
    replies->cv.wait_for(lock, std::chrono::seconds(5), [&] { return replies->n == 0; });
  }

  void on_request(http_request req) {
    Request r;
    r.method = req.method();
    r.path = req.relative_uri().path();
    r.query = req.relative_uri().query();
    r.authorization = header(req, "Authorization");
    r.signature = header(req, "X-Gridwork-Signature");
    r.accept = header(req, "Accept");
    r.peer = req.remote_address();
    // Refuse an oversized body before reading it.
    if (req.headers().content_length() > max_body) {
      send(replies, req, error_reply(Code::too_large, "body over " + std::to_string(max_body) + " bytes"));
      return;
    }
    req.extract_vector().then([this, req, r = std::move(r)](pplx::task<std::vector<unsigned char>> t) mutable {
      try {
        auto bytes = t.get();
        r.body.assign(bytes.begin(), bytes.end());
      } catch (const std::exception& e) {
        send(replies, req, error_reply(Code::invalid, std::string("could not read the body: ") + e.what()));
        return;
      }
      service.handle(std::move(r), [replies = replies, req](Reply reply) { send(replies, req, std::move(reply)); });
    });
  }
};

HttpFront::HttpFront(SyncService& service, const std::string& url, size_t max_body, std::optional<TlsIdentity> tls)
    : impl_(std::make_unique<Impl>(service, url, max_body, std::move(tls))) {
  impl_->listener.support([this](http_request req) { impl_->on_request(std::move(req)); });
  impl_->listener.open().wait();
}

HttpFront::~HttpFront() { close(); }

void HttpFront::close() {
  if (!impl_) return;
  impl_->wait_for_replies();
  try {
    impl_->listener.close().wait();
  } catch (const std::exception& e) {
    Log::write(Level::warn, "listener close", {{"error", e.what()}});
  }
  impl_.reset();
}

}  // namespace gw::server
