// client_session, once logged in: what the server pushes and answers, and everything
// the application queued, written in order.

#include "net/client_session.hpp"

#include <algorithm>

#include "runtime/logging.hpp"

namespace parley {

namespace {

// Errors after which the same send may succeed later (PROTOCOL.md section 3).
bool worth_resending(const std::string& code) {
  return code == "unavailable" || code == "rate_limited";
}

// The server's subscribe limit (PROTOCOL.md: at most 1,000 users per request).
constexpr size_t max_subscribe = 1000;

} // namespace

// -- from the application ---------------------------------------------------------------------

void client_session::refuse(const std::string& id, const client_error& error) {
  notify(callbacks_.on_error, id, error.code, error.message);
}

void client_session::refuse_request(const answer_handler& done, const client_error& error) {
  if (done && !muted_.load())
    done(error);
}

void client_session::confirm(delivery_status status, const std::string& from,
                             const std::string& id, const std::string& group) {
  int level = status == delivery_status::read ? message_level::read : message_level::delivered;
  if (!messages_seen_.raise(dedup_key(group, from, id), level))
    return;  // already confirmed that far: the server ignores repeats anyway
  auto frame = client_wire::confirm(status, from, id, group);
  if (phase_ == phase::online)
    write(frame);
  else
    confirmations_.push_back(std::move(frame));
}

void client_session::request(std::string id, std::string frame, answer_handler done) {
  if (phase_ == phase::online)
    write(frame);
  requests_.push_back(pending_request{std::move(id), std::move(frame), std::move(done), true});
}

void client_session::subscribe(std::string id, std::vector<std::string> users,
                               subscribe_handler done) {
  auto frame = client_wire::subscribe(id, users);
  request(id, std::move(frame),
          [this, id, users = std::move(users), done = std::move(done)](const answer& a) {
            if (auto* err = std::get_if<client_error>(&a)) {
              refuse_subscribe(id, done, *err);
              return;
            }
            for (const auto& u : users)
              if (std::find(subscribed_.begin(), subscribed_.end(), u) == subscribed_.end())
                subscribed_.push_back(u);
            if (done)
              done(std::nullopt);
          });
}

void client_session::refuse_subscribe(const std::string& id, const subscribe_handler& done,
                                      const client_error& error) {
  if (muted_.load())
    return;
  if (done)
    done(error);
  else
    notify(callbacks_.on_error, id, error.code, error.message);
}

// -- after welcome ------------------------------------------------------------------------------

void client_session::write_waiting() {
  // Sends first, in their original order and with their original ids: the server
  // answers a repeat with the first ack and delivers nothing twice.
  for (const auto& e : outbox_.entries())
    write(e.frame);
  for (const auto& frame : confirmations_)
    write(frame);
  confirmations_.clear();
  for (const auto& r : requests_)
    write(r.frame);
  resubscribe();
}

// Subscriptions end with a session, so each login renews them.
void client_session::resubscribe() {
  for (size_t begin = 0; begin < subscribed_.size(); begin += max_subscribe) {
    auto end = std::min(subscribed_.size(), begin + max_subscribe);
    std::vector<std::string> users{subscribed_.begin() + begin, subscribed_.begin() + end};
    auto id = next_internal_id();
    auto frame = client_wire::subscribe(id, users);
    write(frame);
    requests_.push_back(pending_request{
      id, std::move(frame),
      [this, id, users](const answer& a) {
        auto* err = std::get_if<client_error>(&a);
        if (!err)
          return;
        // The whole request failed: stop renewing these users rather than fail again
        // at every login, and tell the application.
        for (const auto& u : users)
          subscribed_.erase(std::remove(subscribed_.begin(), subscribed_.end(), u),
                            subscribed_.end());
        notify(callbacks_.on_error, id, err->code, err->message);
      },
      false});
  }
}

std::string client_session::next_internal_id() {
  return "c-" + std::to_string(++internal_ids_);
}

void client_session::write(const std::string& frame) {
  if (!conn_)
    return;
  SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_frame_out user={} bytes={}", options_.user,
                      frame.size());
  conn_->send_text(frame);
}

// -- from the server ----------------------------------------------------------------------------

void client_session::on_frame(client_wire::server_frame& frame) {
  std::visit(
    [this](auto& f) {
      using T = std::decay_t<decltype(f)>;
      if constexpr (std::is_same_v<T, client_wire::ack>) {
        on_ack(f);
      } else if constexpr (std::is_same_v<T, incoming_message>) {
        on_message(f);
      } else if constexpr (std::is_same_v<T, receipt_info>) {
        on_receipt(f);
      } else if constexpr (std::is_same_v<T, client_wire::presence_change>) {
        notify(callbacks_.on_presence, f.info);
      } else if constexpr (std::is_same_v<T, client_wire::ok>) {
        auto id = f.id;
        on_answer(id, std::move(f));
      } else if constexpr (std::is_same_v<T, client_wire::pong>) {
        auto id = f.id;
        on_answer(id, std::move(f));
      } else if constexpr (std::is_same_v<T, client_wire::error>) {
        on_error_frame(f);
      } else {
        SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_frame_out_of_phase user={}",
                            options_.user);
      }
    },
    frame);
}

void client_session::on_ack(const client_wire::ack& a) {
  SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_ack user={} id={}", options_.user, a.id);
  if (!outbox_.remove(a.id))
    return;  // a repeat: the first ack was reported
  --unacked_;
  notify(callbacks_.on_ack, a.id, a.ts);
}

void client_session::on_message(incoming_message& m) {
  SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_msg user={} from={} id={}", options_.user,
                      m.from, m.id);
  auto key = dedup_key(m.group, m.from, m.id);
  auto level = messages_seen_.find(key);
  if (!level) {
    messages_seen_.raise(key, message_level::seen);
    // A lookup that failed before (say, unknown_user) is stale now: the sender exists.
    key_failures_.erase(m.from);
    unopened_.push_back(std::move(m));
    open_waiting();
    return;
  }
  // A repeat: the server has not heard our confirmation (it was lost with a connection),
  // so say it again; the application already has the message.
  if (*level >= message_level::delivered) {
    auto status = *level >= message_level::read ? delivery_status::read
                                                : delivery_status::delivered;
    write(client_wire::confirm(status, m.from, m.id, m.group));
  }
}

void client_session::on_receipt(const receipt_info& r) {
  SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_receipt user={} id={} to={} status={}",
                      options_.user, r.id, r.to, to_string(r.status));
  int level = r.status == delivery_status::read ? message_level::read : message_level::delivered;
  if (receipts_seen_.raise(dedup_key(r.group, r.to, r.id), level))
    notify(callbacks_.on_receipt, r);
}

void client_session::on_answer(const std::string& id, answer a) {
  auto i = std::find_if(requests_.begin(), requests_.end(),
                        [&](const pending_request& r) { return r.id == id; });
  if (i == requests_.end()) {
    SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_unexpected_answer user={} id={}",
                        options_.user, id);
    return;
  }
  auto done = std::move(i->done);
  requests_.erase(i);
  if (done && !muted_.load())
    done(a);
}

void client_session::on_error_frame(const client_wire::error& e) {
  SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_error_frame user={} id={} code={} why={}",
                      options_.user, e.id, e.code, e.message);
  if (e.id.empty()) {
    on_session_error(e);
    return;
  }
  if (outbox_.find(e.id)) {
    if (worth_resending(e.code)) {
      schedule_resend(e.id);
      return;
    }
    outbox_.remove(e.id);
    --unacked_;
    notify(callbacks_.on_error, e.id, e.code, e.message);
    return;
  }
  bool pending = std::any_of(requests_.begin(), requests_.end(),
                             [&](const pending_request& r) { return r.id == e.id; });
  if (pending)
    on_answer(e.id, client_error{e.code, e.message});
  else
    notify(callbacks_.on_error, e.id, e.code, e.message);
}

// A send the server could not take now is written again later with the same id; the
// connection is fine, so nothing else waits for it.
void client_session::schedule_resend(const std::string& id) {
  resend_ids_.push_back(id);
  if (resend_ids_.size() > 1)
    return;  // the timer is already running
  resend_timer_.expires_after(options_.resend_delay);
  resend_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!self)
      return;
    auto ids = std::move(self->resend_ids_);
    self->resend_ids_.clear();
    if (ec || self->phase_ != phase::online)
      return;  // the next login writes the whole outbox anyway
    for (const auto& id : ids)
      if (auto* e = self->outbox_.find(id))
        self->write(e->frame);
  });
}

} // namespace parley
