#pragma once

// The admin port (PROTOCOL.md section 6): health, Prometheus metrics, the cluster view,
// the console page, and fault injection when enabled.

#include <functional>
#include <string>

#include <caf/actor_system.hpp>

#include "net/http_server.hpp"
#include "runtime/cluster_view.hpp"
#include "runtime/metrics.hpp"

namespace parley {

class admin_port : public http_handler {
public:
  admin_port(caf::actor_system& sys, metrics_registry& metrics, bool fault_injection,
             const cluster_view& cluster, std::function<bool()> serving)
    : sys_(sys),
      metrics_(metrics),
      fault_injection_(fault_injection),
      cluster_(cluster),
      serving_(std::move(serving)) {}

  void handle(const std::shared_ptr<http_connection>& conn, http_request&& req) override;

private:
  std::string cluster_json() const;
  void fault(const std::shared_ptr<http_connection>& conn, const http_request& req);

  caf::actor_system& sys_;
  metrics_registry& metrics_;
  bool fault_injection_;
  const cluster_view& cluster_;
  std::function<bool()> serving_;
};

} // namespace parley
