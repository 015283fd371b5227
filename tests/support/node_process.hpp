#pragma once

// A real parley-node process for integration tests: started with port 0 listeners,
// its ports read back from its `listening ...` lines, stopped by PID (SIGKILL at the
// latest when the object goes away).

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace parley::testing {

/// The parley-node binary this test suite was built with.
std::string node_binary();

class node_process {
public:
  struct options {
    std::string id = "n1";
    std::filesystem::path data;
    std::vector<std::string> extra_flags;  // e.g. "--enable-fault-injection"
    /// A restart binds the ports of the first start again, as an operator's restart
    /// with the same flags would (cluster peers look for the node where it was).
    bool keep_ports = false;
  };

  explicit node_process(options opts);
  ~node_process();
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  /// SIGTERM, then waits for the exit; returns the exit code (-1 on timeout or signal).
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds{10});
  /// SIGKILL and reap.
  void kill9();
  /// Starts the same node again (same id and data dir, new ports).
  void restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  uint16_t client_port() const { return client_port_; }
  uint16_t admin_port() const { return admin_port_; }
  uint16_t cluster_port() const { return cluster_port_; }
  /// "127.0.0.1:PORT" of the cluster port, for other nodes' --join.
  std::string cluster_address() const;
  /// Flags for the next restart (the first start's ports stay if keep_ports).
  void set_extra_flags(std::vector<std::string> flags) { opts_.extra_flags = std::move(flags); }
  std::string client_url() const;
  /// Everything the node wrote on stderr so far (its log).
  std::string log() const;
  /// Everything the node wrote on stdout so far.
  std::string output() const;

private:
  void start();

  options opts_;
  pid_t pid_ = -1;
  uint16_t client_port_ = 0;
  uint16_t admin_port_ = 0;
  uint16_t cluster_port_ = 0;
  std::filesystem::path log_file_;
  int starts_ = 0;
};

/// Runs parley-node with `args` to completion; returns exit code and stderr.
std::pair<int, std::string> run_node_once(const std::vector<std::string>& args,
                                          std::chrono::milliseconds timeout);

} // namespace parley::testing
