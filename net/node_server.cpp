#include "net/node_server.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <future>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/send.hpp>

#include "actors/messages.hpp"
#include "actors/node.hpp"
#include "actors/node_metrics.hpp"
#include "actors/placement.hpp"
#include "net/admin_port.hpp"
#include "net/auth.hpp"
#include "net/client_port.hpp"
#include "net/gateway_context.hpp"
#include "net/webhook_client.hpp"
#include "runtime/io_worker_scheduler.hpp"
#include "runtime/logging.hpp"

namespace parley {

namespace {

constexpr auto stop_deadline = std::chrono::seconds{4};
constexpr auto publish_deadline = std::chrono::seconds{5};

class node_config : public caf::actor_system_config {
public:
  explicit node_config(const cluster_settings& cluster) {
    parley::add_message_types(*this);
    // The worker runs the sockets too (runtime/io_worker_scheduler.hpp).
    load<io_worker_coordinator>();
    // ... and the middleman's network loop, which gets no thread of its own
    // (runtime/worker_multiplexer.hpp).
    load<caf::io::middleman, worker_multiplexer>();
    set("middleman.manual-multiplexing", true);
    if (cluster.tls_dir) {
      // Mutual TLS on the cluster port: CAF's OpenSSL module asks every peer, on both
      // sides, for a certificate signed by the cluster CA (and never looks at the
      // system's CAs), so only the cluster's own nodes connect.
      load<caf::openssl::manager>();
      set("openssl.certificate", (*cluster.tls_dir / "node.pem").string());
      set("openssl.key", (*cluster.tls_dir / "node.key").string());
      set("openssl.cafile", (*cluster.tls_dir / "ca.pem").string());
    }
    // CAF notices a dead peer at once when its connection breaks (SIGKILL), but a hung
    // one only through heartbeats; without them a partition waits for TCP timeouts.
    set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds{500}});
    set("middleman.connection-timeout", caf::timespan{std::chrono::seconds{5}});
    // Cross-node messages are deserialized on the middleman's own thread: a BASP worker
    // made each of them a job of its own on our one actor thread (docs/benchmarks.md).
    set("middleman.workers", size_t{0});
    // One worker, which runs the sockets too: on this 2-core machine the store takes
    // the rest, and every extra thread mostly adds wake-ups (docs/benchmarks.md).
    set("scheduler.max-threads", size_t{1});
    // Bounded, so that one busy actor cannot hold a scheduler thread for long.
    set("scheduler.max-throughput", size_t{64});
    set("logger.verbosity", caf::atom("quiet"));
    set("logger.file-verbosity", caf::atom("quiet"));
    set("logger.console-verbosity", caf::atom("quiet"));
  }
};

// The worker runs the middleman's loop while the node runs; the thread that stops the
// actor system takes it back first (CAF's middleman stops by running its loop there).
class multiplexer_on_worker {
public:
  explicit multiplexer_on_worker(caf::actor_system& sys)
    : sys_(sys), mux_(static_cast<worker_multiplexer&>(sys.middleman().backend())),
      running_(run_on_worker(sys, mux_)) {}
  ~multiplexer_on_worker() {
    if (running_)
      take_back_from_worker(sys_, mux_);
  }
  bool running() const { return running_; }

private:
  caf::actor_system& sys_;
  worker_multiplexer& mux_;
  bool running_;
};

void print_line(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

} // namespace

int run_node(const node_settings& settings, const std::string& secret) {
  node_config cfg{settings.cluster};
  caf::actor_system sys{cfg};
  multiplexer_on_worker cluster_loop{sys};
  if (!cluster_loop.running()) {
    std::fprintf(stderr, "parley-node: cannot run the cluster port's event loop\n");
    return 2;
  }
  metrics_registry registry;
  node_metrics metrics{registry};
  authority auth{secret};

  auto& io = io_of(sys);
  std::atomic<bool> serving{false};
  member_info self_info{settings.id, {}, {}, settings.cluster.listen.to_string(), {}, 0, 0};
  cluster_view cluster{cluster_snapshot::single(self_info, settings.cluster.replicas)};
  local_virtual_actors local;
  session_settings sessions{settings.id};
  sessions.cluster = &cluster;
  sessions.local = &local;
  gateway_context gateway{sys, metrics, auth, sessions, [&cluster] {
                            std::vector<std::string> urls;
                            for (const auto& m : cluster.current()->members())
                              if (m.up)
                                urls.push_back("ws://" + m.info.client + "/v1/ws");
                            return urls;
                          }};
  idle_watch idle{io, settings.client_idle_timeout};
  gateway.idle = &idle;
  client_port client_handler{gateway};
  admin_port admin_handler{sys, registry, settings.fault_injection, cluster,
                           [&serving] { return serving.load(); }};

  auto open = [&](const endpoint& at, http_handler& handler) {
    std::string error;
    auto l = listener::open(
      io, at,
      [&handler](tcp::socket socket) {
        std::make_shared<http_connection>(std::move(socket), handler)->start();
      },
      error);
    if (!l)
      std::fprintf(stderr, "parley-node: %s\n", error.c_str());
    return l;
  };
  auto client_listener = open(settings.client, client_handler);
  auto admin_listener = client_listener ? open(settings.admin, admin_handler) : nullptr;
  if (!client_listener || !admin_listener)
    return 2;
  auto client_at = client_listener->local();
  auto admin_at = admin_listener->local();
  self_info.client = client_at.to_string();
  self_info.admin = admin_at.to_string();
  cluster.publish(cluster_snapshot::single(self_info, settings.cluster.replicas));

  // The tree, with membership publishing itself on the cluster port.
  auto published = std::make_shared<std::promise<uint16_t>>();
  auto published_port = published->get_future();
  auto published_once = std::make_shared<std::atomic<bool>>(false);
  membership_settings mesh;
  mesh.self = self_info;
  mesh.seeds = settings.cluster.seeds;
  mesh.listen = settings.cluster.listen;
  mesh.replicas = settings.cluster.replicas;
  // With TLS, nothing else publishes on CAF's plain middleman: the cluster port is the
  // only way in, and it speaks TLS.
  mesh.middleman = settings.cluster.tls_dir ? sys.openssl_manager().actor_handle()
                                            : sys.middleman().actor_handle();
  mesh.on_published = [published, published_once](uint16_t port) {
    if (!published_once->exchange(true))
      published->set_value(port);
  };
  node_tree_settings tree;
  if (settings.push_webhook) {
    std::string error;
    tree.push = webhook_client::create(io, *settings.push_webhook, {}, error);
    if (!tree.push) {
      std::fprintf(stderr, "parley-node: %s\n", error.c_str());
      return 2;
    }
    // Not the whole URL: its query may hold the gateway's key.
    SPDLOG_LOGGER_INFO(logs::node(), "event=push_webhook host={} port={} tls={}",
                       settings.push_webhook->host, settings.push_webhook->port,
                       settings.push_webhook->tls);
  }
  tree.store = settings.store;
  tree.media.root = settings.data_dir / "media";
  tree.cluster = &cluster;
  tree.local = &local;
  tree.membership = mesh;
  auto node = start_node_tree(sys, tree, &metrics);
  std::promise<caf::error> tree_down;
  auto tree_result = tree_down.get_future();
  node->attach_functor([&tree_down](const caf::error& reason) { tree_down.set_value(reason); });
  auto stop_tree = [&] {
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    if (tree_result.wait_for(stop_deadline) != std::future_status::ready)
      SPDLOG_LOGGER_WARN(logs::node(), "event=stop_slow");
  };
  uint16_t cluster_port = 0;
  if (published_port.wait_for(publish_deadline) == std::future_status::ready)
    cluster_port = published_port.get();
  if (cluster_port == 0) {
    std::fprintf(stderr, "parley-node: --cluster: cannot listen on %s\n",
                 settings.cluster.listen.to_string().c_str());
    stop_tree();
    unregister_node_tree(sys);
    return 2;
  }
  endpoint cluster_at{settings.cluster.listen.host, cluster_port};
  // Kept up to date by the handoff actor from here on; set now so that /metrics is
  // right from `ready` on.
  metrics.cluster_nodes.set(static_cast<int64_t>(cluster.current()->up_count()));
  client_listener->start();
  admin_listener->start();
  idle.start();

  std::promise<int> stop_signal;
  auto stopped = stop_signal.get_future();
  boost::asio::signal_set signals{io, SIGTERM, SIGINT};
  signals.async_wait([&stop_signal](boost::system::error_code ec, int signo) {
    if (!ec)
      stop_signal.set_value(signo);
  });

  print_line("listening client=" + client_at.to_string());
  print_line("listening admin=" + admin_at.to_string());
  print_line("listening cluster=" + cluster_at.to_string());
  SPDLOG_LOGGER_INFO(logs::node(), "event=started id={} client={} admin={} cluster={} data={}",
                     settings.id, client_at.to_string(), admin_at.to_string(),
                     cluster_at.to_string(), settings.data_dir.string());
  serving = true;
  print_line("ready");

  // Wait for a signal, or for the supervision tree to give up.
  int code = 0;
  for (;;) {
    if (stopped.wait_for(std::chrono::milliseconds{100}) == std::future_status::ready) {
      SPDLOG_LOGGER_INFO(logs::node(), "event=stopping signal={}", stopped.get());
      break;
    }
    if (tree_result.wait_for(std::chrono::seconds{0}) == std::future_status::ready) {
      SPDLOG_LOGGER_ERROR(logs::node(), "event=tree_failed reason={}",
                          sys.render(tree_result.get()));
      code = 1;
      break;
    }
  }
  serving = false;
  client_listener->stop();
  admin_listener->stop();
  // The store commits its last batch when it stops; we wait for that, not for the tree.
  std::promise<void> store_stopped;
  auto store_done = store_stopped.get_future();
  if (auto store = registered(sys, store_name::value))
    store->attach_functor([&store_stopped] { store_stopped.set_value(); });
  else
    store_stopped.set_value();
  if (code == 0)
    stop_tree();  // sessions close their sockets with 1001, the store commits its batch
  if (store_done.wait_for(stop_deadline) != std::future_status::ready)
    SPDLOG_LOGGER_WARN(logs::node(), "event=store_stop_slow");
  // Let the close frames leave; the sockets end with the process.
  std::this_thread::sleep_for(std::chrono::milliseconds{100});
  unregister_node_tree(sys);
  SPDLOG_LOGGER_INFO(logs::node(), "event=stopped code={}", code);
  // Everything acknowledged is committed and every client socket is closed. CAF's own
  // teardown can wait without end here: a peer stopping at the same moment may still
  // hold our actors through its connection, and ~actor_system waits for every detached
  // actor's last reference. Nothing is left to lose, so the process ends now.
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

} // namespace parley
