// depthlab-coordinator: owns sweeps and the job queue; serves SweepService and WorkerService over
// gRPC (plus the standard health and reflection services) and Prometheus /metrics.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/flags.h"
#include "coordinator/core/coordinator.h"
#include "coordinator/core/coordinator_metrics.h"
#include "coordinator/service/services.h"
#include "prometheus/exposer.h"
#include "store/store.h"

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

// The flags; exits 0 after --help and 2 on a bad flag.
depthlab::FlagSet ParseFlags(int argc, char** argv) {
  depthlab::FlagSet flags(
      "", "[flags]",
      "Runs the depthlab coordinator: accepts sweeps (depthlab submit), splits them into jobs,\n"
      "leases the jobs to workers (depthlab-worker serve --coordinator HOST:PORT) and keeps every\n"
      "result in SQLite. Unfinished sweeps in the database resume at start.",
      "depthlab-coordinator");
  flags.String("listen", "HOST:PORT", "0.0.0.0:50051", "gRPC address; port 0 picks a free port");
  flags.String("port-file", "PATH", "",
               "write the bound gRPC port here once serving (for scripts and tests)");
  flags.String("db", "PATH", "depthlab.db", "SQLite database, created if missing");
  flags.String("metrics-port", "N", "9464", "Prometheus /metrics port; 0 = off");
  flags.String("lease-seconds", "N", "30", "job lease duration");
  flags.String("heartbeat-seconds", "N", "5", "worker heartbeat interval");
  flags.String("max-attempts", "N", "3", "leases per job before it fails its sweep");
  flags.String("masks-per-job", "N", "16", "masks evaluated by one job");
  if (absl::Status s = flags.Parse(std::vector<std::string>(argv + 1, argv + argc)); !s.ok()) {
    std::cerr << "depthlab-coordinator: " << s.message() << "\n";
    std::exit(2);
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    std::exit(0);
  }
  return flags;
}

// A non-negative integer flag; exits 2 naming the flag otherwise.
int IntFlag(const depthlab::FlagSet& flags, const std::string& name) {
  absl::StatusOr<int> value = flags.GetInt(name, 0);
  if (!value.ok()) {
    std::cerr << "depthlab-coordinator: " << value.status().message() << "\n";
    std::exit(2);
  }
  return *value;
}

}  // namespace

int main(int argc, char** argv) {
  const depthlab::FlagSet flags = ParseFlags(argc, argv);
  // Every number is checked before anything is opened or created.
  const int metrics_port = IntFlag(flags, "metrics-port");
  depthlab::core::CoordinatorOptions options;
  options.lease_duration = absl::Seconds(IntFlag(flags, "lease-seconds"));
  options.heartbeat_interval = absl::Seconds(IntFlag(flags, "heartbeat-seconds"));
  options.max_attempts = std::max(1, IntFlag(flags, "max-attempts"));
  options.masks_per_job = std::max(1, IntFlag(flags, "masks-per-job"));
  depthlab::store::StoreOptions store_options;
  store_options.path = flags.Get("db");
  auto store = depthlab::store::Store::Open(store_options);
  if (!store.ok()) {
    std::cerr << "depthlab-coordinator: --db: " << store.status().message() << "\n";
    return 1;
  }
  auto metrics = std::make_unique<depthlab::core::CoordinatorMetrics>();
  std::unique_ptr<prometheus::Exposer> exposer;
  if (const int port = metrics_port; port > 0) {
    try {
      exposer = std::make_unique<prometheus::Exposer>(absl::StrCat("0.0.0.0:", port));
      exposer->RegisterCollectable(metrics->registry());
    } catch (const std::exception& e) {
      std::cerr << "depthlab-coordinator: --metrics-port " << port << ": " << e.what() << "\n";
      return 1;
    }
  }
  auto core = depthlab::core::Coordinator::Create(store->get(), options, metrics.get());
  if (!core.ok()) {
    std::cerr << "depthlab-coordinator: " << core.status().message() << "\n";
    return 1;
  }
  depthlab::service::SweepServiceImpl sweeps(core->get());
  depthlab::service::WorkerServiceImpl workers(core->get());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(flags.Get("listen"), grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&sweeps);
  builder.RegisterService(&workers);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "depthlab-coordinator: --listen " << flags.Get("listen")
              << ": cannot listen there (address in use?)\n";
    return 1;
  }
  if (const std::string& path = flags.Get("port-file"); !path.empty()) {
    std::ofstream(path + ".tmp") << port << "\n";
    std::rename((path + ".tmp").c_str(), path.c_str());
  }
  std::cerr << "depthlab-coordinator: serving on port " << port << ", database " << flags.Get("db")
            << (exposer ? absl::StrCat(", metrics on :", IntFlag(flags, "metrics-port")) : "")
            << "\n";
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::cerr << "depthlab-coordinator: shutting down\n";
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
