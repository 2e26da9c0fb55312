// The HTTP(S)/WebSocket transport of `slim serve`, behind a pimpl: the HTTP library (Boost.Beast
// over Asio, OpenSSL for TLS) appears only in http_server.cpp. One thread per connection with
// blocking I/O; a watchdog enforces read/write deadlines by shutting down stalled sockets.
// Everything the server decides is in Service; this file only moves bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "server/service.hpp"
#include "slim/status.hpp"

namespace slim::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;       // 0: any free port (see HttpServer::port())
  std::string tls_cert;       // PEM certificate chain; with tls_key: HTTPS only, TLS 1.3 only
  std::string tls_key;        // PEM private key
  std::string cors_origin;    // "" = no CORS headers (browsers block cross-origin calls)
  int read_timeout_s = 30;    // to receive one request (headers and body)
  int idle_timeout_s = 60;    // keep-alive: between requests on one connection
  int write_timeout_s = 60;   // to send one response or chunk to a slow client
  int max_connections = 128;  // more are answered 503 and closed
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = size_t{4} << 20;
  bool log_requests = true;  // one access-log line per request on stderr
  bool log_content = false;  // also log prompts and outputs (off by default: privacy)
};

class HttpServer {
 public:
  // Binds and listens (so the port is known and errors are reported before run()).
  static Result<std::unique_ptr<HttpServer>> create(const HttpServerOptions& options,
                                                    Service* service);
  ~HttpServer();

  uint16_t port() const;
  bool tls() const;
  // Accepts and serves connections until stop(); returns after every connection has ended.
  Status run();
  // Thread-safe; makes run() return soon.
  void stop();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace slim::server
