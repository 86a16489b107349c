#include "tests/support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <list>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "shared/rng.hpp"

namespace gw::test {
namespace {

// One read from a socket is one chunk, the unit a fault falls on. 64 KiB
// holds a push or a small pull page whole, so a fault rate reads as a rate
// per message rather than per kilobyte of a large answer.
constexpr size_t kChunkBytes = 64 * 1024;
// A server that takes no connection within this is down (a full backlog
// would otherwise hold the connect for the kernel's two minutes).
constexpr int kConnectMs = 5000;
// A reset after a request chunk falls once the client has sent the rest of
// its request (HTTP clients write the head and the body apart): it has
// been quiet this long.
constexpr int kRequestTailMs = 100;
// Then how long the server may take to answer, i.e. to have acted, before
// its connection is closed anyway.
constexpr int kAwaitAnswerMs = 5000;

using Rng = SeededRng;

bool send_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

void no_delay(int fd) {
  // Each chunk goes on at once, as the client wrote it: Nagle would add
  // delays of its own that no plan asked for.
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  return a;
}

}  // namespace

struct FaultProxy::Impl {
  // One client connection and its upstream, served by a thread of its own.
  // The fds are read and closed under the mutex, so the destructor can shut
  // down whatever is still open without racing a close.
  struct Link {
    int client = -1;
    int upstream = -1;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  // What becomes of a connection after a chunk.
  enum class Next { go, close, reset, reset_awaiting_answer };

  Impl(int up_port, const FaultPlan& p);
  ~Impl();
  void accept_loop();
  void serve(Link& l, uint64_t seed);
  int connect_upstream();
  Next relay(int client, int up, Rng& rng);
  Next pass(bool request, const char* buf, size_t n, int to, Rng& rng);
  void finish_request(int client, int up);
  void await_answer(int up);
  bool nap(int ms);  // false when the proxy stops meanwhile
  void close_client(Link& l, bool reset);
  void reap();
  FaultPlan plan_now() const {
    std::lock_guard lock(mu);
    return plan;
  }

  int upstream_port;
  int listen_fd = -1;
  int port = 0;
  int wake[2] = {-1, -1};  // a byte is written at stop; every poll watches the read end
  mutable std::mutex mu;   // plan, links, and the fds in links
  FaultPlan plan;
  std::list<std::unique_ptr<Link>> links;
  std::thread acceptor;
  std::atomic<int64_t> connections{0}, chunks{0}, dropped{0}, delayed{0}, truncated{0}, reset{0}, refused{0}, cut{0};
  std::atomic<int> open{0};
};

FaultProxy::Impl::Impl(int up_port, const FaultPlan& p) : upstream_port(up_port), plan(p) {
  // Two fds per connection: hundreds of them pass a soft limit of 1024.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  if (pipe2(wake, O_CLOEXEC) != 0) throw std::runtime_error("fault proxy: pipe failed");
  listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  // A deep backlog: the soak opens hundreds of connections at once.
  if (listen_fd < 0 || bind(listen_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listen_fd, 1024) != 0 ||
      getsockname(listen_fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (listen_fd >= 0) close(listen_fd);
    close(wake[0]);
    close(wake[1]);
    throw std::runtime_error("fault proxy: cannot listen on 127.0.0.1");
  }
  port = ntohs(a.sin_port);
  acceptor = std::thread([this] { accept_loop(); });
}

FaultProxy::Impl::~Impl() {
  (void)!write(wake[1], "x", 1);
  acceptor.join();
  {
    // Unblocks a thread stuck in send() to a peer that stopped reading.
    std::lock_guard lock(mu);
    for (auto& l : links) {
      if (l->client >= 0) shutdown(l->client, SHUT_RDWR);
      if (l->upstream >= 0) shutdown(l->upstream, SHUT_RDWR);
    }
  }
  for (auto& l : links) l->thread.join();
  close(listen_fd);
  close(wake[0]);
  close(wake[1]);
}

void FaultProxy::Impl::accept_loop() {
  uint64_t n = 0;
  for (;;) {
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
    int r = poll(fds, 2, 250);  // wakes now and then to join finished connections
    reap();
    if (fds[1].revents) return;
    if (r <= 0 || !(fds[0].revents & POLLIN)) continue;
    int c = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (!nap(10)) return;  // out of fds, say: the listener stays readable, so don't spin
      continue;
    }
    no_delay(c);
    ++connections;
    // A generator per connection, from the plan's seed and the connection's
    // number: the same run of faults each time, as far as the order of
    // accepts repeats.
    uint64_t mixed = plan_now().seed ^ (++n * 0xd1b54a32d192ed03ULL);
    uint64_t seed = SeededRng(mixed).next();
    auto link = std::make_unique<Link>();
    link->client = c;
    Link& l = *link;
    std::lock_guard lock(mu);
    links.push_back(std::move(link));
    l.thread = std::thread([this, &l, seed] { serve(l, seed); });
  }
}

void FaultProxy::Impl::reap() {
  std::lock_guard lock(mu);
  for (auto it = links.begin(); it != links.end();) {
    if ((*it)->done) {
      (*it)->thread.join();
      it = links.erase(it);
    } else {
      ++it;
    }
  }
}

void FaultProxy::Impl::serve(Link& l, uint64_t seed) {
  ++open;
  Rng rng(seed);
  int up = connect_upstream();
  Next end = Next::close;
  if (up < 0) {
    ++refused;  // the server is down or restarting: the client hears a closed connection
  } else {
    {
      std::lock_guard lock(mu);
      l.upstream = up;
    }
    end = relay(l.client, up, rng);
  }
  if (end == Next::reset_awaiting_answer) finish_request(l.client, up);
  close_client(l, end == Next::reset || end == Next::reset_awaiting_answer);
  if (end == Next::reset_awaiting_answer) await_answer(up);
  {
    std::lock_guard lock(mu);
    if (l.upstream >= 0) close(l.upstream);
    l.upstream = -1;
  }
  --open;
  l.done = true;
}

int FaultProxy::Impl::connect_upstream() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in a = loopback(upstream_port);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd fds[2] = {{fd, POLLOUT, 0}, {wake[0], POLLIN, 0}};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(fds, 2, kConnectMs) == 1 && fds[0].revents && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
        err == 0)
      rc = 0;
  }
  if (rc != 0) {
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  no_delay(fd);
  return fd;
}

FaultProxy::Impl::Next FaultProxy::Impl::relay(int client, int up, Rng& rng) {
  std::vector<char> buf(kChunkBytes);
  int64_t sent_up = 0;  // request bytes this connection carried
  for (;;) {
    pollfd fds[3] = {{client, POLLIN, 0}, {up, POLLIN, 0}, {wake[0], POLLIN, 0}};
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return Next::close;
    }
    if (fds[2].revents) return Next::close;
    for (int side = 0; side < 2; ++side) {
      if (!fds[side].revents) continue;
      bool request = side == 0;
      ssize_t n = recv(request ? client : up, buf.data(), buf.size(), 0);
      // Either end gone (a server's idle keep-alive ends so too). No half
      // close: an HTTP client never shuts its side while it awaits an answer.
      if (n <= 0) return Next::close;
      if (int64_t cut_at = plan_now().cut_after_bytes; request && cut_at > 0 && sent_up + n > cut_at) {
        ++cut;
        send_all(up, buf.data(), static_cast<size_t>(cut_at - sent_up));
        return Next::close;
      }
      if (request) sent_up += n;
      Next next = pass(request, buf.data(), static_cast<size_t>(n), request ? up : client, rng);
      if (next != Next::go) return next;
    }
  }
}

FaultProxy::Impl::Next FaultProxy::Impl::pass(bool request, const char* buf, size_t n, int to, Rng& rng) {
  FaultPlan p = plan_now();
  ++chunks;
  // The same four draws for every chunk, whatever befalls it, so one fault
  // does not shift the dice of the chunks after it.
  bool fault = rng.chance(request ? p.drop : p.truncate);
  bool reset_it = rng.chance(p.reset);
  bool delay_it = rng.chance(p.delay);
  uint64_t amount = rng.next();
  if (fault && request) {
    ++dropped;
    return Next::close;
  }
  if (fault) {
    // A strict prefix, so the client holds a part of the answer, never all.
    ++truncated;
    send_all(to, buf, n > 1 ? 1 + amount % (n - 1) : 0);
    return Next::close;
  }
  if (reset_it && !request) {
    ++reset;
    return Next::reset;
  }
  if (delay_it) {
    ++delayed;
    if (!nap(1 + static_cast<int>(amount % static_cast<uint64_t>(std::max(1, p.delay_ms_max))))) return Next::close;
  }
  if (!send_all(to, buf, n)) return Next::close;
  if (reset_it) {
    ++reset;
    return Next::reset_awaiting_answer;
  }
  return Next::go;
}

// The rest of a request whose client is about to be reset goes on as it
// comes, so the reset falls after the whole request reached the server.
void FaultProxy::Impl::finish_request(int client, int up) {
  std::vector<char> buf(kChunkBytes);
  for (;;) {
    pollfd fds[2] = {{client, POLLIN, 0}, {wake[0], POLLIN, 0}};
    if (poll(fds, 2, kRequestTailMs) <= 0 || fds[1].revents) return;
    ssize_t n = recv(client, buf.data(), buf.size(), 0);
    if (n <= 0 || !send_all(up, buf.data(), static_cast<size_t>(n))) return;
  }
}

// The client was reset just after its request went on: the upstream is
// kept until the server answers, so the server acts on it as it would for
// a client whose link died, rather than seeing its socket vanish first.
void FaultProxy::Impl::await_answer(int up) {
  pollfd fds[2] = {{up, POLLIN, 0}, {wake[0], POLLIN, 0}};
  if (poll(fds, 2, kAwaitAnswerMs) > 0 && fds[0].revents) {
    char sink[4096];
    (void)!recv(up, sink, sizeof sink, 0);
  }
}

bool FaultProxy::Impl::nap(int ms) {
  pollfd fd = {wake[0], POLLIN, 0};
  return poll(&fd, 1, ms) == 0;
}

void FaultProxy::Impl::close_client(Link& l, bool rst) {
  std::lock_guard lock(mu);
  if (l.client < 0) return;
  if (rst) {
    // Linger 0: close() sends RST and drops what is unsent, as a dead link does.
    linger lg{1, 0};
    setsockopt(l.client, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  close(l.client);
  l.client = -1;
}

FaultProxy::FaultProxy(int upstream_port, FaultPlan plan) : impl_(std::make_unique<Impl>(upstream_port, plan)) {}

FaultProxy::~FaultProxy() = default;

int FaultProxy::port() const { return impl_->port; }

std::string FaultProxy::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

void FaultProxy::set_plan(const FaultPlan& plan) {
  std::lock_guard lock(impl_->mu);
  impl_->plan = plan;
}

FaultCounts FaultProxy::counts() const {
  const Impl& i = *impl_;
  return {i.connections, i.chunks, i.dropped, i.delayed, i.truncated, i.reset, i.refused, i.cut};
}

int FaultProxy::open_connections() const { return impl_->open; }

}  // namespace gw::test
