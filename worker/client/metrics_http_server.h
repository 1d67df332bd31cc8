// A minimal HTTP/1.0 server for Prometheus scrapes: GET /metrics answers 200 with the text a
// callback returns, anything else 404; one connection at a time on a thread of its own.
//
// Why not prometheus-cpp's Exposer: its civetweb threads get fixed 100 KiB stacks, too small for
// the static TLS of the libraries libtorch loads (OpenBLAS alone takes 60 KiB), so in the worker
// process they fail to start ("null context when constructing CivetServer").
#ifndef DEPTHLAB_WORKER_CLIENT_METRICS_HTTP_SERVER_H_
#define DEPTHLAB_WORKER_CLIENT_METRICS_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace depthlab::worker {

// Thread-safe; `body` is called on the server's thread.
class MetricsHttpServer {
 public:
  // Listens on 0.0.0.0:`port` (0 = any free port). Unavailable if it cannot.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Create(
      int port, std::function<std::string()> body);
  // Stops serving and joins the thread.
  ~MetricsHttpServer();

  int port() const { return port_; }

 private:
  MetricsHttpServer(int listen_fd, int wake_fd, int port, std::function<std::string()> body);
  void Serve();
  void Answer(int connection) const;

  const int listen_fd_;
  const int wake_fd_;  // eventfd: written to stop Serve
  const int port_;
  const std::function<std::string()> body_;
  std::thread thread_;
};

}  // namespace depthlab::worker

#endif  // DEPTHLAB_WORKER_CLIENT_METRICS_HTTP_SERVER_H_
