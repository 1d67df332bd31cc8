#include "worker/client/metrics_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace depthlab::worker {
namespace {

// How long a connection may take to send its request.
constexpr int kReadTimeoutMs = 2000;
constexpr size_t kMaxRequest = 8192;

absl::Status Errno(const std::string& what, int port) {
  return absl::UnavailableError(absl::StrCat("metrics: cannot serve /metrics on port ", port, ": ",
                                             what, ": ", std::strerror(errno)));
}

// The request head (up to the blank line), "" if the client is too slow or closes early.
std::string ReadRequest(int connection) {
  std::string request;
  char buffer[1024];
  while (request.size() < kMaxRequest && !absl::StrContains(request, "\r\n\r\n")) {
    pollfd readable{connection, POLLIN, 0};
    if (poll(&readable, 1, kReadTimeoutMs) <= 0) return "";
    const ssize_t n = read(connection, buffer, sizeof(buffer));
    if (n <= 0) break;
    request.append(buffer, static_cast<size_t>(n));
  }
  return request;
}

void WriteAll(int connection, const std::string& data) {
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = send(connection, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Create(
    int port, std::function<std::string()> body) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket", port);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 16) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const absl::Status status = Errno("bind", port);
    close(fd);
    return status;
  }
  const int wake = eventfd(0, EFD_CLOEXEC);
  if (wake < 0) {
    const absl::Status status = Errno("eventfd", port);
    close(fd);
    return status;
  }
  return std::unique_ptr<MetricsHttpServer>(
      new MetricsHttpServer(fd, wake, ntohs(address.sin_port), std::move(body)));
}

MetricsHttpServer::MetricsHttpServer(int listen_fd, int wake_fd, int port,
                                     std::function<std::string()> body)
    : listen_fd_(listen_fd), wake_fd_(wake_fd), port_(port), body_(std::move(body)) {
  thread_ = std::thread([this] { Serve(); });
}

MetricsHttpServer::~MetricsHttpServer() {
  const uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof(one)) != sizeof(one)) {
    shutdown(listen_fd_, SHUT_RDWR);  // makes poll return as well
  }
  thread_.join();
  close(listen_fd_);
  close(wake_fd_);
}

void MetricsHttpServer::Serve() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0 || (fds[0].revents & (POLLERR | POLLHUP)) != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int connection = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    Answer(connection);
    close(connection);
  }
}

void MetricsHttpServer::Answer(int connection) const {
  const std::string request = ReadRequest(connection);
  if (request.empty()) return;
  const bool metrics =
      absl::StartsWith(request, "GET /metrics ") || absl::StartsWith(request, "GET /metrics?");
  const std::string body = metrics ? body_() : "not found; try /metrics\n";
  WriteAll(connection, absl::StrCat(metrics ? "HTTP/1.0 200 OK" : "HTTP/1.0 404 Not Found",
                                    "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8"
                                    "\r\nContent-Length: ",
                                    body.size(), "\r\nConnection: close\r\n\r\n", body));
}

}  // namespace depthlab::worker
