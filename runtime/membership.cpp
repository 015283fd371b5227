#include "runtime/membership.hpp"

#include <set>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/node_id.hpp>

#include "runtime/clock.hpp"
#include "runtime/errors.hpp"
#include "runtime/logging.hpp"
#include "runtime/type_ids.hpp"
#include "runtime/unexpected_message.hpp"

namespace parley {

namespace {

constexpr auto connect_timeout = std::chrono::seconds{5};

} // namespace

struct membership_state {
  struct peer {
    member_info info;
    caf::actor agent;  // its membership actor
    bool up = false;
    int64_t changed_ms = 0;
    int64_t last_heard_ns = 0;
  };

  static inline const char* name = "membership";

  membership_settings settings;
  std::map<std::string, peer> peers;       // by node id
  std::set<std::string> connecting;         // cluster ports being connected to
  std::vector<caf::actor> watchers;
  uint64_t epoch = 1;
  std::map<std::string, int64_t> cut_off_until_ns;  // injected partitions, by node id
  int64_t last_retry_ns = 0;
  bool load_changed = false;  // a peer's sessions/mailboxes figures are newer than the view
};

namespace {

using self_ptr = caf::stateful_actor<membership_state>*;

member_info own_info(self_ptr self) {
  auto& st = self->state;
  auto info = st.settings.self;
  if (st.settings.services)
    info.services = st.settings.services();
  if (st.settings.load)
    std::tie(info.sessions, info.mailboxes) = st.settings.load();
  return info;
}

// A new snapshot into the view. A change of members (or of where their actors are)
// moves the epoch and is told to the watchers; fresher load figures alone do neither,
// so that routing caches stay valid.
void publish_view(self_ptr self, bool members_changed = true) {
  auto& st = self->state;
  std::vector<member_status> members;
  members.push_back(member_status{own_info(self), true, 0});
  for (const auto& [id, p] : st.peers)
    members.push_back(member_status{p.info, p.up, p.changed_ms});
  if (members_changed)
    ++st.epoch;
  st.load_changed = false;
  st.settings.view->publish(std::make_shared<const cluster_snapshot>(
    st.settings.self.id, std::move(members), st.settings.replicas, st.epoch));
  if (members_changed)
    for (const auto& w : st.watchers)
      self->send(w, view_changed_atom_v, st.epoch);
}

// Under an injected partition we neither hear nor meet the peer until it ends.
bool cut_off(self_ptr self, const std::string& id) {
  auto& cuts = self->state.cut_off_until_ns;
  auto i = cuts.find(id);
  if (i == cuts.end())
    return false;
  if (steady_ns() < i->second)
    return true;
  cuts.erase(i);
  SPDLOG_LOGGER_WARN(logs::cluster(), "event=partition_healed node={}", id);
  return false;
}

void mark_up(self_ptr self, member_info info, const caf::actor& agent) {
  auto& st = self->state;
  if (info.id == st.settings.self.id || !agent || cut_off(self, info.id))
    return;
  auto& p = st.peers[info.id];
  bool changed = !p.up || p.agent != agent || p.info.services != info.services;
  if (p.agent != agent) {
    if (p.agent)
      self->demonitor(p.agent);
    self->monitor(agent);
    p.agent = agent;
  }
  p.last_heard_ns = steady_ns();
  if (!p.up) {
    p.up = true;
    p.changed_ms = now_ms();
    SPDLOG_LOGGER_INFO(logs::cluster(), "event=node_up node={} cluster={}", info.id,
                       info.cluster);
  }
  if (p.info.sessions != info.sessions || p.info.mailboxes != info.mailboxes)
    st.load_changed = true;
  p.info = std::move(info);
  if (changed)
    publish_view(self);
}

void mark_down(self_ptr self, const std::string& id, const char* why) {
  auto& st = self->state;
  auto i = st.peers.find(id);
  if (i == st.peers.end() || !i->second.up)
    return;
  auto& p = i->second;
  p.up = false;
  p.changed_ms = now_ms();
  if (p.agent)
    self->demonitor(p.agent);
  p.agent = nullptr;
  SPDLOG_LOGGER_WARN(logs::cluster(), "event=node_down node={} why={}", id, why);
  publish_view(self);
}

std::vector<std::string> up_peer_ports(self_ptr self) {
  std::vector<std::string> out;
  for (const auto& [id, p] : self->state.peers)
    if (p.up)
      out.push_back(p.info.cluster);
  return out;
}

bool known_up(self_ptr self, const std::string& port) {
  for (const auto& [id, p] : self->state.peers)
    if (p.up && p.info.cluster == port)
      return true;
  return false;
}

void meet(self_ptr self, const std::string& port);

void joined(self_ptr self, const std::string& port, const caf::actor& agent) {
  self->request(agent, connect_timeout, join_atom_v, own_info(self))
    .then(
      [self, port, agent](member_info& them, std::vector<std::string>& their_peers) {
        self->state.connecting.erase(port);
        mark_up(self, std::move(them), agent);
        for (const auto& p : their_peers)
          meet(self, p);
      },
      [self, port](caf::error& err) {
        self->state.connecting.erase(port);
        SPDLOG_LOGGER_DEBUG(logs::cluster(), "event=join_failed cluster={} err={}", port,
                            self->system().render(err));
      });
}

// Connects to the node listening on `port` (HOST:PORT) unless it is us or known up.
void meet(self_ptr self, const std::string& port) {
  auto& st = self->state;
  if (port == st.settings.self.cluster || known_up(self, port) || st.connecting.count(port))
    return;
  auto at = parse_endpoint(port);
  if (!at)
    return;
  st.connecting.insert(port);
  self->request(st.settings.middleman, connect_timeout, caf::connect_atom_v, at->host, at->port)
    .then(
      [self, port](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
        auto agent = caf::actor_cast<caf::actor>(ptr);
        if (!agent || agent == self) {
          self->state.connecting.erase(port);
          return;
        }
        joined(self, port, agent);
      },
      [self, port](caf::error& err) {
        self->state.connecting.erase(port);
        SPDLOG_LOGGER_DEBUG(logs::cluster(), "event=connect_failed cluster={} err={}", port,
                            self->system().render(err));
      });
}

// Seeds we never reached and members that went down are tried again and again: a
// restarted node, or one whose seeds were not up yet, finds its way back.
void retry_unreached(self_ptr self) {
  auto& st = self->state;
  for (const auto& seed : st.settings.seeds)
    meet(self, seed.to_string());
  for (const auto& [id, p] : st.peers)
    if (!p.up && !cut_off(self, id))
      meet(self, p.info.cluster);
}

void tick(self_ptr self) {
  auto& st = self->state;
  auto now = steady_ns();
  auto me = own_info(self);
  bool services_changed = false;
  if (me.services != st.settings.self.services) {
    st.settings.self.services = me.services;
    services_changed = true;
  }
  std::vector<std::string> silent;
  for (auto& [id, p] : st.peers) {
    if (!p.up)
      continue;
    if (now - p.last_heard_ns > std::chrono::nanoseconds{st.settings.down_after}.count()) {
      silent.push_back(id);
      continue;
    }
    // High priority: a node busy with traffic must not look silent to its peers.
    self->send<caf::message_priority::high>(p.agent, heartbeat_atom_v, me);
  }
  for (const auto& id : silent)
    mark_down(self, id, "no_heartbeat");
  if (services_changed)
    publish_view(self);
  else if (st.load_changed)
    publish_view(self, false);
  if (now - st.last_retry_ns >= std::chrono::nanoseconds{st.settings.retry}.count()) {
    st.last_retry_ns = now;
    retry_unreached(self);
  }
  self->delayed_send(self, st.settings.heartbeat, caf::tick_atom_v);
}

void on_down(self_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  auto& ws = st.watchers;
  ws.erase(std::remove_if(ws.begin(), ws.end(),
                          [&](const caf::actor& w) { return w.address() == msg.source; }),
           ws.end());
  for (const auto& [id, p] : st.peers) {
    if (p.up && p.agent && p.agent.address() == msg.source) {
      mark_down(self, id, "connection_lost");
      return;
    }
  }
}

caf::behavior serving(self_ptr self) {
  return {
    [self](join_atom, member_info& info) {
      auto agent = caf::actor_cast<caf::actor>(self->current_sender());
      auto peers = up_peer_ports(self);
      mark_up(self, std::move(info), agent);
      return caf::make_message(own_info(self), std::move(peers));
    },
    [self](heartbeat_atom, member_info& info) {
      auto agent = caf::actor_cast<caf::actor>(self->current_sender());
      mark_up(self, std::move(info), agent);
    },
    [self](watch_atom, const caf::actor& watcher) {
      self->state.watchers.push_back(watcher);
      self->monitor(watcher);
      self->send(watcher, view_changed_atom_v, self->state.epoch);
    },
    [self](caf::tick_atom) { tick(self); },
    [self](partition_atom, const std::string& peer, int64_t seconds) -> caf::result<void> {
      auto& st = self->state;
      if (!st.peers.count(peer))
        return caf::make_error(errc::bad_request, "no such peer: " + peer);
      st.cut_off_until_ns[peer] =
        steady_ns() + std::chrono::nanoseconds{std::chrono::seconds{seconds}}.count();
      SPDLOG_LOGGER_WARN(logs::cluster(), "event=partition_injected node={} seconds={}", peer,
                         seconds);
      mark_down(self, peer, "partition_injected");
      return caf::unit;
    },
  };
}

} // namespace

caf::behavior membership(caf::stateful_actor<membership_state>* self,
                         membership_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.epoch = std::max<uint64_t>(st.settings.view->epoch(), 1);
  self->set_down_handler([self](caf::down_msg& msg) { on_down(self, msg); });
  self->set_default_handler(log_unexpected(logs::cluster(), "membership"));
  auto listen = st.settings.listen;
  if (auto bound = st.settings.bound_port->load())
    listen.port = bound;
  self->request(st.settings.middleman, connect_timeout, caf::publish_atom_v, listen.port,
                caf::actor_cast<caf::strong_actor_ptr>(self), std::set<std::string>{},
                listen.host, true)
    .then(
      [self, listen](uint16_t port) {
        auto& st = self->state;
        st.settings.self.cluster = endpoint{listen.host, port}.to_string();
        st.settings.bound_port->store(port);
        SPDLOG_LOGGER_INFO(logs::cluster(), "event=published cluster={}",
                           st.settings.self.cluster);
        if (st.settings.on_published)
          st.settings.on_published(port);
        publish_view(self);
        tick(self);
      },
      [self](caf::error& err) {
        SPDLOG_LOGGER_ERROR(logs::cluster(), "event=publish_failed err={}",
                            self->system().render(err));
        if (self->state.settings.on_published)
          self->state.settings.on_published(0);
        self->quit(err);
      });
  return serving(self);
}

caf::actor spawn_membership(caf::local_actor* sup, membership_settings settings) {
  return sup->spawn<caf::linked>(membership, std::move(settings));
}

} // namespace parley
