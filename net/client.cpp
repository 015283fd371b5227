#include "net/client.hpp"

#include <cassert>
#include <cstdlib>
#include <future>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <sodium.h>

#include "net/client_content.hpp"
#include "net/client_crypto.hpp"
#include "net/client_frames.hpp"
#include "net/client_media.hpp"
#include "net/client_session.hpp"
#include "net/client_url.hpp"
#include "net/json_codec.hpp"
#include "runtime/config.hpp"
#include "runtime/logging.hpp"

namespace parley {

namespace {

// How long stop() waits for the close handshake before it drops the connection; the
// connection itself gives up after 1 s, so this only guards against a stuck io thread.
constexpr auto stop_timeout = std::chrono::seconds{3};

// Ids are <prefix>-<n>: the prefix keeps ids of one run apart from the ids of earlier
// runs, which the server still remembers for 24 h as (sender, id).
std::string random_prefix() {
  static constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  if (sodium_init() < 0)
    std::abort();
  std::string prefix(12, '\0');
  for (auto& c : prefix)
    c = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
  return prefix;
}

client_error not_a_user(const std::string& user) {
  return client_error{"bad_request", "'" + user + "' is not a valid user id"};
}

// Hands a request about `user` to the session, or answers it at once when `user`
// cannot be a user id.
void post_user_request(const client_executor& ex, std::shared_ptr<client_session> session,
                       std::string id, const std::string& user, std::string frame,
                       client_session::answer_handler answer) {
  boost::asio::post(ex, [session = std::move(session), id = std::move(id), user,
                         frame = std::move(frame), answer = std::move(answer)]() mutable {
    if (is_valid_id(user))
      session->request(std::move(id), std::move(frame), std::move(answer));
    else
      session->refuse_request(answer, not_a_user(user));
  });
}

std::optional<client_error> check_options(const client_options& options) {
  if (!is_valid_id(options.user))
    return not_a_user(options.user);
  if (options.keys.public_key.size() != 32 || options.keys.secret_key.size() != 64)
    return client_error{"bad_request", "the key pair is not an Ed25519 key pair"};
  if (options.servers.empty())
    return client_error{"bad_request", "no server URL"};
  for (const auto& url : options.servers)
    if (!parse_ws_url(url))
      return client_error{"bad_request", "'" + url + "' is not a ws://HOST:PORT/PATH URL"};
  // A device the server refuses fails the hello, which reads as auth_failed: final.
  if (!options.device.empty() && !client_wire::is_device_object(options.device))
    return client_error{"bad_request", "device must be a JSON object of at most 1 KiB"};
  return std::nullopt;
}

// Pins are kept in memory unless the application gives a store.
client_options with_key_store(client_options options) {
  if (!options.pinned_keys)
    options.pinned_keys = std::make_shared<memory_key_store>();
  return options;
}

} // namespace

client::client(client_options options)
  : options_(with_key_store(std::move(options))),
    own_io_(std::make_unique<boost::asio::io_context>(1)),
    io_(*own_io_),
    ex_(boost::asio::make_strand(io_)),
    session_(std::make_shared<client_session>(ex_, options_)),
    id_prefix_(random_prefix()) {
}

client::client(client_options options, boost::asio::io_context& io)
  : options_(with_key_store(std::move(options))),
    io_(io),
    ex_(boost::asio::make_strand(io_)),
    session_(std::make_shared<client_session>(ex_, options_)),
    id_prefix_(random_prefix()) {
}

client::~client() {
  stop();
  // Destroyed from its own callback, the thread could not be joined (see client.hpp).
  assert(!thread_.joinable());
}

// -- callbacks ------------------------------------------------------------------------------

void client::on_connected(std::function<void(const welcome_info&)> f) {
  callbacks_.on_connected = std::move(f);
}

void client::on_disconnected(std::function<void(const std::string&)> f) {
  callbacks_.on_disconnected = std::move(f);
}

void client::on_connect_failed(std::function<void(const std::string&, const std::string&)> f) {
  callbacks_.on_connect_failed = std::move(f);
}

void client::on_ack(std::function<void(const std::string&, int64_t)> f) {
  callbacks_.on_ack = std::move(f);
}

void client::on_message(std::function<void(const incoming_message&)> f) {
  callbacks_.on_message = std::move(f);
}

void client::on_receipt(std::function<void(const receipt_info&)> f) {
  callbacks_.on_receipt = std::move(f);
}

void client::on_presence(std::function<void(const presence_info&)> f) {
  callbacks_.on_presence = std::move(f);
}

void client::on_key_changed(std::function<void(const key_change&)> f) {
  callbacks_.on_key_changed = std::move(f);
}

void client::on_error(
  std::function<void(const std::string&, const std::string&, const std::string&)> f) {
  callbacks_.on_error = std::move(f);
}

// -- lifecycle ------------------------------------------------------------------------------

std::optional<client_error> client::start() {
  if (auto err = check_options(options_))
    return err;
  if (started_.exchange(true))
    return client_error{"bad_request", "the client was already started"};
  post([session = session_, callbacks = callbacks_,
        pinned = options_.pinned_keys->load()]() mutable {
    session->start(std::move(callbacks), std::move(pinned));
  });
  if (own_io_) {
    work_.emplace(own_io_->get_executor());
    thread_ = std::thread{[io = own_io_.get()] { io->run(); }};
  }
  return std::nullopt;
}

void client::stop() {
  bool on_io_thread = std::this_thread::get_id() == thread_.get_id();
  if (started_.load() && !stopped_.exchange(true)) {
    session_->mute();
    auto closed = std::make_shared<std::promise<void>>();
    stop_done_ = closed->get_future();
    post([session = session_, closed] { session->stop([closed] { closed->set_value(); }); });
    // Without the guard the thread's run() returns once the close is done.
    work_.reset();
  }
  // From a callback the io thread cannot join itself; the destructor does it.
  if (!own_io_ || !thread_.joinable() || on_io_thread)
    return;
  if (stop_done_.valid() && stop_done_.wait_for(stop_timeout) != std::future_status::ready)
    SPDLOG_LOGGER_WARN(logs::net(), "event=client_stop_timeout user={}", options_.user);
  own_io_->stop();
  thread_.join();
}

void client::set_servers(std::vector<std::string> urls) {
  std::vector<std::string> usable;
  for (auto& url : urls) {
    if (parse_ws_url(url))
      usable.push_back(std::move(url));
    else
      SPDLOG_LOGGER_WARN(logs::net(), "event=client_bad_server_url user={} url={}",
                         options_.user, url);
  }
  post([session = session_, usable = std::move(usable)]() mutable {
    session->set_servers(std::move(usable));
  });
}

bool client::online() const {
  return session_->online();
}

size_t client::unacked() const {
  return session_->unacked();
}

// -- messaging ------------------------------------------------------------------------------

std::string client::send(const std::string& to, const std::string& body,
                         const std::string& meta_json) {
  return queue_send(client_wire::target{to, false}, body, meta_json);
}

std::string client::send_group(const std::string& group, const std::string& body,
                               const std::string& meta_json) {
  return queue_send(client_wire::target{group, true}, body, meta_json);
}

std::string client::send_file(const std::string& to, std::string file, const std::string& mime,
                              const std::string& name) {
  return queue_file(client_wire::target{to, false}, std::move(file), mime, name);
}

std::string client::send_group_file(const std::string& group, std::string file,
                                    const std::string& mime, const std::string& name) {
  return queue_file(client_wire::target{group, true}, std::move(file), mime, name);
}

std::string client::queue_send(client_wire::target to, const std::string& text,
                               const std::string& meta_json) {
  auto id = next_id("");
  auto meta = client_wire::checked_send(to, text, meta_json);
  auto plaintext = e2e::encode_text(text);
  if (!std::holds_alternative<client_error>(meta) && !to.group
      && plaintext.size() > e2e::max_direct_plaintext())
    meta = client_error{"too_large", "the encrypted body would be over 64 KiB"};
  if (auto* err = std::get_if<client_error>(&meta)) {
    post([session = session_, id, err = *err] { session->refuse(id, err); });
    return id;
  }
  session_->count_send();
  client_session::outgoing o{id, std::move(to), std::move(plaintext),
                             std::move(std::get<std::string>(meta)), {}, {}, false};
  post([session = session_, o = std::move(o)]() mutable { session->send(std::move(o)); });
  return id;
}

std::string client::queue_file(client_wire::target to, std::string file, const std::string& mime,
                               const std::string& name) {
  auto id = next_id("");
  auto meta = client_wire::checked_send(to, "", "{}");
  auto sealed = e2e::seal_media(file, mime, name);
  if (auto* err = std::get_if<client_error>(&sealed))
    meta = *err;
  if (auto* err = std::get_if<client_error>(&meta)) {
    post([session = session_, id, err = *err] { session->refuse(id, err); });
    return id;
  }
  session_->count_send();
  auto& media = std::get<e2e::sealed_media>(sealed);
  client_session::outgoing o{id, std::move(to), {}, std::move(std::get<std::string>(meta)),
                             std::move(media.ciphertext), std::move(media.ref), false};
  post([session = session_, o = std::move(o)]() mutable { session->send(std::move(o)); });
  return id;
}

void client::mark_delivered(const std::string& from, const std::string& id,
                            const std::string& group) {
  post_confirm(delivery_status::delivered, from, id, group);
}

void client::mark_read(const std::string& from, const std::string& id,
                       const std::string& group) {
  post_confirm(delivery_status::read, from, id, group);
}

void client::post_confirm(delivery_status status, const std::string& from,
                          const std::string& id, const std::string& group) {
  // A malformed confirmation could only earn a bad_request; not worth a frame.
  if (!is_valid_id(from) || !json::is_valid_request_id(id) || !ws::valid_utf8(group)) {
    SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_confirm_refused user={} from={}",
                        options_.user, from);
    return;
  }
  post([session = session_, status, from, id, group] {
    session->confirm(status, from, id, group);
  });
}

// -- requests -------------------------------------------------------------------------------

std::string client::presence(const std::string& user,
                             std::function<void(const reply<presence_info>&)> done) {
  auto id = next_id("q");
  auto answer = [done = std::move(done)](const client_session::answer& a) {
    if (!done)
      return;
    if (auto* ok = std::get_if<client_wire::ok>(&a); ok && ok->has_presence)
      done(ok->presence);
    else if (auto* err = std::get_if<client_error>(&a))
      done(*err);
    else
      done(client_error{"internal", "the server answered presence without presence"});
  };
  post_user_request(ex_, session_, id, user, client_wire::presence(id, user), std::move(answer));
  return id;
}

std::string client::subscribe(std::vector<std::string> users,
                              std::function<void(const std::optional<client_error>&)> done) {
  auto id = next_id("q");
  for (const auto& u : users) {
    if (!is_valid_id(u)) {
      post([session = session_, id, u, done = std::move(done)] {
        session->refuse_subscribe(id, done, not_a_user(u));
      });
      return id;
    }
  }
  post([session = session_, id, users = std::move(users), done = std::move(done)]() mutable {
    session->subscribe(std::move(id), std::move(users), std::move(done));
  });
  return id;
}

std::string client::key(const std::string& user,
                        std::function<void(const reply<key_info>&)> done) {
  auto id = next_id("q");
  auto answer = [done = std::move(done), user](const client_session::answer& a) {
    if (!done)
      return;
    if (auto* ok = std::get_if<client_wire::ok>(&a); ok && ok->key.size() == 32)
      done(key_info{user, ok->key});
    else if (auto* err = std::get_if<client_error>(&a))
      done(*err);
    else
      done(client_error{"internal", "the server answered key without a 32-byte key"});
  };
  post_user_request(ex_, session_, id, user, client_wire::key(id, user), std::move(answer));
  return id;
}

std::string client::ping(std::function<void(const reply<pong_info>&)> done) {
  auto id = next_id("q");
  auto sent = std::chrono::steady_clock::now();
  auto answer = [done = std::move(done), sent](const client_session::answer& a) {
    if (!done)
      return;
    if (auto* pong = std::get_if<client_wire::pong>(&a)) {
      auto rtt = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - sent);
      done(pong_info{pong->ts, rtt.count()});
    } else if (auto* err = std::get_if<client_error>(&a)) {
      done(*err);
    } else {
      done(client_error{"internal", "the server answered ping without pong"});
    }
  };
  post([session = session_, id, frame = client_wire::ping(id), answer]() mutable {
    session->request(std::move(id), std::move(frame), std::move(answer));
  });
  return id;
}

// -- helpers --------------------------------------------------------------------------------

std::string client::next_id(const char* kind) {
  return id_prefix_ + "-" + kind + std::to_string(++next_number_);
}

template <class F>
void client::post(F f) {
  boost::asio::post(ex_, std::move(f));
}

} // namespace parley
