#include "runtime/supervisor.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/result.hpp>

#include "runtime/errors.hpp"
#include "runtime/logging.hpp"

namespace parley {

namespace {

using self_ptr = supervisor_actor_type*;

bool should_restart(child_kind kind, const caf::error& reason) {
  switch (kind) {
    case child_kind::permanent:
      return true;
    case child_kind::transient:
      return reason && reason != caf::exit_reason::normal;
    case child_kind::temporary:
      return false;
  }
  return false;
}

void update_gauge(self_ptr self) {
  auto& st = self->state;
  if (st.flags.running_children)
    st.flags.running_children->set(
      static_cast<int64_t>(st.children.size() + st.adopted.size()));
}

// Every change of a child's handle goes through here, so that the index never names a
// child this supervisor has let go of.
void set_handle(self_ptr self, supervisor_state::child& c, caf::actor handle) {
  c.handle = std::move(handle);
  if (auto* index = self->state.flags.index)
    index->set(c.spec.id, c.handle);
}

caf::actor start(self_ptr self, supervisor_state::child& c) {
  set_handle(self, c, c.spec.start(self));
  if (c.handle)
    self->state.id_of[c.handle.address()] = c.spec.id;
  return c.handle;
}

caf::expected<caf::actor> add_and_start(self_ptr self, child_spec spec) {
  auto& st = self->state;
  auto id = spec.id;
  auto [it, fresh] = st.children.emplace(id, supervisor_state::child{std::move(spec), {}});
  if (!fresh)
    return it->second.handle;
  auto handle = start(self, it->second);
  if (!handle) {
    st.children.erase(it);
    return caf::make_error(errc::internal, "child failed to start: " + id);
  }
  st.start_order.push_back(id);
  update_gauge(self);
  return handle;
}

void forget(self_ptr self, const std::string& id) {
  auto& st = self->state;
  if (st.flags.index)
    st.flags.index->set(id, nullptr);
  st.children.erase(id);
  for (auto i = st.start_order.begin(); i != st.start_order.end(); ++i) {
    if (*i == id) {
      st.start_order.erase(i);
      break;
    }
  }
  update_gauge(self);
}

// Stops all children except `except`, without hearing about their exits.
void stop_siblings(self_ptr self, const std::string& except) {
  auto& st = self->state;
  for (auto& [id, c] : st.children) {
    if (id == except || !c.handle)
      continue;
    st.id_of.erase(c.handle.address());
    self->unlink_from(c.handle);
    // user_shutdown, not kill: kill cannot be trapped and would cross the sibling's own
    // links into children that should stop in order.
    self->send_exit(c.handle, caf::exit_reason::user_shutdown);
    set_handle(self, c, nullptr);
  }
}

void escalate(self_ptr self, const std::string& child_id) {
  SPDLOG_LOGGER_ERROR(logs::supervisor(),
                      "event=escalate sup={} child={} max_restarts={} period_ms={}",
                      self->state.flags.name, child_id,
                      self->state.flags.intensity.max_restarts,
                      self->state.flags.intensity.period.count());
  self->quit(caf::make_error(errc::escalated, self->state.flags.name));
}

void on_child_exit(self_ptr self, const std::string& id, const caf::error& reason) {
  auto& st = self->state;
  auto it = st.children.find(id);
  if (it == st.children.end())
    return;
  auto& c = it->second;
  set_handle(self, c, nullptr);
  bool abnormal = reason && reason != caf::exit_reason::normal;
  if (!should_restart(c.spec.kind, reason)) {
    if (abnormal)
      SPDLOG_LOGGER_WARN(logs::supervisor(), "event=child_exit sup={} child={} reason={} action=remove",
                         st.flags.name, id, self->system().render(reason));
    forget(self, id);
    return;
  }
  if (!st.budget.try_restart(self->clock().now())) {
    escalate(self, id);
    return;
  }
  if (st.flags.restarts)
    st.flags.restarts->inc();
  SPDLOG_LOGGER_WARN(logs::supervisor(), "event=child_exit sup={} child={} reason={} action=restart",
                     st.flags.name, id, self->system().render(reason));
  if (st.flags.strategy == restart_strategy::one_for_one) {
    if (!start(self, c)) {
      escalate(self, id);
    }
    return;
  }
  stop_siblings(self, id);
  for (const auto& sibling : st.start_order) {
    if (!start(self, st.children.at(sibling))) {
      escalate(self, sibling);
      return;
    }
  }
}

} // namespace

caf::behavior supervisor(supervisor_actor_type* self, supervisor_flags flags,
                         std::vector<child_spec> children) {
  auto& st = self->state;
  st.budget = restart_budget{flags.intensity};
  st.flags = std::move(flags);
  if (auto* index = st.flags.index) {
    // A restarted supervisor starts its children anew; the old ones are gone with it.
    index->clear();
    self->attach_functor([index] { index->clear(); });
  }
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    if (auto i = st.id_of.find(msg.source); i != st.id_of.end()) {
      auto id = std::move(i->second);
      st.id_of.erase(i);
      on_child_exit(self, id, msg.reason);
      return;
    }
    if (auto i = st.adopted.find(msg.source); i != st.adopted.end()) {
      if (msg.reason && msg.reason != caf::exit_reason::normal)
        SPDLOG_LOGGER_DEBUG(logs::supervisor(), "event=child_exit sup={} child={} reason={} action=remove",
                            st.flags.name, i->second, self->system().render(msg.reason));
      st.adopted.erase(i);
      update_gauge(self);
      return;
    }
    // Not a child: the parent or a shutdown. Our links stop the children.
    self->quit(msg.reason);
  });
  for (auto& spec : children) {
    if (auto started = add_and_start(self, std::move(spec)); !started) {
      SPDLOG_LOGGER_ERROR(logs::supervisor(), "event=start_failed sup={} err={}",
                          st.flags.name, self->system().render(started.error()));
      self->quit(caf::make_error(errc::escalated, st.flags.name));
      return {};
    }
  }
  return {
    [self](start_child_atom, child_spec& spec) -> caf::result<caf::actor> {
      return add_and_start(self, std::move(spec));
    },
    [self](ensure_child_atom, const std::string& id) -> caf::result<caf::actor> {
      auto& st = self->state;
      if (auto i = st.children.find(id); i != st.children.end() && i->second.handle)
        return i->second.handle;
      if (!st.flags.factory)
        return caf::make_error(errc::bad_request, "no such child: " + id);
      auto spec = st.flags.factory(id);
      if (!spec)
        return caf::make_error(errc::bad_request, "no such child: " + id);
      return add_and_start(self, std::move(*spec));
    },
    [self](lookup_child_atom, const std::string& id) -> caf::result<caf::actor> {
      auto& st = self->state;
      if (auto i = st.children.find(id); i != st.children.end() && i->second.handle)
        return i->second.handle;
      for (const auto& [addr, name] : st.adopted)
        if (name == id)
          return caf::actor_cast<caf::actor>(addr);
      return caf::make_error(errc::bad_request, "no such child: " + id);
    },
    [self](adopt_child_atom, const caf::actor& child, std::string& name) {
      self->state.adopted.emplace(child.address(), std::move(name));
      self->link_to(child);
      update_gauge(self);
    },
    [self](stop_child_atom, const std::string& id) {
      auto& st = self->state;
      auto i = st.children.find(id);
      if (i == st.children.end())
        return;
      if (auto& h = i->second.handle) {
        st.id_of.erase(h.address());
        self->unlink_from(h);
        self->send_exit(h, caf::exit_reason::user_shutdown);
      }
      forget(self, id);
    },
    [self](broadcast_atom, const caf::message& msg) {
      auto& st = self->state;
      for (const auto& [id, c] : st.children)
        if (c.handle)
          self->send(c.handle, msg);
      for (const auto& [addr, name] : st.adopted)
        self->send(caf::actor_cast<caf::actor>(addr), msg);
    },
    [self](tell_child_atom, const std::string& id, const caf::message& msg) {
      auto& st = self->state;
      if (auto i = st.children.find(id); i != st.children.end() && i->second.handle)
        self->send(i->second.handle, msg);
    },
    [self](count_children_atom) -> uint64_t {
      return self->state.children.size() + self->state.adopted.size();
    },
  };
}

} // namespace parley
