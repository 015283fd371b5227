#pragma once

// parley::client: a messenger client for PROTOCOL.md v1. It logs in with an Ed25519
// key (later with its token), keeps every send until the server acknowledges it,
// reconnects to another node with backoff when a node goes away, and reports each
// message and receipt once however often the server repeats it.
//
//   parley::client_options opts;
//   opts.user = "alice";
//   opts.keys = *parley::identity_keys::load_or_create(path, error);
//   opts.servers = {"ws://127.0.0.1:7070/v1/ws"};
//   parley::client alice{std::move(opts)};
//   alice.on_message([&](const parley::incoming_message& m) { ... });
//   alice.start();
//   auto id = alice.send("bob", "hi");  // on_ack(id, ts) once it is durable
//
// Every method may be called from any thread, before start() too (the requests wait
// for the first login). Callbacks run on the client's own io thread, or on a strand of
// the io_context given to the constructor; they must not block, and must not destroy
// the client.

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "net/client_connection.hpp"
#include "net/client_events.hpp"
#include "net/client_identity.hpp"
#include "net/client_options.hpp"

namespace parley {

class client_session;

class client {
public:
  /// The client runs its own io_context on a thread of its own, from start() to stop().
  explicit client(client_options options);
  /// The client runs on `io`, which the caller keeps running (and alive) until the
  /// client is destroyed.
  client(client_options options, boost::asio::io_context& io);
  /// Stops the client.
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // -- callbacks: set them before start() ------------------------------------------------

  void on_connected(std::function<void(const welcome_info&)> f);
  void on_disconnected(std::function<void(const std::string& reason)> f);
  void on_ack(std::function<void(const std::string& id, int64_t ts)> f);
  void on_message(std::function<void(const incoming_message&)> f);
  void on_receipt(std::function<void(const receipt_info&)> f);
  void on_presence(std::function<void(const presence_info&)> f);
  void on_error(std::function<void(const std::string& id, const std::string& code,
                                   const std::string& message)> f);

  // -- lifecycle --------------------------------------------------------------------------

  /// Starts connecting. An error, and nothing started, when the options cannot work:
  /// a bad user id, a key pair of the wrong size, no server URL or a malformed one, or a
  /// second start().
  std::optional<client_error> start();
  /// Sends a close frame (1000), waits for the server's close (at most ~1 s) and, with
  /// its own thread, joins it. Waiting sends are dropped. No callback runs after stop()
  /// returns. Idempotent.
  void stop();
  /// Replaces the configured server URLs (malformed ones are skipped); the next
  /// connection attempt uses them.
  void set_servers(std::vector<std::string> urls);

  // -- messaging ----------------------------------------------------------------------------

  /// Sends `body` to `to`; returns the message id (<prefix>-<n>). The send waits while
  /// offline and is written again, same id, after every reconnect until on_ack(id). A
  /// send that cannot succeed (bad user id, meta not a JSON object, too large) is
  /// refused through on_error(id, ...).
  std::string send(const std::string& to, const std::string& body,
                   const std::string& meta_json = "{}");
  /// Tells `from` that its message `id` arrived (`delivered`) or was seen (`read`).
  /// `group` is empty for one-to-one messages.
  void mark_delivered(const std::string& from, const std::string& id,
                      const std::string& group = {});
  void mark_read(const std::string& from, const std::string& id, const std::string& group = {});

  // -- requests: each returns its id; the answer comes through `done` ----------------------

  std::string presence(const std::string& user,
                       std::function<void(const reply<presence_info>&)> done);
  /// Watches `users`: their changes come through on_presence, renewed after every
  /// reconnect. `done` gets nothing once the server agreed, or the error; without
  /// `done` an error comes through on_error(id, ...).
  std::string subscribe(std::vector<std::string> users,
                        std::function<void(const std::optional<client_error>&)> done = {});
  std::string key(const std::string& user, std::function<void(const reply<key_info>&)> done);
  std::string ping(std::function<void(const reply<pong_info>&)> done = {});

  // -- state, from any thread -------------------------------------------------------------

  bool online() const;
  /// Sends not yet acknowledged (or refused).
  size_t unacked() const;
  const std::string& user() const { return options_.user; }

private:
  std::string next_id(const char* kind);
  void post_confirm(delivery_status status, const std::string& from, const std::string& id,
                    const std::string& group);
  template <class F>
  void post(F f);

  client_options options_;
  client_callbacks callbacks_;
  // Declared before the session: destroying the io_context destroys pending handlers,
  // which may hold the last references to the session.
  std::unique_ptr<boost::asio::io_context> own_io_;
  boost::asio::io_context& io_;
  client_executor ex_;
  std::shared_ptr<client_session> session_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::future<void> stop_done_;  // ready once the session closed its connection
  std::string id_prefix_;
  std::atomic<uint64_t> next_number_{0};
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
};

} // namespace parley
