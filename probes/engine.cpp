// The probe engine: one epoll loop drives every target's ladder. c-ares reports the sockets
// it wants watched through its socket-state callback and is fed with ares_process_fd (1.18
// has no event thread); libcurl's multi interface does the same through its socket and timer
// callbacks and curl_multi_socket_action; TCP connects and the MySQL/PostgreSQL handshakes
// are non-blocking sockets owned by the loop. Nothing here blocks, so a run with enough
// concurrency takes about one timeout however many targets fail.
#include <arpa/inet.h>
#include <ares.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "classify.hpp"
#include "probe.hpp"
#include "wire.hpp"

namespace syncpath::probes {

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

bool parse_ipv4(const std::string& text, in_addr& out) { return ::inet_pton(AF_INET, text.c_str(), &out) == 1; }

std::string ip_string(const in_addr& a) {
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

// Splits "IP" or "IP:PORT" into the form c-ares wants ("IP:PORT"); empty on a bad value.
std::string dns_server_csv(const std::string& text) {
  std::string ip = text, port = "53";
  auto colon = text.rfind(':');
  if (colon != std::string::npos) {
    ip = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  in_addr a{};
  if (!parse_ipv4(ip, a) || port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return {};
  int p = std::stoi(port);
  if (p < 1 || p > 65535) return {};
  return ip + ":" + std::to_string(p);
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%gs", s);
  return buf;
}

enum class Stage { pending, dns, tcp, mysql, postgresql, http, done };
enum class MysqlState { greeting, auth };
enum class PgState { startup, sasl, authenticated };

struct Task {
  std::size_t index = 0;
  Target target;  // with the password, used only to log in
  TargetResult result;
  Stage stage = Stage::pending;
  Clock::time_point step_start{}, deadline{};
  double step_ms = 0.0;  // time spent in the current step over its attempts
  int attempts_left = 0;
  unsigned token = 0;  // bumped when a step is abandoned, so late DNS answers are ignored
  in_addr address{};
  int fd = -1;
  std::string in, out;
  // handshake state
  MysqlState mysql_state = MysqlState::greeting;
  int mysql_seq = 0;
  std::string mysql_scramble;
  PgState pg_state = PgState::startup;
  std::unique_ptr<wire::ScramSha256> scram;
  std::string handshake_note;
  CURL* easy = nullptr;
  char curl_error[CURL_ERROR_SIZE] = {};
};

enum class Owner { ares, curl, task };

struct Watch {
  short events = 0;
  Owner owner = Owner::task;
  Task* task = nullptr;
  std::uint32_t serial = 0;  // changes when the descriptor gets a new owner: stale events are dropped
};

std::once_flag g_library_init;

class Engine {
 public:
  Engine(const Options& options) : options_(options) {
    std::call_once(g_library_init, [] {
      ares_library_init(ARES_LIB_INIT_ALL);
      curl_global_init(CURL_GLOBAL_DEFAULT);
    });
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    timeout_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.timeout_seconds));
    init_ares();
    multi_ = curl_multi_init();
    if (!multi_) throw std::runtime_error("libcurl: cannot create a multi handle");
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Engine::curl_socket_cb);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Engine::curl_timer_cb);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  }

  ~Engine() {
    // The channel goes first: destroying it calls the pending DNS callbacks, which look at
    // tasks that must still exist.
    if (channel_) ares_destroy(channel_);
    for (auto& t : tasks_) {
      if (t->easy) {
        curl_multi_remove_handle(multi_, t->easy);
        curl_easy_cleanup(t->easy);
      }
      if (t->fd >= 0) ::close(t->fd);
    }
    curl_multi_cleanup(multi_);
    ::close(epoll_fd_);
  }

  std::vector<TargetResult> run(const std::vector<Target>& targets) {
    for (std::size_t i = 0; i < targets.size(); ++i) {
      auto t = std::make_unique<Task>();
      t->index = i;
      t->target = targets[i];
      t->result.target = targets[i];
      t->result.target.password.clear();
      tasks_.push_back(std::move(t));
    }
    std::size_t next = 0;
    const std::size_t limit = static_cast<std::size_t>(std::max(1, options_.concurrency));
    std::vector<epoll_event> events(512);
    while (true) {
      while (active_.size() < limit && next < tasks_.size()) start(*tasks_[next++]);
      if (active_.empty() && next >= tasks_.size()) break;

      // Sleep until the nearest deadline: a task's step, curl's timer, or c-ares' retry timer.
      auto now = Clock::now();
      auto wake = now + std::chrono::seconds(1);
      for (Task* t : active_) wake = std::min(wake, t->deadline);
      if (curl_deadline_) wake = std::min(wake, *curl_deadline_);
      if (channel_) {
        timeval max{1, 0}, tv{};
        timeval* got = ares_timeout(channel_, &max, &tv);
        if (got) wake = std::min(wake, now + std::chrono::seconds(got->tv_sec) + std::chrono::microseconds(got->tv_usec));
      }
      int wait_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(std::max(wake - now, Clock::duration::zero())).count());

      int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), wait_ms);
      if (n < 0 && errno != EINTR) throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
      for (int i = 0; i < n; ++i) {
        int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
        auto serial = static_cast<std::uint32_t>(events[i].data.u64 >> 32);
        auto it = watches_.find(fd);
        // The watch may have gone, or the descriptor been reused, while handling an earlier one.
        if (it == watches_.end() || it->second.serial != serial) continue;
        std::uint32_t e = events[i].events;
        short revents = static_cast<short>(((e & EPOLLIN) ? POLLIN : 0) | ((e & EPOLLOUT) ? POLLOUT : 0) |
                                           ((e & EPOLLERR) ? POLLERR : 0) | ((e & EPOLLHUP) ? POLLHUP : 0));
        dispatch(fd, it->second, revents);
      }
      if (channel_) ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // c-ares timeouts
      if (curl_deadline_ && Clock::now() >= *curl_deadline_) {
        curl_deadline_.reset();
        int running = 0;
        curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
      }
      drain_curl();
      now = Clock::now();
      std::vector<Task*> expired;
      for (Task* t : active_)
        if (t->deadline <= now) expired.push_back(t);
      for (Task* t : expired)
        if (t->stage != Stage::done) step_timed_out(*t);
    }
    std::vector<TargetResult> results;
    results.reserve(tasks_.size());
    for (auto& t : tasks_) results.push_back(std::move(t->result));
    return results;
  }

 private:
  // ---- watches ----
  void watch(int fd, short events, Owner owner, Task* task) {
    auto [it, inserted] = watches_.try_emplace(fd);
    Watch& w = it->second;
    bool renew = inserted || w.owner != owner || w.task != task;
    if (renew) w.serial = ++serial_;
    if (!renew && w.events == events) return;
    w.events = events;
    w.owner = owner;
    w.task = task;
    epoll_event ev{};
    ev.events = ((events & POLLIN) ? EPOLLIN : 0u) | ((events & POLLOUT) ? EPOLLOUT : 0u);
    ev.data.u64 = (static_cast<std::uint64_t>(w.serial) << 32) | static_cast<std::uint32_t>(fd);
    // A descriptor closed behind our back left the epoll set by itself: add it again.
    if (::epoll_ctl(epoll_fd_, inserted ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) != 0) {
      int op = errno == ENOENT ? EPOLL_CTL_ADD : errno == EEXIST ? EPOLL_CTL_MOD : -1;
      if (op < 0 || ::epoll_ctl(epoll_fd_, op, fd, &ev) != 0)
        throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
    }
  }
  void unwatch(int fd) {
    if (watches_.erase(fd)) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);  // may be closed already
  }

  void dispatch(int fd, Watch w, short revents) {
    bool readable = revents & (POLLIN | POLLERR | POLLHUP);
    bool writable = revents & (POLLOUT | POLLERR | POLLHUP);
    switch (w.owner) {
      case Owner::ares:
        ares_process_fd(channel_, readable ? fd : ARES_SOCKET_BAD, writable ? fd : ARES_SOCKET_BAD);
        break;
      case Owner::curl: {
        int flags = (readable ? CURL_CSELECT_IN : 0) | (writable ? CURL_CSELECT_OUT : 0) |
                    ((revents & POLLERR) ? CURL_CSELECT_ERR : 0);
        int running = 0;
        curl_multi_socket_action(multi_, fd, flags, &running);
        break;
      }
      case Owner::task:
        on_socket(*w.task, readable, writable);
        break;
    }
  }

  // ---- c-ares ----
  static void ares_sock_state_cb(void* data, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<Engine*>(data);
    if (!readable && !writable) self->unwatch(fd);
    else self->watch(fd, static_cast<short>((readable ? POLLIN : 0) | (writable ? POLLOUT : 0)), Owner::ares, nullptr);
  }

  void init_ares() {
    ares_options opts{};
    opts.sock_state_cb = &Engine::ares_sock_state_cb;
    opts.sock_state_cb_data = this;
    opts.timeout = std::max(1, static_cast<int>(options_.timeout_seconds * 1000));
    opts.tries = 1;  // our own deadline and --retries decide about trying again
    // Hand SERVFAIL and REFUSED answers to us instead of quietly trying the next server, so
    // the user sees what the server said (c-ares 1.18 would report them as "refused").
    opts.flags = ARES_FLAG_NOCHECKRESP;
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
    std::string lookups = "b";
    if (!options_.dns_server.empty()) {
      // Asked for one server: ask only it, not /etc/hosts.
      opts.lookups = lookups.data();
      mask |= ARES_OPT_LOOKUPS;
    }
    int rc = ares_init_options(&channel_, &opts, mask);
    if (rc != ARES_SUCCESS) {
      channel_ = nullptr;
      ares_error_ = std::string("cannot set up the resolver: ") + ares_strerror(rc);
      return;
    }
    if (!options_.dns_server.empty()) {
      std::string csv = dns_server_csv(options_.dns_server);
      rc = csv.empty() ? ARES_EBADSTR : ares_set_servers_ports_csv(channel_, csv.c_str());
      if (rc != ARES_SUCCESS) throw std::invalid_argument("--dns-server " + options_.dns_server + ": expected IP or IP:PORT");
    }
    dns_server_ = describe_servers();
  }

  // The server a query goes to, for messages: the first one configured (c-ares asks it first
  // and, with one try and our own deadline, only it), and where it came from.
  std::string describe_servers() const {
    ares_addr_port_node* servers = nullptr;
    if (ares_get_servers_ports(channel_, &servers) != ARES_SUCCESS || !servers) return {};
    std::string out;
    if (servers->family == AF_INET) {
      char buf[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &servers->addr.addr4, buf, sizeof buf);
      out = std::string(buf) + ":" + std::to_string(servers->udp_port ? servers->udp_port : 53);
    } else {
      char buf[INET6_ADDRSTRLEN] = {};
      inet_ntop(AF_INET6, &servers->addr.addr6, buf, sizeof buf);
      out = "[" + std::string(buf) + "]:" + std::to_string(servers->udp_port ? servers->udp_port : 53);
    }
    const bool more = servers->next != nullptr;
    ares_free_data(servers);
    out += options_.dns_server.empty() ? (more ? " (the first of /etc/resolv.conf)" : " (from /etc/resolv.conf)")
                                       : " (--dns-server)";
    return out;
  }

  struct DnsQuery {
    Engine* engine;
    Task* task;
    unsigned token;
  };

  static void ares_host_cb(void* arg, int status, int /*timeouts*/, hostent* host) {
    std::unique_ptr<DnsQuery> q(static_cast<DnsQuery*>(arg));
    if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) return;
    Task& t = *q->task;
    if (t.stage != Stage::dns || t.token != q->token) return;  // abandoned: timed out already
    q->engine->on_dns(t, status, host);
  }

  // ---- curl ----
  static int curl_socket_cb(CURL* /*easy*/, curl_socket_t fd, int what, void* userp, void* /*socketp*/) {
    auto* self = static_cast<Engine*>(userp);
    if (what == CURL_POLL_REMOVE) self->unwatch(fd);
    else
      self->watch(fd, static_cast<short>(((what & CURL_POLL_IN) ? POLLIN : 0) | ((what & CURL_POLL_OUT) ? POLLOUT : 0)),
                  Owner::curl, nullptr);
    return 0;
  }
  static int curl_timer_cb(CURLM* /*multi*/, long timeout_ms, void* userp) {
    auto* self = static_cast<Engine*>(userp);
    if (timeout_ms < 0) self->curl_deadline_.reset();
    else self->curl_deadline_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
    return 0;
  }
  void drain_curl() {
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      Task* t = nullptr;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
      if (t && t->stage == Stage::http) on_http_done(*t, m->data.result);
    }
  }

  // ---- the ladder ----
  void start(Task& t) {
    active_.push_back(&t);
    t.attempts_left = std::max(0, options_.retries);
    in_addr literal{};
    if (parse_ipv4(t.target.host, literal)) {
      add_check(t, "dns", CheckStatus::skip, 0.0, "address given; no lookup");
      begin_tcp(t, literal, true);
      return;
    }
    if (t.target.host.empty()) {
      finish_fail(t, "dns", Outcome{CheckStatus::fail, Verdict::dns_failure, "no host name or address to probe", false});
      return;
    }
    if (t.target.host.find(':') != std::string::npos || t.target.host.front() == '[') {
      // Never a DNS query for "[::1]" or "::1": no name has a colon.
      finish_fail(t, "dns", Outcome{CheckStatus::fail, Verdict::dns_failure,
                                    "an IPv6 address; the prober speaks IPv4 only (no lookup made)", false});
      return;
    }
    t.step_ms = 0;
    begin_dns(t);
  }

  void begin_dns(Task& t) {
    t.stage = Stage::dns;
    t.step_start = Clock::now();
    t.deadline = t.step_start + timeout_;
    if (!channel_) {
      finish_fail(t, "dns", Outcome{CheckStatus::fail, Verdict::dns_failure, ares_error_, false});
      return;
    }
    auto* q = new DnsQuery{this, &t, ++t.token};
    ares_gethostbyname(channel_, t.target.host.c_str(), AF_INET, &Engine::ares_host_cb, q);
  }

  void on_dns(Task& t, int status, hostent* host) {
    auto now = Clock::now();
    t.step_ms += ms_between(t.step_start, now);
    DnsOutcome what = DnsOutcome::other;
    std::vector<in_addr> addresses;
    if (status == ARES_SUCCESS && host && host->h_addrtype == AF_INET) {
      for (char** p = host->h_addr_list; p && *p; ++p) {
        in_addr a{};
        std::memcpy(&a, *p, sizeof a);
        addresses.push_back(a);
      }
      what = addresses.empty() ? DnsOutcome::no_address : DnsOutcome::ok;
    } else if (status == ARES_ENOTFOUND) what = DnsOutcome::nxdomain;
    else if (status == ARES_ENODATA) what = DnsOutcome::no_address;
    else if (status == ARES_ESERVFAIL) what = DnsOutcome::servfail;
    else if (status == ARES_ETIMEOUT) what = DnsOutcome::timeout;
    else if (status == ARES_ECONNREFUSED || status == ARES_EREFUSED) what = DnsOutcome::refused;

    if (what != DnsOutcome::ok) {
      Outcome o = classify_dns(what, t.target.host, dns_server_, ares_strerror(status));
      if (o.retryable && retry(t)) return;
      finish_fail(t, "dns", o);
      return;
    }
    std::string detail = t.target.host + " -> ";
    bool expected_seen = false;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
      std::string s = ip_string(addresses[i]);
      detail += (i ? ", " : "") + s;
      if (t.target.expected_ip && s == *t.target.expected_ip) expected_seen = true;
    }
    in_addr chosen = addresses.front();
    if (t.target.expected_ip && !expected_seen)
      detail += "; warning: the name resolves somewhere unexpected (the topology says " + *t.target.expected_ip +
                "); probing the address DNS gave";
    add_check(t, "dns", CheckStatus::pass, t.step_ms, detail);
    t.attempts_left = std::max(0, options_.retries);
    begin_tcp(t, chosen, true);
  }

  void begin_tcp(Task& t, in_addr address, bool fresh_step) {
    t.stage = Stage::tcp;
    t.address = address;
    t.result.address = ip_string(address) + ":" + std::to_string(t.target.port);
    if (fresh_step) t.step_ms = 0;
    t.step_start = Clock::now();
    t.deadline = t.step_start + timeout_;
    t.result.attempts++;
    t.in.clear();
    t.out.clear();
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    t.fd = fd;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(t.target.port));
    sa.sin_addr = address;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
      on_connected(t);
      return;
    }
    if (errno != EINPROGRESS) {
      int err = errno;
      connect_failed(t, err);
      return;
    }
    watch(fd, POLLOUT, Owner::task, &t);
  }

  void connect_failed(Task& t, int err) {
    t.step_ms += ms_between(t.step_start, Clock::now());
    close_socket(t);
    Outcome o = classify_connect(err, false, options_.timeout_seconds);
    if (o.retryable && retry(t)) return;
    finish_fail(t, "tcp", o);
  }

  void on_connected(Task& t) {
    t.step_ms += ms_between(t.step_start, Clock::now());
    sockaddr_in local{};
    socklen_t len = sizeof local;
    if (::getsockname(t.fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) t.result.local_address = ip_string(local.sin_addr);
    add_check(t, "tcp", CheckStatus::pass, t.step_ms,
              "connected to " + t.result.address + " from " + t.result.local_address);
    t.step_ms = 0;
    t.step_start = Clock::now();
    t.deadline = t.step_start + timeout_;
    switch (t.target.protocol) {
      case Protocol::tcp:
        close_socket(t);
        add_check(t, "handshake", CheckStatus::skip, 0.0, "plain TCP: no protocol to speak");
        finish(t, Verdict::reachable);
        return;
      case Protocol::mysql:
        t.stage = Stage::mysql;
        t.mysql_state = MysqlState::greeting;
        watch(t.fd, POLLIN, Owner::task, &t);
        return;
      case Protocol::postgresql: {
        t.stage = Stage::postgresql;
        t.pg_state = PgState::startup;
        std::string user = t.target.username.empty() ? "syncpath_probe" : t.target.username;
        send(t, wire::pg_startup_message(user, t.target.database));
        return;
      }
      case Protocol::http:
      case Protocol::https:
        // libcurl makes its own connection to the same address; ours proved the path.
        close_socket(t);
        begin_http(t);
        return;
    }
  }

  void send(Task& t, const std::string& bytes) {
    t.out += bytes;
    watch(t.fd, POLLIN | POLLOUT, Owner::task, &t);
  }

  void on_socket(Task& t, bool readable, bool writable) {
    if (t.stage == Stage::tcp) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(t.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) {
        unwatch(t.fd);
        on_connected(t);
      } else {
        connect_failed(t, err);
      }
      return;
    }
    if (writable && !t.out.empty()) {
      ssize_t n = ::send(t.fd, t.out.data(), t.out.size(), MSG_NOSIGNAL);
      if (n > 0) t.out.erase(0, static_cast<std::size_t>(n));
      else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        handshake_fail(t, Outcome{CheckStatus::fail, Verdict::refused,
                                  std::string("the server closed the connection: ") + std::strerror(errno), false});
        return;
      }
      if (t.out.empty()) watch(t.fd, POLLIN, Owner::task, &t);
    }
    if (!readable) return;
    char buf[4096];
    ssize_t n = ::recv(t.fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      handshake_fail(t, Outcome{CheckStatus::fail, Verdict::refused,
                                std::string("the server reset the connection: ") + std::strerror(errno), false});
      return;
    }
    if (n == 0) {
      handshake_fail(t, Outcome{CheckStatus::fail, Verdict::refused,
                                "the server closed the connection without answering (not this protocol, or a "
                                "limit such as max_connections or TCP wrappers)",
                                false});
      return;
    }
    if (t.in.size() > (1u << 20)) {
      handshake_fail(t, Outcome{CheckStatus::fail, Verdict::refused, "the server talks too much for this protocol", false});
      return;
    }
    t.in.append(buf, static_cast<std::size_t>(n));
    if (t.stage == Stage::mysql) mysql_progress(t);
    else if (t.stage == Stage::postgresql) pg_progress(t);
  }

  // ---- MySQL / MariaDB ----
  void mysql_progress(Task& t) {
    // A greeting is small and comes with sequence 0; anything else is another protocol
    // (an HTTP or TLS server would otherwise be waited on until the deadline).
    if (t.mysql_state == MysqlState::greeting && t.in.size() >= 4 &&
        (t.in[3] != 0 || (static_cast<unsigned char>(t.in[2]) != 0) || static_cast<unsigned char>(t.in[1]) > 0x3f)) {
      handshake_fail(t, Outcome{CheckStatus::fail, Verdict::refused, "the port does not speak the MySQL protocol", false});
      return;
    }
    while (t.stage == Stage::mysql) {
      auto packet = wire::take_mysql_packet(t.in);
      if (!packet) return;
      t.mysql_seq = packet->sequence;
      if (auto err = wire::parse_mysql_error(packet->payload)) {
        handshake_fail(t, classify_mysql_error(*err));
        return;
      }
      if (t.mysql_state == MysqlState::greeting) {
        auto greeting = wire::parse_mysql_greeting(packet->payload);
        if (!greeting) {
          handshake_fail(t, Outcome{CheckStatus::fail, Verdict::refused, "the port does not speak the MySQL protocol", false});
          return;
        }
        std::string detail = "greeting from " + greeting->server_version + " (connection id " +
                             std::to_string(greeting->connection_id) + ")";
        if (t.target.username.empty()) {
          handshake_pass(t, detail + "; no credentials: login not tried");
          return;
        }
        t.handshake_note = detail;
        t.mysql_scramble = greeting->scramble;
        t.mysql_state = MysqlState::auth;
        send(t, wire::mysql_packet(t.mysql_seq + 1, wire::mysql_handshake_response(*greeting, t.target.username,
                                                                                   t.target.password, t.target.database)));
        continue;
      }
      const std::string& p = packet->payload;
      if (wire::is_mysql_ok(p)) {
        handshake_pass(t, t.handshake_note + "; logged in as " + t.target.username);
        return;
      }
      if (auto sw = wire::parse_mysql_auth_switch(p)) {
        if (sw->plugin != "mysql_native_password") {
          handshake_pass(t, t.handshake_note + "; the account uses " + sw->plugin +
                                ", which the prober does not speak: login not checked");
          return;
        }
        send(t, wire::mysql_packet(t.mysql_seq + 1, wire::mysql_native_scramble(t.target.password, sw->data)));
        continue;
      }
      if (!p.empty() && p[0] == '\x01') {  // caching_sha2_password: 3 fast auth ok, 4 full auth
        if (p.size() >= 2 && p[1] == 3) continue;
        handshake_pass(t, t.handshake_note + "; the server wants a full caching_sha2 exchange (TLS): login not checked");
        return;
      }
      handshake_fail(t, Outcome{CheckStatus::fail, Verdict::refused, "unexpected answer to the login", false});
      return;
    }
  }

  // ---- PostgreSQL ----
  void pg_progress(Task& t) {
    while (t.stage == Stage::postgresql) {
      bool malformed = false;
      auto m = wire::take_pg_message(t.in, malformed);
      if (malformed) {
        handshake_fail(t, Outcome{CheckStatus::fail, Verdict::refused, "the port does not speak the PostgreSQL protocol", false});
        return;
      }
      if (!m) return;
      if (m->type == 'E') {
        handshake_fail(t, classify_pg_error(wire::parse_pg_error(m->body)));
        return;
      }
      if (m->type == 'N') continue;  // a notice
      if (m->type != 'R') {
        if (t.pg_state == PgState::authenticated) continue;  // ParameterStatus and friends
        handshake_fail(t, Outcome{CheckStatus::fail, Verdict::refused, "the port does not speak the PostgreSQL protocol", false});
        return;
      }
      int code = wire::pg_auth_code(m->body);
      bool has_credentials = !t.target.username.empty() && !t.target.password.empty();
      if (code == 0) {
        send(t, wire::pg_terminate());
        handshake_pass(t, has_credentials || !t.target.username.empty()
                              ? "logged in as " + t.target.username
                              : std::string("accepted without a password (trust)"));
        return;
      }
      const char* method = code == 3 ? "password" : code == 5 ? "md5" : code == 10 ? "SCRAM" : nullptr;
      if (method && !has_credentials) {
        handshake_pass(t, std::string("host allowed by pg_hba.conf; the server asks for ") + method +
                              " authentication; no credentials: login not tried");
        return;
      }
      if (code == 3) {
        send(t, wire::pg_password_message(t.target.password));
      } else if (code == 5 && m->body.size() >= 8) {
        send(t, wire::pg_password_message(wire::pg_md5_password(t.target.password, t.target.username, m->body.substr(4, 4))));
      } else if (code == 10) {
        bool scram = false;
        for (std::size_t at = 4; at < m->body.size();) {
          auto nul = m->body.find('\0', at);
          if (nul == std::string::npos || nul == at) break;
          if (m->body.compare(at, nul - at, "SCRAM-SHA-256") == 0) scram = true;
          at = nul + 1;
        }
        if (!scram) {
          handshake_pass(t, "host allowed by pg_hba.conf; the server offers only SASL mechanisms the prober does not speak: login not checked");
          return;
        }
        t.scram = std::make_unique<wire::ScramSha256>("", t.target.password, wire::base64_encode(wire::random_bytes(18)));
        t.pg_state = PgState::sasl;
        send(t, wire::pg_sasl_initial_response("SCRAM-SHA-256", t.scram->client_first()));
      } else if (code == 11 && t.scram) {
        std::string error;
        auto final_message = t.scram->client_final(m->body.substr(4), error);
        if (!final_message) {
          handshake_fail(t, Outcome{CheckStatus::fail, Verdict::refused, "SCRAM exchange failed: " + error, false});
          return;
        }
        send(t, wire::pg_sasl_response(*final_message));
      } else if (code == 12 && t.scram) {
        if (!t.scram->verify_server_final(m->body.substr(4))) {
          handshake_fail(t, Outcome{CheckStatus::fail, Verdict::auth_failed,
                                    "the server's SCRAM signature is wrong: it does not know this password", false});
          return;
        }
      } else {
        handshake_pass(t, "host allowed by pg_hba.conf; authentication method " + std::to_string(code) +
                              " is not spoken by the prober: login not checked");
        return;
      }
    }
  }

  // ---- HTTP / HTTPS ----
  void begin_http(Task& t) {
    t.stage = Stage::http;
    t.easy = curl_easy_init();
    if (!t.easy) throw std::runtime_error("libcurl: cannot create a handle");
    std::string scheme = t.target.protocol == Protocol::https ? "https" : "http";
    std::string path = t.target.http_path.empty() || t.target.http_path[0] != '/' ? "/" + t.target.http_path : t.target.http_path;
    std::string url = scheme + "://" + t.target.host + ":" + std::to_string(t.target.port) + path;
    curl_easy_setopt(t.easy, CURLOPT_URL, url.c_str());
    in_addr literal{};
    curl_slist* resolve = nullptr;
    if (!parse_ipv4(t.target.host, literal)) {
      // Pin the address our own DNS step found, so curl probes exactly what we report.
      std::string pin = t.target.host + ":" + std::to_string(t.target.port) + ":" + ip_string(t.address);
      resolve = curl_slist_append(nullptr, pin.c_str());
      curl_easy_setopt(t.easy, CURLOPT_RESOLVE, resolve);
    }
    resolves_.emplace_back(resolve, &curl_slist_free_all);
    curl_easy_setopt(t.easy, CURLOPT_PROXY, "");  // never through a proxy from the environment
    curl_easy_setopt(t.easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t.easy, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(t.easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(t.easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_seconds * 1000));
    curl_easy_setopt(t.easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout_seconds * 1000));
    curl_easy_setopt(t.easy, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(t.easy, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    curl_easy_setopt(t.easy, CURLOPT_ERRORBUFFER, t.curl_error);
    curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(t.easy, CURLOPT_USERAGENT, "syncpath-probe");
    // libcurl times itself out; our deadline is a backstop a little later.
    t.deadline = Clock::now() + timeout_ + std::chrono::milliseconds(500);
    curl_multi_add_handle(multi_, t.easy);
  }

  void on_http_done(Task& t, CURLcode code) {
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    char* local = nullptr;
    if (curl_easy_getinfo(t.easy, CURLINFO_LOCAL_IP, &local) == CURLE_OK && local && *local) t.result.local_address = local;
    std::string message = t.curl_error[0] ? t.curl_error : curl_easy_strerror(code);
    HttpOutcome what = HttpOutcome::protocol_error;
    switch (code) {
      case CURLE_OK: what = HttpOutcome::ok; break;
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      case CURLE_SSL_INVALIDCERTSTATUS:
      case CURLE_USE_SSL_FAILED:
        what = HttpOutcome::tls_error;
        break;
      case CURLE_OPERATION_TIMEDOUT: what = HttpOutcome::timeout; break;
      case CURLE_COULDNT_CONNECT: what = HttpOutcome::connect_error; break;
      default: break;
    }
    curl_multi_remove_handle(multi_, t.easy);
    curl_easy_cleanup(t.easy);
    t.easy = nullptr;
    Outcome o = classify_http(what, status, message);
    if (o.status == CheckStatus::pass) handshake_pass(t, o.detail);
    else handshake_fail(t, o);
  }

  // ---- endings ----
  void handshake_pass(Task& t, const std::string& detail) {
    t.step_ms += ms_between(t.step_start, Clock::now());
    add_check(t, "handshake", CheckStatus::pass, t.step_ms, detail);
    close_socket(t);
    finish(t, Verdict::reachable);
  }

  void handshake_fail(Task& t, const Outcome& o) {
    t.step_ms += ms_between(t.step_start, Clock::now());
    close_socket(t);
    if (o.retryable && retry(t)) return;
    finish_fail(t, "handshake", o);
  }

  // A step ran out of time. DNS is asked again; TCP and handshakes start again from connect.
  void step_timed_out(Task& t) {
    switch (t.stage) {
      case Stage::dns: {
        t.step_ms += ms_between(t.step_start, Clock::now());
        ++t.token;
        Outcome o = classify_dns(DnsOutcome::timeout, t.target.host, dns_server_, "");
        if (retry(t)) return;
        finish_fail(t, "dns", o);
        return;
      }
      case Stage::tcp: {
        t.step_ms += ms_between(t.step_start, Clock::now());
        close_socket(t);
        Outcome o = classify_connect(0, true, options_.timeout_seconds);
        if (retry(t)) return;
        finish_fail(t, "tcp", o);
        return;
      }
      case Stage::mysql:
      case Stage::postgresql:
      case Stage::http:
        if (t.easy) {
          curl_multi_remove_handle(multi_, t.easy);
          curl_easy_cleanup(t.easy);
          t.easy = nullptr;
        }
        handshake_fail(t, Outcome{CheckStatus::fail, Verdict::timeout,
                                  "connected, but the service did not answer within " + seconds_text(options_.timeout_seconds) +
                                      " (hung or overloaded, or not speaking " + to_string(t.target.protocol) + ")",
                                  true});
        return;
      case Stage::pending:
      case Stage::done: return;
    }
  }

  // Starts the failed step again if --retries allows; false when the budget is spent.
  bool retry(Task& t) {
    if (t.attempts_left <= 0) return false;
    --t.attempts_left;
    if (t.stage == Stage::dns) begin_dns(t);
    else begin_tcp(t, t.address, t.stage != Stage::tcp);
    return true;
  }

  void add_check(Task& t, const char* check, CheckStatus status, double ms, std::string detail) {
    // A retry from the handshake connects again: the newest result of a step replaces the old.
    auto& checks = t.result.checks;
    checks.erase(std::remove_if(checks.begin(), checks.end(), [&](const CheckResult& c) { return c.check == check; }),
                 checks.end());
    checks.push_back(CheckResult{check, status, ms, std::move(detail)});
  }

  void finish_fail(Task& t, const char* check, const Outcome& o) {
    std::string detail = o.detail;
    int used = options_.retries - t.attempts_left;
    if (o.retryable && used > 0) detail += " (" + std::to_string(used + 1) + " attempts)";
    add_check(t, check, CheckStatus::fail, t.step_ms, detail);
    // The steps after the failing one did not run.
    static const char* kLadder[] = {"dns", "tcp", "handshake"};
    bool after = false;
    for (const char* step : kLadder) {
      if (after) add_check(t, step, CheckStatus::skip, 0.0, std::string("not run: ") + check + " failed");
      if (std::strcmp(step, check) == 0) after = true;
    }
    finish(t, o.verdict);
  }

  void finish(Task& t, Verdict v) {
    close_socket(t);
    t.stage = Stage::done;
    t.result.verdict = v;
    active_.erase(std::remove(active_.begin(), active_.end(), &t), active_.end());
  }

  void close_socket(Task& t) {
    if (t.fd < 0) return;
    unwatch(t.fd);
    ::close(t.fd);
    t.fd = -1;
  }

  Options options_;
  Clock::duration timeout_{};
  ares_channel channel_ = nullptr;
  std::string ares_error_;
  std::string dns_server_;  // describe_servers()
  CURLM* multi_ = nullptr;
  std::optional<Clock::time_point> curl_deadline_;
  std::unordered_map<int, Watch> watches_;
  std::uint32_t serial_ = 0;
  int epoll_fd_ = -1;
  std::vector<std::unique_ptr<Task>> tasks_;
  std::vector<Task*> active_;
  std::vector<std::unique_ptr<curl_slist, void (*)(curl_slist*)>> resolves_;
};

}  // namespace

std::string check_options(const Options& options) {
  if (options.concurrency < 1 || options.concurrency > 10000)
    return "--concurrency must be between 1 and 10000 (got " + std::to_string(options.concurrency) + ")";
  if (!(options.timeout_seconds > 0.0) || options.timeout_seconds > 600.0)
    return "--timeout must be a number of seconds above 0 and at most 600";
  if (options.retries < 0 || options.retries > 10) return "--retries must be between 0 and 10";
  if (!options.dns_server.empty() && dns_server_csv(options.dns_server).empty())
    return "--dns-server '" + options.dns_server + "': expected an IPv4 address with an optional port, e.g. 10.0.0.2:53";
  return {};
}

std::vector<TargetResult> run_probes(const std::vector<Target>& targets, const Options& options) {
  if (auto problem = check_options(options); !problem.empty()) throw std::invalid_argument(problem);
  Engine engine(options);
  return engine.run(targets);
}

}  // namespace syncpath::probes
