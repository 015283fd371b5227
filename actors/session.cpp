#include "actors/session.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <random>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/session_state.hpp"
#include "runtime/clock.hpp"
#include "runtime/logging.hpp"
#include "runtime/unexpected_message.hpp"

namespace parley {

namespace {

constexpr auto reattach_delay = std::chrono::milliseconds{50};
constexpr auto reregister_delay = std::chrono::milliseconds{100};
// A login whose directory cannot be reached is tried again, a few times, each attempt
// waiting at most a second: a login sent to a node that died with it in flight is never
// answered, and the client gives up on a login after 10 s.
constexpr auto login_retry_delay = std::chrono::milliseconds{50};
const caf::duration login_attempt_timeout{std::chrono::seconds{1}};
constexpr int login_attempts = 8;
constexpr int64_t seen_report_interval_ms = 10'000;

} // namespace

namespace session_detail {

caf::actor directory_of(self_ptr self, const std::string& user) {
  return directory_for(self->system(), self->state.cluster, user);
}

// Sends a frame to the client. While more messages wait in our mailbox, frames are held
// back and leave in one write when the flush message, sent to ourselves behind those
// messages, comes: one socket write per batch instead of one per frame. Flat out a
// write per frame was most of the actor thread's time (the loopback peer's receive work
// runs inside send()); with an empty mailbox a frame leaves at once, as before.
bool send_frame(self_ptr self, outgoing_frame frame) {
  auto& st = self->state;
  if (!st.corked && !self->mailbox().empty()) {
    st.corked = true;
    st.link->cork();
    self->send(self, caf::flush_atom_v);
  }
  return st.link->send(std::move(frame));
}

void receipts_handed(self_ptr self, std::vector<int64_t> receipt_seqs) {
  if (auto& mb = self->state.own_mailbox)
    self->send(mb, handed_atom_v, std::move(receipt_seqs));
}

void uncork(self_ptr self) {
  auto& st = self->state;
  st.corked = false;
  auto written = st.link->uncork();
  if (!written.empty())
    receipts_handed(self, std::move(written));
}

void send_error(self_ptr self, std::string id, const caf::error& err) {
  auto code = code_of(err);
  std::string message;
  if (code == errc::internal || code == errc::none) {
    // Timeouts and dead actors: durability was not reached, the client may retry.
    code = errc::unavailable;
    message = self->system().render(err);
  } else {
    message = context_text(err);
  }
  send_frame(self, error_frame{std::move(id), code, std::move(message)});
}

} // namespace session_detail

namespace {

using namespace session_detail;

void report_seen(self_ptr self) {
  auto& st = self->state;
  if (auto dir = directory_of(self, st.user))
    self->send(dir, seen_atom_v, st.user, st.last_frame_ms);
  st.last_reported_ms = st.last_frame_ms;
}

void seen_now(self_ptr self) {
  auto& st = self->state;
  st.last_frame_ms = now_ms();
  if (st.last_frame_ms - st.last_reported_ms >= seen_report_interval_ms)
    report_seen(self);
}

// Every frame counts for last_seen and against the rate limit. False: reject the frame.
bool admit(self_ptr self, const std::string& id) {
  auto& st = self->state;
  seen_now(self);
  if (st.limiter.try_take(steady_ns()))
    return true;
  send_frame(self, error_frame{id, errc::rate_limited, "slow down"});
  return false;
}

// Found through the supervisor, not the router: an idle session then holds no router
// (memory per idle session is a target, docs/benchmarks.md).
void attach_to_mailbox(self_ptr self) {
  auto& st = self->state;
  ask_supervisor_for(
    self, st.cluster, mailbox_actors, st.user, remote_request,
    [self](caf::actor& mb) {
      self->state.own_mailbox = mb;
      self->monitor(mb);
      self->request(mb, local_request, attach_atom_v, caf::actor_cast<caf::actor>(self))
        .then([]() {},
              [self](caf::error&) { self->delayed_send(self, reattach_delay, attach_atom_v); });
    },
    [self](caf::error& err) {
      SPDLOG_LOGGER_WARN(logs::session(), "event=attach_failed user={} err={}",
                         self->state.user, self->system().render(err));
      self->delayed_send(self, reattach_delay, attach_atom_v);
    });
}

void handle_send(self_ptr self, send_request& req) {
  auto& st = self->state;
  if (!admit(self, req.id))
    return;
  mailbox_item item;
  item.kind = item_kind::message;
  item.peer = st.user;
  item.id = req.id;
  item.body = std::move(req.body);
  item.meta = std::move(req.meta);
  auto id = req.id;
  auto arrived_ns = req.arrived_ns;
  // A group message goes to its group, which puts it into every member's mailbox.
  bool to_group = !req.group.empty();
  auto& router = to_group ? st.groups() : st.router();
  auto key = to_group ? std::move(req.group) : std::move(req.to);
  auto msg = to_group ? caf::make_message(group_send_atom_v, std::move(item))
                      : caf::make_message(deliver_atom_v, std::move(item));
  request_mailbox(
    self, router, key, std::move(msg),
    [self, id, arrived_ns](int64_t ts) {
      auto& st = self->state;
      // Counted before the client hears of it: whoever reads the ack then sees the count.
      st.metrics->messages_acked.inc();
      st.metrics->ack_latency.observe(std::chrono::nanoseconds{steady_ns() - arrived_ns});
      send_frame(self, ack_frame{id, ts});
    },
    [self, id](caf::error& err) { send_error(self, id, err); });
}

// A group id nobody else has: "g-" and 16 hex digits.
std::string new_group_id() {
  std::random_device rd;
  uint64_t bits = (uint64_t{rd()} << 32) ^ rd();
  char text[19];
  std::snprintf(text, sizeof(text), "g-%016llx", static_cast<unsigned long long>(bits));
  return text;
}

void create_group(self_ptr self, group_create_request& req) {
  auto& st = self->state;
  group_record proposal;
  proposal.gid = new_group_id();
  proposal.name = std::move(req.name);
  proposal.owner = st.user;
  proposal.members.push_back(st.user);
  for (auto& m : req.members)
    if (std::find(proposal.members.begin(), proposal.members.end(), m)
        == proposal.members.end())
      proposal.members.push_back(std::move(m));
  auto gid = proposal.gid;
  request_mailbox(
    self, st.groups(), gid, caf::make_message(group_create_atom_v, std::move(proposal)),
    [self, id = req.id](group_record& rec) {
      send_frame(self, group_frame{id, rec.gid, false, {}, {}, {}});
    },
    [self, id = req.id](caf::error& err) { send_error(self, id, err); });
}

void change_group(self_ptr self, group_request& req) {
  auto& st = self->state;
  caf::message msg;
  switch (req.op) {
    case group_op::add:
      msg = caf::make_message(group_add_atom_v, st.user, std::move(req.users));
      break;
    case group_op::remove:
      msg = caf::make_message(group_remove_atom_v, st.user, std::move(req.users));
      break;
    case group_op::leave:
      msg = caf::make_message(group_leave_atom_v, st.user);
      break;
    case group_op::info:
      msg = caf::make_message(group_info_atom_v, st.user);
      break;
  }
  request_mailbox(
    self, st.groups(), req.group, std::move(msg),
    [self, id = req.id, op = req.op](group_record& rec) {
      if (op == group_op::info)
        send_frame(self, group_frame{id, rec.gid, true, std::move(rec.name),
                                     std::move(rec.owner), std::move(rec.members)});
      else
        send_frame(self, ok_frame{id});
    },
    [self, id = req.id](caf::error& err) { send_error(self, id, err); });
}

// `on_reply` takes the answer of `user`'s directory; failures become error frames for `id`.
template <class OnReply>
void ask_directory(self_ptr self, const std::string& id, const std::string& user,
                   caf::message msg, OnReply on_reply) {
  auto dir = directory_of(self, user);
  if (!dir) {
    send_error(self, id, caf::make_error(errc::unavailable, "directory not running"));
    return;
  }
  self->request(dir, directory_timeout, std::move(msg))
    .then(std::move(on_reply), [self, id](caf::error& err) { send_error(self, id, err); });
}

// Tells the directory that serves our user (after a failover: a new one) that we are
// online, so that presence and `replaced` work wherever the user's record lives now.
void register_online(self_ptr self) {
  auto& st = self->state;
  auto dir = directory_of(self, st.user);
  if (!dir || dir == st.own_directory)
    return;
  st.own_directory = dir;
  self->monitor(dir);
  self->request(dir, directory_timeout, login_atom_v, st.user, std::string{},
                caf::actor_cast<caf::actor>(self))
    .then([](login_reply&) {},
          [self](caf::error& err) {
            SPDLOG_LOGGER_DEBUG(logs::session(), "event=register_failed user={} err={}",
                                self->state.user, self->system().render(err));
            self->state.own_directory = nullptr;
            self->delayed_send(self, reregister_delay, login_atom_v);
          });
}

// A newer login of the same user took over: PROTOCOL.md 2 closes this session.
void end_replaced(self_ptr self) {
  auto& link = self->state.link;
  link->send(error_frame{{}, errc::replaced, "logged in elsewhere"});
  link->close(close_reason::replaced);
  report_seen(self);
  self->quit();
}

caf::behavior running(self_ptr self) {
  return {
    [self](send_request& req) { handle_send(self, req); },
    [self](confirm_request& c) {
      auto& st = self->state;
      if (!admit(self, {}))
        return;
      if (st.own_mailbox)
        self->send(st.own_mailbox, confirm_atom_v, std::move(c));
    },
    [self](presence_request& req) {
      if (!admit(self, req.id))
        return;
      ask_directory(self, req.id, req.user, caf::make_message(presence_atom_v, req.user),
                    [self, id = req.id](presence_info& p) {
                      send_frame(self, presence_frame{id, p.user, p.online, p.last_seen});
                    });
    },
    [self](subscribe_request& req) {
      if (!admit(self, req.id))
        return;
      subscribe(self, req);
    },
    [self](key_request& req) {
      if (!admit(self, req.id))
        return;
      ask_directory(self, req.id, req.user, caf::make_message(key_atom_v, req.user),
                    [self, id = req.id, user = req.user](std::string& key) {
                      send_frame(self, key_frame{id, user, key});
                    });
    },
    [self](group_create_request& req) {
      if (!admit(self, req.id))
        return;
      create_group(self, req);
    },
    [self](group_request& req) {
      if (!admit(self, req.id))
        return;
      change_group(self, req);
    },
    [self](ping_request& req) {
      if (!admit(self, req.id))
        return;
      send_frame(self, pong_frame{req.id, now_ms()});
    },
    [self](refused_request& req) {
      if (!admit(self, req.id))
        return;
      send_frame(self, error_frame{std::move(req.id), req.code, std::move(req.message)});
    },
    [self](client_alive) { seen_now(self); },
    [self](push_atom, mailbox_item& item) {
      auto& st = self->state;
      auto receipt_seq = item.kind == item_kind::receipt ? item.seq : 0;
      bool written = send_frame(self, item_frame{st.user, std::move(item)});
      if (written && receipt_seq != 0)
        receipts_handed(self, {receipt_seq});
    },
    [self](presence_atom, presence_info& p) {
      presence_changed(self, p, presence_news::change);
    },
    [self](presence_atom, presence_info& p, bool) {
      presence_changed(self, p, presence_news::snapshot);
    },
    [self](presence_atom, const std::string& user) { check_offline(self, user); },
    [self](retry_atom) {
      self->state.renew_queued = false;
      renew_subscriptions(self);
    },
    [self](caf::flush_atom) { uncork(self); },
    [self](seen_atom) { return self->state.last_frame_ms; },
    [self](attach_atom) { attach_to_mailbox(self); },
    [self](login_atom) { register_online(self); },
    [self](view_changed_atom, uint64_t) {
      if (auto* router = self->state.found.existing())
        router->view_changed();
      register_online(self);
      self->state.renew_attempt = 0;
      renew_subscriptions(self);
    },
    [self](replaced_atom) { end_replaced(self); },
    [self](closed_atom) {
      report_seen(self);
      self->quit();
    },
    [self](written_atom, std::vector<int64_t>& receipt_seqs) {
      receipts_handed(self, std::move(receipt_seqs));
    },
  };
}

void logged_in(self_ptr self, const login_reply&) {
  auto& st = self->state;
  st.metrics->logins.inc();
  auto& login = *st.login;
  st.link->send(welcome_frame{st.user, std::move(login.node_id), std::move(login.token),
                              now_ms(), std::move(login.nodes)});
  st.login.reset();  // the welcome was its last use
  self->set_default_handler(log_unexpected(logs::session(), "session"));
  self->become(running(self));
  attach_to_mailbox(self);
}

// Registers the new session at the directory of the user's primary, then welcomes the
// client. A node that has just died can still be that primary in our view for a few
// milliseconds (its peers notice one by one), so a failure other than a refused key is
// tried again against the view of the moment before the client is told to come back.
void log_in(self_ptr self, int attempts_left) {
  auto& st = self->state;
  auto give_up = [self](const caf::error& err) {
    send_error(self, {}, err);
    self->state.link->close(close_reason::shutdown);
    self->quit();
  };
  auto try_again = [self, attempts_left, give_up](const caf::error& err) {
    if (attempts_left > 1)
      self->delayed_send(self, login_retry_delay, login_atom_v, attempts_left - 1);
    else
      give_up(err);
  };
  auto dir = directory_of(self, st.user);
  if (!dir) {
    try_again(caf::make_error(errc::unavailable, "directory not running"));
    return;
  }
  self->request(dir, login_attempt_timeout, login_atom_v, st.user, st.login->key,
                caf::actor_cast<caf::actor>(self))
    .then(
      [self, dir](login_reply& reply) {
        self->state.own_directory = dir;
        self->monitor(dir);
        logged_in(self, reply);
      },
      [self, try_again, give_up](caf::error& err) {
        auto code = code_of(err);
        if (code == errc::auth_failed) {
          auto& link = self->state.link;
          link->send(error_frame{{}, errc::auth_failed, "key does not match this user"});
          link->close(close_reason::auth_failed);
          self->quit();
        } else if (code == errc::replaced) {
          end_replaced(self);
        } else if (code == errc::unavailable || code == errc::internal || code == errc::none) {
          try_again(err);  // an unreachable or dead actor, a timeout, a failed commit
        } else {
          give_up(err);
        }
      });
}

} // namespace

caf::behavior session(caf::stateful_actor<session_state>* self, session_args args,
                      session_settings settings, node_metrics* metrics) {
  auto& st = self->state;
  st.user = std::move(args.user);
  st.link = std::move(args.link);
  st.login = std::make_unique<session_state::login_data>(session_state::login_data{
    std::move(args.key), std::move(args.token), std::move(args.nodes),
    std::move(settings.node_id)});
  st.cluster = settings.cluster;
  st.local = settings.local;
  st.metrics = metrics;
  st.limiter = token_bucket{settings.frames_per_second, settings.frame_burst};
  st.last_frame_ms = now_ms();
  st.last_reported_ms = st.last_frame_ms;
  metrics->sessions.add(1);
  self->attach_functor([link = st.link](const caf::error& reason) {
    if (!reason)
      link->close(close_reason::normal);
    else if (reason == caf::exit_reason::user_shutdown)
      link->close(close_reason::shutdown);
    else
      link->close(close_reason::internal);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (st.own_mailbox && msg.source == st.own_mailbox.address()) {
      // Our mailbox crashed and is being restarted, or moved to another node, or its
      // node died: attach to the one that serves us now.
      st.own_mailbox = nullptr;
      if (auto* router = st.found.existing())
        router->forget(st.user);
      self->delayed_send(self, reattach_delay, attach_atom_v);
    }
    if (st.own_directory && msg.source == st.own_directory.address()) {
      st.own_directory = nullptr;
      self->delayed_send(self, reregister_delay, login_atom_v);
    }
  });
  // Frames that arrive before the directory answers wait for `running`.
  self->set_default_handler(caf::skip);
  log_in(self, login_attempts);
  return {
    [self](closed_atom) { self->quit(); },
    [self](login_atom, int attempts_left) { log_in(self, attempts_left); },
    // An attempt that timed out here may still have registered us at the directory; a
    // newer login then replaces us before we heard back, and trying again would take the
    // user back from the newer session.
    [self](replaced_atom) { end_replaced(self); },
  };
}

caf::actor spawn_session(caf::actor_system& sys, session_args args,
                         const session_settings& settings, node_metrics* metrics) {
  auto name = "session:" + args.user;
  auto handle = sys.spawn(session, std::move(args), settings, metrics);
  if (auto sup = registered(sys, sessions_name::value))
    caf::anon_send(sup, adopt_child_atom_v, handle, std::move(name));
  return handle;
}

} // namespace parley
