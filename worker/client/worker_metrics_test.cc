// The worker's metrics: names, labels and values as Prometheus sees them, in the text exposition
// and over HTTP from Serve.
#include "worker/client/worker_metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace depthlab::worker {
namespace {

using ::testing::HasSubstr;

// GET http://127.0.0.1:port{path}, the whole response ("" on a socket error).
std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) response.append(buffer, n);
    }
  }
  close(fd);
  return response;
}

TEST(WorkerMetricsTest, RecordsJobsTokensAndLoadsUnderTheirNames) {
  WorkerMetrics metrics;
  metrics.RecordJobCompleted(v1::JOB_KIND_COALITIONS, 2.0, 5000, 640);
  metrics.RecordJobCompleted(v1::JOB_KIND_COALITIONS, 1.0, 3000, 96);
  metrics.RecordJobEnded(v1::JOB_KIND_TASK_SHARD, JobOutcome::kFailed);
  metrics.RecordJobEnded(v1::JOB_KIND_PROFILE, JobOutcome::kRefused);
  metrics.RecordModelLoads(2);
  const std::string text = metrics.Text();
  EXPECT_THAT(text,
              HasSubstr(R"(depthlab_worker_jobs_total{kind="coalitions",outcome="completed"} 2)"));
  EXPECT_THAT(text,
              HasSubstr(R"(depthlab_worker_jobs_total{kind="task_shard",outcome="failed"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(depthlab_worker_jobs_total{kind="profile",outcome="refused"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(depthlab_worker_job_seconds_count{kind="coalitions"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(depthlab_worker_job_seconds_sum{kind="coalitions"} 3)"));
  EXPECT_THAT(text, HasSubstr("depthlab_worker_tokens_total 8000"));
  EXPECT_THAT(text, HasSubstr("depthlab_worker_unit_forwards_total 736"));
  EXPECT_THAT(text, HasSubstr("depthlab_worker_tokens_per_second 3000"));  // the last job
  EXPECT_THAT(text, HasSubstr("depthlab_worker_model_loads_total 2"));
}

TEST(WorkerMetricsTest, ServesTheTextOverHttp) {
  WorkerMetrics metrics;
  metrics.RecordJobCompleted(v1::JOB_KIND_PROFILE, 0.5, 100, 10);
  auto port = metrics.Serve(0);
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_GT(*port, 0);
  const std::string response = HttpGet(*port, "/metrics");
  EXPECT_THAT(response, HasSubstr("200 OK"));
  EXPECT_THAT(response, HasSubstr("depthlab_worker_tokens_total 100"));
  metrics.RecordJobCompleted(v1::JOB_KIND_PROFILE, 0.5, 50, 5);
  EXPECT_THAT(HttpGet(*port, "/metrics"), HasSubstr("depthlab_worker_tokens_total 150"));
  EXPECT_THAT(HttpGet(*port, "/"), HasSubstr("404 Not Found"));
  EXPECT_EQ(metrics.Serve(0).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace depthlab::worker
