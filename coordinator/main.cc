// depthlab-coordinator: owns sweeps and the job queue; serves SweepService and WorkerService over
// gRPC (plus the standard health and reflection services) and Prometheus /metrics.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "coordinator/core/coordinator.h"
#include "coordinator/core/coordinator_metrics.h"
#include "coordinator/service/services.h"
#include "prometheus/exposer.h"
#include "store/store.h"

namespace {

constexpr char kUsage[] = R"(usage: depthlab-coordinator [flags]

Runs the depthlab coordinator: accepts sweeps (depthlab submit), splits them into jobs, leases the
jobs to workers (depthlab-worker serve --coordinator HOST:PORT) and keeps every result in SQLite.
Unfinished sweeps in the database resume at start.

flags:
  --listen HOST:PORT      gRPC address (default 0.0.0.0:50051; port 0 picks a free port)
  --port-file PATH        write the bound gRPC port here once serving (for scripts and tests)
  --db PATH               SQLite database (default depthlab.db; created if missing)
  --metrics-port N        Prometheus /metrics port (default 9464; 0 = off)
  --lease-seconds N       job lease duration (default 30)
  --heartbeat-seconds N   worker heartbeat interval (default 5)
  --max-attempts N        leases per job before it fails its sweep (default 3)
  --masks-per-job N       masks evaluated by one job (default 16)
  --help                  this text
)";

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

struct Flags {
  std::map<std::string, std::string> values = {{"listen", "0.0.0.0:50051"}, {"db", "depthlab.db"},
                                               {"metrics-port", "9464"},    {"lease-seconds", "30"},
                                               {"heartbeat-seconds", "5"},  {"max-attempts", "3"},
                                               {"masks-per-job", "16"},     {"port-file", ""}};
  int Int(const std::string& name) const {
    int v = 0;
    if (!absl::SimpleAtoi(values.at(name), &v) || v < 0) {
      std::cerr << "depthlab-coordinator: --" << name << ": expected a non-negative integer, got \""
                << values.at(name) << "\"\n";
      std::exit(2);
    }
    return v;
  }
};

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    std::string value;
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) != 0) {
      std::cerr << "depthlab-coordinator: unexpected argument \"" << arg << "\" (see --help)\n";
      std::exit(2);
    }
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (!flags.values.count(name)) {
      std::cerr << "depthlab-coordinator: unknown flag --" << name << " (see --help)\n";
      std::exit(2);
    }
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::cerr << "depthlab-coordinator: --" << name << " needs a value\n";
      std::exit(2);
    }
    flags.values[name] = value;
  }
  return flags;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  depthlab::store::StoreOptions store_options;
  store_options.path = flags.values.at("db");
  auto store = depthlab::store::Store::Open(store_options);
  if (!store.ok()) {
    std::cerr << "depthlab-coordinator: --db: " << store.status().message() << "\n";
    return 1;
  }
  auto metrics = std::make_unique<depthlab::core::CoordinatorMetrics>();
  std::unique_ptr<prometheus::Exposer> exposer;
  if (const int port = flags.Int("metrics-port"); port > 0) {
    try {
      exposer = std::make_unique<prometheus::Exposer>(absl::StrCat("0.0.0.0:", port));
      exposer->RegisterCollectable(metrics->registry());
    } catch (const std::exception& e) {
      std::cerr << "depthlab-coordinator: --metrics-port " << port << ": " << e.what() << "\n";
      return 1;
    }
  }
  depthlab::core::CoordinatorOptions options;
  options.lease_duration = absl::Seconds(flags.Int("lease-seconds"));
  options.heartbeat_interval = absl::Seconds(flags.Int("heartbeat-seconds"));
  options.max_attempts = std::max(1, flags.Int("max-attempts"));
  options.masks_per_job = std::max(1, flags.Int("masks-per-job"));
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
  builder.AddListeningPort(flags.values.at("listen"), grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&sweeps);
  builder.RegisterService(&workers);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "depthlab-coordinator: --listen " << flags.values.at("listen")
              << ": cannot listen there (address in use?)\n";
    return 1;
  }
  if (const std::string& path = flags.values.at("port-file"); !path.empty()) {
    std::ofstream(path + ".tmp") << port << "\n";
    std::rename((path + ".tmp").c_str(), path.c_str());
  }
  std::cerr << "depthlab-coordinator: serving on port " << port << ", database "
            << flags.values.at("db")
            << (exposer ? absl::StrCat(", metrics on :", flags.Int("metrics-port")) : "") << "\n";
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::cerr << "depthlab-coordinator: shutting down\n";
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
