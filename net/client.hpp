#pragma once

// parley::client: a messenger client for PROTOCOL.md v1. It logs in with an Ed25519
// key (later with its token), keeps every send until the server acknowledges it,
// reconnects to another node with backoff when a node goes away, and reports each
// message and receipt once however often the server repeats it. Every body is
// end-to-end encrypted (client_crypto.hpp): sealed to the recipient's identity key, or
// to each member's in a group, with keys pinned on first use.
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
#include <variant>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "net/client_connection.hpp"
#include "net/client_events.hpp"
#include "net/client_frames.hpp"
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
  /// A connection attempt to `url` failed before login; the client goes on trying.
  void on_connect_failed(std::function<void(const std::string& url, const std::string& reason)> f);
  void on_ack(std::function<void(const std::string& id, int64_t ts)> f);
  void on_message(std::function<void(const incoming_message&)> f);
  void on_receipt(std::function<void(const receipt_info&)> f);
  void on_presence(std::function<void(const presence_info&)> f);
  void on_key_changed(std::function<void(const key_change&)> f);
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

  /// Sends the text `body` to `to`, encrypted; returns the message id (<prefix>-<n>).
  /// The send waits for `to`'s key and while offline, and is written again, same id and
  /// same ciphertext, after every reconnect until on_ack(id). A send that cannot succeed
  /// (bad user id, meta not a JSON object, too large, unknown user, `key_changed`) is
  /// refused through on_error(id, ...). `meta` travels in clear: keep secrets out of it.
  std::string send(const std::string& to, const std::string& body,
                   const std::string& meta_json = "{}");
  /// Like send(), to every member of `group` (membership from group_info, asked for
  /// when not known in this login). One ack; one receipt per member.
  std::string send_group(const std::string& group, const std::string& body,
                         const std::string& meta_json = "{}");
  /// Sends a file: sealed with a fresh key on the calling thread, uploaded to the node
  /// (PUT /v1/media), then sent like send() with the key inside the encrypted body.
  /// Upload errors end the send through on_error(id, ...).
  std::string send_file(const std::string& to, std::string file, const std::string& mime,
                        const std::string& name);
  std::string send_group_file(const std::string& group, std::string file,
                              const std::string& mime, const std::string& name);
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

  using done_handler = std::function<void(const std::optional<client_error>&)>;
  /// `members` besides us; the answer carries the new group's id.
  std::string group_create(const std::string& name, std::vector<std::string> members,
                           std::function<void(const reply<group_info>&)> done);
  std::string group_add(const std::string& group, std::vector<std::string> users,
                        done_handler done);
  std::string group_remove(const std::string& group, std::vector<std::string> users,
                           done_handler done);
  std::string group_leave(const std::string& group, done_handler done);
  std::string group_info(const std::string& group,
                         std::function<void(const reply<parley::group_info>&)> done);

  // -- end to end ---------------------------------------------------------------------------

  /// Accepts `new_key` (as on_key_changed reported it) as `user`'s identity key: held
  /// messages that it opens are reported, and sends to `user` work again. `done` gets
  /// an error if that is not the changed key (none pending, or it changed again).
  void trust_key(const std::string& user, const std::string& new_key, done_handler done = {});
  /// Downloads the file of a received message from the current node, checks it against
  /// `ref` and decrypts it; `done` gets the file's bytes or the error.
  void fetch_media(const media_ref& ref, std::function<void(const reply<std::string>&)> done);

  // -- state, from any thread -------------------------------------------------------------

  bool online() const;
  /// Sends not yet acknowledged (or refused).
  size_t unacked() const;
  const std::string& user() const { return options_.user; }

private:
  std::string next_id(const char* kind);
  std::string queue_send(client_wire::target to, const std::string& text,
                         const std::string& meta_json);
  std::string queue_file(client_wire::target to, std::string file, const std::string& mime,
                         const std::string& name);
  std::string change_members(const char* op, const std::string& group,
                             const std::vector<std::string>& users, done_handler done);
  void group_request(std::string id, const std::string& group, std::string frame,
                     std::optional<client_error> invalid, done_handler done);
  void submit(std::string id, std::string frame, std::optional<client_error> invalid,
              std::function<void(const client_wire::answer&)> handler);
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
