// Boost.Beast transport for `slim serve`: HTTP/1.1 (keep-alive, chunked server-sent events),
// WebSocket, and TLS 1.3 via OpenSSL. The only file that includes Beast/Asio (compile time).
//
// Threads: run() accepts; each connection gets its own thread doing blocking reads and writes;
// a watchdog thread shuts down the socket of any connection whose current read or write has
// passed its deadline, which makes the blocked call fail. No Beast or Asio call that can throw
// is used (error_code overloads only), and each connection thread catches anything else, so a
// client can only ever cost its own connection.
#include "server/http_server.hpp"

#include "core/json.hpp"

#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <list>
#include <mutex>
#include <thread>

namespace slim::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// True if the peer has closed (or reset) its side of the connection.
bool peer_gone(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

// Checks for a vanished client at most every 50 ms while a generation runs (the wait loops
// below wake for every piece of text, so checking only on idle waits would miss it).
class DisconnectWatch {
 public:
  explicit DisconnectWatch(int fd) : fd_(fd) {}
  bool gone() {
    const auto now = Clock::now();
    if (now < next_) return false;
    next_ = now + std::chrono::milliseconds(50);
    return peer_gone(fd_);
  }

 private:
  int fd_;
  Clock::time_point next_ = Clock::now();
};

// Waits for a generation's events, a batch at a time, and passes each to on_event(e), which
// returns false once nothing more is wanted (the rest of that batch is still passed, then the
// wait ends). Returns false if the client went away first; the caller cancels the task.
template <class OnEvent>
bool pump_events(const Generation& g, int fd, OnEvent&& on_event) {
  DisconnectWatch watch(fd);
  std::vector<TaskEvent> events;
  for (;;) {
    events.clear();
    const bool got = g.task->wait(&events, std::chrono::milliseconds(50));
    if (watch.gone()) return false;
    if (!got) continue;
    bool more = true;
    for (const TaskEvent& e : events) more = on_event(e) && more;
    if (!more) return true;
  }
}

// One accepted connection: its thread and the deadline the watchdog enforces.
struct Conn {
  tcp::socket socket;
  std::thread thread;
  std::atomic<int64_t> deadline_ms{0};  // 0: none
  std::atomic<bool> finished{false};
  std::string peer;
  explicit Conn(tcp::socket s) : socket(std::move(s)) {}
  void arm(int seconds) { deadline_ms.store(now_ms() + int64_t{seconds} * 1000); }
  void disarm() { deadline_ms.store(0); }
  int fd() { return socket.native_handle(); }
};

}  // namespace

class HttpServer::Impl {
 public:
  HttpServerOptions opt;
  Service* service = nullptr;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<net::ssl::context> tls;
  std::atomic<bool> stopping{false};
  std::mutex conns_mu;
  std::list<std::shared_ptr<Conn>> conns;
  uint16_t port = 0;

  void log(const std::string& line) const {
    if (opt.log_requests) std::fprintf(stderr, "slim serve: %s\n", line.c_str());
  }
  void serve(const std::shared_ptr<Conn>& c);
  template <class Stream>
  void serve_http(Stream& stream, Conn& c);
  template <class Stream>
  bool write_response(Stream& stream, Conn& c, const HttpResponse& r, unsigned version,
                      bool keep_alive, bool head);
  template <class Stream>
  int stream_sse(Stream& stream, Conn& c, const Generation& g, unsigned version, std::string* text,
                 int32_t* tokens);
  // Waits for a non-streaming generation; nullopt if the client went away first (cancelled).
  std::optional<HttpResponse> collect_response(Conn& c, const Generation& g, std::string* text,
                                               int32_t* tokens);
  // One access-log line; prompt and output only with --log-content.
  void log_request(const Conn& c, const std::string& method, const std::string& path, int status,
                   double secs, bool generation, int32_t tokens, const std::string& body,
                   const std::string& output) const;
  template <class Stream>
  void serve_websocket(Stream& stream, Conn& c, http::request<http::string_body> req);
  void add_common_headers(http::fields& f,
                          const std::vector<std::pair<std::string, std::string>>& extra) const;
  void watchdog();
  void reap(bool all);
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  stop();
  impl_->reap(true);
}

uint16_t HttpServer::port() const {
  return impl_->port;
}
bool HttpServer::tls() const {
  return impl_->tls != nullptr;
}

Result<std::unique_ptr<HttpServer>> HttpServer::create(const HttpServerOptions& options,
                                                       Service* service) {
  if (service == nullptr) return invalid_argument("http server: null service");
  auto impl = std::make_unique<Impl>();
  impl->opt = options;
  impl->service = service;
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return invalid_argument("--tls-cert and --tls-key must be given together");
  }
  beast::error_code ec;
  if (!options.tls_cert.empty()) {
    impl->tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    SSL_CTX* ctx = impl->tls->native_handle();
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
      return internal_error("OpenSSL refused TLS 1.3 as the minimum version");
    }
    impl->tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                               net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                               net::ssl::context::no_tlsv1_1 | net::ssl::context::no_tlsv1_2,
                           ec);
    impl->tls->use_certificate_chain_file(options.tls_cert, ec);
    if (ec) return invalid_argument("--tls-cert " + options.tls_cert + ": " + ec.message());
    impl->tls->use_private_key_file(options.tls_key, net::ssl::context::pem, ec);
    if (ec) return invalid_argument("--tls-key " + options.tls_key + ": " + ec.message());
    if (SSL_CTX_check_private_key(ctx) != 1) {
      return invalid_argument("--tls-key does not match the certificate in --tls-cert");
    }
  }
  const net::ip::address addr = net::ip::make_address(options.host, ec);
  if (ec) return invalid_argument("--host '" + options.host + "' is not an IP address");
  const tcp::endpoint ep(addr, options.port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return io_error("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " +
                    ec.message());
  }
  impl->port = impl->acceptor.local_endpoint(ec).port();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::stop() {
  if (impl_->stopping.exchange(true)) return;
  // shutdown() wakes a thread blocked in accept(); the acceptor is closed by run().
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  std::lock_guard<std::mutex> lock(impl_->conns_mu);
  for (auto& c : impl_->conns) ::shutdown(c->fd(), SHUT_RDWR);
}

Status HttpServer::run() {
  Impl& s = *impl_;
  std::thread watchdog([&s] { s.watchdog(); });
  while (!s.stopping.load()) {
    beast::error_code ec;
    tcp::socket sock(s.ioc);
    s.acceptor.accept(sock, ec);
    if (s.stopping.load()) break;
    if (ec) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // e.g. EMFILE: back off
      continue;
    }
    s.reap(false);
    auto c = std::make_shared<Conn>(std::move(sock));
    std::lock_guard<std::mutex> lock(s.conns_mu);
    if (static_cast<int>(s.conns.size()) >= s.opt.max_connections) {
      s.service->metrics().connection_rejected();
      static const char kBusy[] =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n"
          "Retry-After: 1\r\n\r\n";
      (void)::send(c->fd(), kBusy, sizeof kBusy - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
      c->socket.close(ec);
      continue;
    }
    s.conns.push_back(c);
    try {
      c->thread = std::thread([&s, c] { s.serve(c); });
    } catch (...) {
      s.conns.pop_back();
      c->socket.close(ec);
    }
  }
  beast::error_code ec;
  s.acceptor.close(ec);
  {
    std::lock_guard<std::mutex> lock(s.conns_mu);
    for (auto& c : s.conns) ::shutdown(c->fd(), SHUT_RDWR);
  }
  s.reap(true);
  watchdog.join();
  return Status::ok();
}

void HttpServer::Impl::reap(bool all) {
  std::list<std::shared_ptr<Conn>> done;
  {
    std::lock_guard<std::mutex> lock(conns_mu);
    for (auto it = conns.begin(); it != conns.end();) {
      if (all || (*it)->finished.load()) {
        done.push_back(*it);
        it = conns.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : done) {
    if (c->thread.joinable()) c->thread.join();
  }
}

void HttpServer::Impl::watchdog() {
  while (!stopping.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const int64_t now = now_ms();
    std::lock_guard<std::mutex> lock(conns_mu);
    for (auto& c : conns) {
      const int64_t d = c->deadline_ms.load();
      if (d != 0 && now > d && !c->finished.load()) {
        ::shutdown(c->fd(), SHUT_RDWR);
        c->disarm();
      }
    }
  }
}

void HttpServer::Impl::serve(const std::shared_ptr<Conn>& c) {
  try {
    beast::error_code ec;
    const auto remote = c->socket.remote_endpoint(ec);
    c->peer = ec ? "?" : remote.address().to_string();
    c->socket.set_option(tcp::no_delay(true), ec);
    if (tls) {
      net::ssl::stream<tcp::socket&> stream(c->socket, *tls);
      c->arm(opt.read_timeout_s);
      stream.handshake(net::ssl::stream_base::server, ec);
      c->disarm();
      if (!ec) serve_http(stream, *c);
      if (!ec) {
        c->arm(1);
        stream.shutdown(ec);
        c->disarm();
      }
    } else {
      serve_http(c->socket, *c);
    }
    c->socket.shutdown(tcp::socket::shutdown_both, ec);
    c->socket.close(ec);
  } catch (...) {
    log("connection from " + c->peer + " ended by an unexpected error");
  }
  c->finished.store(true);
}

void HttpServer::Impl::add_common_headers(
    http::fields& f, const std::vector<std::pair<std::string, std::string>>& extra) const {
  f.set(http::field::server, "slim");
  f.set("X-Content-Type-Options", "nosniff");
  if (!opt.cors_origin.empty()) {
    f.set(http::field::access_control_allow_origin, opt.cors_origin);
    f.set(http::field::vary, "Origin");
  }
  for (const auto& [k, v] : extra) f.set(k, v);
}

template <class Stream>
bool HttpServer::Impl::write_response(Stream& stream, Conn& c, const HttpResponse& r,
                                      unsigned version, bool keep_alive, bool head) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  add_common_headers(res.base(), r.headers);
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  if (head) res.body().clear();  // HEAD: the Content-Length of the GET body, no body
  beast::error_code ec;
  c.arm(opt.write_timeout_s);
  http::write(stream, res, ec);
  c.disarm();
  return !ec;
}

// Streams a generation as server-sent events. Returns the HTTP status written (0 if the
// client went away before the headers).
template <class Stream>
int HttpServer::Impl::stream_sse(Stream& stream, Conn& c, const Generation& g, unsigned version,
                                 std::string* text, int32_t* tokens) {
  http::response<http::empty_body> res{http::status::ok, version};
  add_common_headers(res.base(), {});
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  const bool chunked = version >= 11;
  res.keep_alive(chunked);
  res.chunked(chunked);
  http::response_serializer<http::empty_body> sr{res};
  beast::error_code ec;
  c.arm(opt.write_timeout_s);
  http::write_header(stream, sr, ec);
  c.disarm();
  if (ec) {
    g.task->cancel();
    return 0;
  }
  auto send = [&](const std::string& payload) {
    const std::string event = "data: " + payload + "\n\n";
    c.arm(opt.write_timeout_s);
    if (chunked) {
      net::write(stream, http::make_chunk(net::buffer(event)), ec);
    } else {
      net::write(stream, net::buffer(event), ec);
    }
    c.disarm();
    return !ec;
  };
  ChunkStream chunks(g);
  bool sent = true;
  const bool present = pump_events(g, c.fd(), [&](const TaskEvent& e) {
    *text += e.text;
    for (const std::string& p : chunks.on_event(e)) sent = sent && send(p);
    return sent && !e.done;
  });
  if (!present || !sent) {
    g.task->cancel();
    return 499;  // client closed the connection (nginx's convention, for logs and metrics)
  }
  *tokens = chunks.completion_tokens();
  if (send("[DONE]") && chunked) {
    c.arm(opt.write_timeout_s);
    net::write(stream, http::make_chunk_last(), ec);
    c.disarm();
  }
  return 200;
}

std::optional<HttpResponse> HttpServer::Impl::collect_response(Conn& c, const Generation& g,
                                                               std::string* text, int32_t* tokens) {
  ResponseCollector collect(g);
  std::optional<HttpResponse> res;
  const bool present = pump_events(g, c.fd(), [&](const TaskEvent& e) {
    *text += e.text;
    if (e.done) *tokens = e.completion_tokens;
    if (!res) res = collect.on_event(e);
    return !res;
  });
  if (!present) {
    g.task->cancel();
    return std::nullopt;
  }
  return res;
}

void HttpServer::Impl::log_request(const Conn& c, const std::string& method,
                                   const std::string& path, int status, double secs,
                                   bool generation, int32_t tokens, const std::string& body,
                                   const std::string& output) const {
  char buf[160];
  std::snprintf(buf, sizeof buf, " -> %d in %.1f ms", status, secs * 1000.0);
  std::string line = c.peer + " " + method + " " + json::quote(path, 80) + buf;
  if (generation) line += ", " + std::to_string(tokens) + " tokens";
  if (opt.log_content && generation) {
    line += "\n  request: " + json::quote(body, 4096) + "\n  output: " + json::quote(output, 4096);
  }
  log(line);
}

template <class Stream>
void HttpServer::Impl::serve_http(Stream& stream, Conn& c) {
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(opt.max_header_bytes));
    parser.body_limit(opt.max_body_bytes);
    beast::error_code ec;
    // The idle deadline covers waiting for a request; a started request must finish reading
    // within read_timeout_s (the watchdog checks whichever is armed).
    c.arm(first ? opt.read_timeout_s : opt.idle_timeout_s);
    http::read_header(stream, buffer, parser, ec);
    if (!ec && !parser.is_done()) {
      c.arm(opt.read_timeout_s);
      http::read(stream, buffer, parser, ec);
    }
    c.disarm();
    first = false;
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::ssl::error::stream_truncated) {
      return;
    }
    if (ec) {
      if (buffer.size() == 0 && !parser.got_some()) return;
      ApiError e = bad_request("malformed HTTP request: " + ec.message());
      if (ec == http::error::body_limit) {
        e.http_status = 413;
        e.message = "request body exceeds " + std::to_string(opt.max_body_bytes) + " bytes";
      } else if (ec == http::error::header_limit) {
        e.http_status = 431;
        e.message = "request headers exceed " + std::to_string(opt.max_header_bytes) + " bytes";
      }
      write_response(stream, c, Service::error_response(e), 11, false, false);
      service->metrics().request_done("other", e.http_status, 0);
      log(c.peer + " malformed request -> " + std::to_string(e.http_status) + " (" + ec.message() +
          ")");
      return;
    }
    http::request<http::string_body> req = parser.release();
    const auto arrival = Clock::now();
    const std::string target(req.target());
    const std::string path = target.substr(0, target.find('?'));
    const std::string method(req.method_string());
    const bool keep = req.keep_alive();

    if (websocket::is_upgrade(req)) {
      serve_websocket(stream, c, std::move(req));
      return;
    }
    if (req.method() == http::verb::options && !opt.cors_origin.empty()) {
      HttpResponse pre;
      pre.status = 204;
      pre.content_type = "text/plain";
      pre.headers = {{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                     {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                     {"Access-Control-Max-Age", "600"}};
      if (!write_response(stream, c, pre, req.version(), keep, false) || !keep) return;
      continue;
    }
    HttpRequest hreq;
    hreq.method = method;
    hreq.path = path;
    hreq.authorization = std::string(req[http::field::authorization]);
    hreq.body = std::move(req.body());
    hreq.arrival = arrival;
    Service::Routed routed = service->handle(hreq);
    int status = routed.response.status;
    std::string out_text;
    int32_t out_tokens = 0;
    bool alive = keep;
    if (!routed.generation) {
      alive = write_response(stream, c, routed.response, req.version(), keep,
                             req.method() == http::verb::head) &&
              keep;
    } else if (routed.generation->stream) {
      status = stream_sse(stream, c, *routed.generation, req.version(), &out_text, &out_tokens);
      alive = keep && status == 200 && req.version() >= 11;
    } else {
      std::optional<HttpResponse> res =
          collect_response(c, *routed.generation, &out_text, &out_tokens);
      status = res ? res->status : 499;  // 499: the client went away first
      alive = res && write_response(stream, c, *res, req.version(), keep, false) && keep;
    }
    const double secs = seconds_since(arrival);
    service->metrics().request_done(routed.route, status, secs);
    if (opt.log_requests) {
      log_request(c, method, path, status, secs, routed.generation.has_value(), out_tokens,
                  hreq.body, out_text);
    }
    if (!alive) return;
  }
}

// WebSocket: each text message is a request body for the upgrade's path (/v1/completions or
// /v1/chat/completions); the reply is the same chunk JSON as the server-sent events, one per
// message, then a "[DONE]" message. One request at a time per socket.
template <class Stream>
void HttpServer::Impl::serve_websocket(Stream& stream, Conn& c,
                                       http::request<http::string_body> req) {
  const std::string target(req.target());
  const std::string path = target.substr(0, target.find('?'));
  auto reject = [&](const ApiError& e) {
    write_response(stream, c, Service::error_response(e), req.version(), false, false);
    service->metrics().request_done("websocket", e.http_status, 0);
  };
  if (!Service::is_generation_route(path)) {
    ApiError e = bad_request("WebSocket is served on /v1/completions and /v1/chat/completions");
    e.http_status = 404;
    return reject(e);
  }
  if (!service->authorized(std::string(req[http::field::authorization]))) {
    ApiError e = bad_request("missing or invalid API key: send 'Authorization: Bearer KEY'");
    e.http_status = 401;
    e.code = "invalid_api_key";
    return reject(e);
  }
  websocket::stream<Stream&> ws(stream);
  ws.read_message_max(opt.max_body_bytes);
  ws.set_option(websocket::stream_base::decorator([this](websocket::response_type& res) {
    res.set(http::field::server, "slim");
    if (!opt.cors_origin.empty())
      res.set(http::field::access_control_allow_origin, opt.cors_origin);
  }));
  beast::error_code ec;
  c.arm(opt.write_timeout_s);
  ws.accept(req, ec);
  c.disarm();
  if (ec) return;
  ws.text(true);
  for (;;) {
    beast::flat_buffer msg;
    c.arm(opt.idle_timeout_s);
    ws.read(msg, ec);
    c.disarm();
    if (ec) return;  // closed, timed out or protocol error
    const auto arrival = Clock::now();
    const std::string body = beast::buffers_to_string(msg.data());
    auto send = [&](const std::string& payload) {
      c.arm(opt.write_timeout_s);
      ws.write(net::buffer(payload), ec);
      c.disarm();
      return !ec;
    };
    Service::Routed routed = service->start_generation(path, body, arrival);
    int status = routed.response.status;
    if (!routed.generation) {
      service->metrics().request_done(path, status, seconds_since(arrival));
      if (!send(routed.response.body)) return;
      continue;
    }
    const Generation& g = *routed.generation;
    ChunkStream chunks(g);
    bool sent = true;
    const bool present = pump_events(g, c.fd(), [&](const TaskEvent& e) {
      for (const std::string& p : chunks.on_event(e)) sent = sent && send(p);
      return sent && !e.done;
    });
    if (!present || !sent) {
      g.task->cancel();
      service->metrics().request_done(path, 499, seconds_since(arrival));
      return;
    }
    service->metrics().request_done(path, 200, seconds_since(arrival));
    log(c.peer + " WebSocket " + path + " -> " + std::to_string(chunks.completion_tokens()) +
        " tokens");
    if (!send("[DONE]")) return;
  }
}

}  // namespace slim::server
