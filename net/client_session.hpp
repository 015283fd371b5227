#pragma once

// The state machine behind parley::client: one login after another, over one
// client_connection at a time, with everything the application asked for kept until
// the server has it. It lives on one strand; client.cpp posts every call onto it.
//
//   idle --start--> connecting --open--> challenged --hello--> authenticating
//                      ^                                              |
//                      |                                           welcome
//                  (backoff)                                          v
//                   waiting <--------- connection ended ---------  online
//                      ^                                              |
//                      +---- connection ended or login failed --------+ (any phase)
//
//   replaced, or auth_failed for a key login: any phase --> halted (no reconnecting)
//   stop(): any phase --> stopped (close frame 1000, then done)
//
// An auth_failed for a token login is not final: the next attempt signs the challenge.

#include <atomic>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "net/client_connection.hpp"
#include "net/client_crypto.hpp"
#include "net/client_dedup.hpp"
#include "net/client_http.hpp"
#include "net/client_keyring.hpp"
#include "net/client_frames.hpp"
#include "net/client_options.hpp"
#include "net/client_outbox.hpp"
#include "net/client_reconnect.hpp"

namespace parley {

class client_session : public client_connection::listener,
                       public std::enable_shared_from_this<client_session> {
public:
  /// What a request (presence, key, subscribe, ping) gets back.
  using answer = client_wire::answer;
  using answer_handler = std::function<void(const answer&)>;

  /// A send on its way to being sealed: it waits for the keys it needs (and a file for
  /// the upload that names it), then becomes a `send` frame in the outbox.
  struct outgoing {
    std::string id;
    client_wire::target to;
    std::string plaintext;   // the inner content (client_content.hpp)
    std::string meta;        // compact JSON object
    std::string ciphertext;  // a sealed file still to upload; empty once uploaded
    media_ref media;         // the file's reference, without its URL until uploaded
    bool uploading = false;  // the upload is under way
  };

  client_session(client_executor ex, client_options options);
  ~client_session() override;

  // -- called on the strand ------------------------------------------------------------

  /// `pinned` comes from the key store (client::start loads it on the caller's thread).
  void start(client_callbacks callbacks, std::map<std::string, std::string> pinned);
  /// Closes the session; `done` runs once the connection is closed (at most ~1 s).
  void stop(std::function<void()> done);
  void set_servers(std::vector<std::string> urls);
  /// Queues a checked send: sealed once the keys are known, then written now if online,
  /// else after the next login. A file (`ciphertext` set) is uploaded first.
  void send(outgoing o);
  /// Pins `key` for `user` if it is the changed key reported for them.
  void trust_key(const std::string& user, const std::string& key,
                 const std::function<void(const std::optional<client_error>&)>& done);
  /// The group's membership changed by our hand, or must be asked again.
  void forget_group(const std::string& group) { groups_.erase(group); }
  /// A membership the application asked for (group_info) serves our sends too.
  void remember_group(const group_info& info);
  /// Downloads a file a message refers to, checks and decrypts it.
  void fetch_media(const media_ref& ref, std::function<void(const reply<std::string>&)> done);
  /// Reports a send the client refused itself, through on_error like the server's.
  void refuse(const std::string& id, const client_error& error);
  /// Answers a request the client refused itself.
  void refuse_request(const answer_handler& done, const client_error& error);
  void confirm(delivery_status status, const std::string& from, const std::string& id,
               const std::string& group);
  /// Writes `frame` (a request carrying `id`) now or after the next login, and again
  /// after every reconnect until it is answered.
  void request(std::string id, std::string frame, answer_handler done);
  using subscribe_handler = std::function<void(const std::optional<client_error>&)>;
  /// Like request(); users are watched again after every login once this succeeds.
  /// Without `done`, a failure goes to on_error.
  void subscribe(std::string id, std::vector<std::string> users, subscribe_handler done);
  void refuse_subscribe(const std::string& id, const subscribe_handler& done,
                        const client_error& error);

  // -- read from any thread ------------------------------------------------------------

  bool online() const { return online_.load(); }
  size_t unacked() const { return unacked_.load(); }
  /// Counts a send from the moment the application makes it, before send() runs on
  /// the strand, so that unacked() never reads 0 while a send is on its way.
  void count_send() { ++unacked_; }
  /// After this, no callback starts any more.
  void mute() { muted_.store(true); }

private:
  enum class phase { idle, connecting, challenged, authenticating, online, waiting, halted,
                     stopped };

  struct pending_request {
    std::string id;
    std::string frame;
    answer_handler done;
    bool resend = true;  // false: dropped with the connection
  };

  // -- client_connection::listener ------------------------------------------------------
  void on_open(client_connection& conn) override;
  void on_text(client_connection& conn, std::string& text) override;
  void on_closed(client_connection& conn, const std::string& reason) override;

  // -- lifecycle (client_session.cpp) ----------------------------------------------------
  void connect_next();
  void schedule_reconnect(bool at_once);
  void on_challenge(const client_wire::challenge& c);
  void on_welcome(client_wire::welcome& w);
  void on_session_error(const client_wire::error& e);
  void halt(const std::string& code, const std::string& message);
  void heartbeat_tick();
  void arm_heartbeat();
  void finish_stop();

  // -- frames after login (client_dispatch.cpp) -----------------------------------------
  void on_frame(client_wire::server_frame& frame);
  void on_ack(const client_wire::ack& a);
  void on_message(incoming_message& m);
  void on_receipt(const receipt_info& r);
  void on_answer(const std::string& id, answer a);
  void on_error_frame(const client_wire::error& e);
  void write_waiting();
  void resubscribe();
  void schedule_resend(const std::string& id);
  void write(const std::string& frame);
  std::string next_internal_id();

  // -- end-to-end (client_e2e.cpp) ------------------------------------------------------
  void seal_waiting();
  /// The sealed body of `o`, nothing while a key or the membership is missing, or the
  /// error that ends the send.
  std::optional<reply<std::string>> seal(const outgoing& o);
  std::optional<reply<std::string>> seal_for_group(const outgoing& o);
  void open_waiting();
  /// Nothing while the sender's key is missing, or changed and the pinned one does not
  /// open it.
  std::optional<reply<std::string>> open_with_keys(const incoming_message& m);
  reply<std::string> open_body(const incoming_message& m, const std::string& key);
  void report(incoming_message& m, const reply<std::string>& plaintext);
  /// Asks the server for `user`'s key, once at a time.
  void need_key(const std::string& user);
  void on_key_answer(const std::string& user, const answer& a);
  void need_group(const std::string& group);
  void on_group_answer(const std::string& group, const answer& a);
  void retry_lookup(const std::string& name, bool group);
  void end_send(const std::string& id, const client_error& error);
  void forget_peers();

  // -- files (client_transfers.cpp) -----------------------------------------------------
  void start_uploads();
  void on_uploaded(const std::string& id, const reply<http_response>& r);
  std::optional<ws_url> http_node() const;

  template <class F, class... Args>
  void notify(const F& callback, Args&&... args) {
    if (callback && !muted_.load())
      callback(std::forward<Args>(args)...);
  }

  client_executor ex_;
  client_options options_;
  client_callbacks callbacks_;
  reconnect_plan plan_;
  phase phase_ = phase::idle;
  std::shared_ptr<client_connection> conn_;
  std::string conn_url_;
  std::string token_;         // from the last welcome
  bool token_login_ = false;  // the hello on conn_ carried the token
  bool ping_pending_ = false;  // a heartbeat ping went out and nothing came back yet
  std::chrono::steady_clock::time_point ping_sent_{};
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer login_timer_;
  boost::asio::steady_timer heartbeat_timer_;
  boost::asio::steady_timer resend_timer_;
  boost::asio::steady_timer upload_timer_;
  boost::asio::steady_timer lookup_retry_timer_;
  std::vector<std::string> resend_ids_;
  std::function<void()> stop_done_;

  client_outbox outbox_;
  std::vector<std::string> confirmations_;  // frames waiting for the next login
  std::list<pending_request> requests_;     // in the order they were made
  std::vector<std::string> subscribed_;     // watched again after every login
  recent_levels messages_seen_;
  recent_levels receipts_seen_;
  uint64_t internal_ids_ = 0;

  e2e::own_keys own_keys_;
  keyring keys_;
  std::deque<outgoing> unsealed_;                          // in the order they were made
  std::deque<incoming_message> unopened_;                  // in the order they came
  std::set<std::string> key_lookups_;                      // under way
  std::map<std::string, client_error> key_failures_;       // until the next login
  std::map<std::string, group_info> groups_;               // membership, this login
  std::set<std::string> group_lookups_;
  std::map<std::string, client_error> group_failures_;
  std::set<std::string> key_retries_;                      // asked again after a while
  std::set<std::string> group_retries_;

  std::atomic<bool> online_{false};
  std::atomic<size_t> unacked_{0};
  std::atomic<bool> muted_{false};
};

} // namespace parley
