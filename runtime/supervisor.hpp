#pragma once

// An OTP-style supervisor (CAF 0.17 has links and monitors, not supervisors).
//
// Children are linked to the supervisor, which traps exits. When a child exits:
//   permanent  -> always restarted
//   transient  -> restarted only after an abnormal exit
//   temporary  -> never restarted
// one_for_one restarts the child alone; one_for_all stops the other children and
// restarts them all in start order. More than `max_restarts` restarts within `period`
// and the supervisor stops its children and exits with errc::escalated, so that its own
// supervisor decides. An exit from anyone else (the parent, a shutdown) stops the
// supervisor with the same reason; the links take the children down with it.
//
// Messages:
//   (start_child_atom, child_spec)     -> caf::actor   start a child now
//   (ensure_child_atom, std::string id)-> caf::actor   the running child, or one started
//                                                      from the factory (virtual actors)
//   (lookup_child_atom, std::string id)-> caf::actor   the running child, or an error
//   (adopt_child_atom, caf::actor, std::string name)   watch an actor spawned elsewhere
//                                                      as a temporary child
//   (stop_child_atom, std::string id)                  stop a child, no restart
//   (count_children_atom)              -> uint64_t
//   (broadcast_atom, caf::message)                     send the message to every child
//   (tell_child_atom, std::string id, caf::message)    send it to that child, if running

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/local_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "runtime/child_index.hpp"
#include "runtime/metrics.hpp"
#include "runtime/restart_budget.hpp"
#include "runtime/type_ids.hpp"

namespace parley {

enum class restart_strategy { one_for_one, one_for_all };

enum class child_kind { permanent, transient, temporary };

/// Spawns one child, linked to `sup` (spawn<caf::linked>), and returns its handle.
using child_starter = std::function<caf::actor(caf::local_actor* sup)>;

struct child_spec {
  std::string id;  // unique among its siblings: "store", "mailbox:bob"
  child_starter start;
  child_kind kind = child_kind::permanent;
};

struct supervisor_flags {
  std::string name;  // "node", "mailboxes": shows in logs
  restart_strategy strategy = restart_strategy::one_for_one;
  restart_intensity intensity;
  /// Makes the spec of a child started on demand by ensure_child_atom, or nothing if
  /// the id names no child this supervisor can start.
  std::function<std::optional<child_spec>(const std::string& id)> factory;
  counter* restarts = nullptr;      // counts every restart, if set
  gauge* running_children = nullptr;  // tracks the number of children, if set
  /// Kept up to date with every running specced child, if set (read by other actors).
  child_index* index = nullptr;
};

struct supervisor_state {
  struct child {
    child_spec spec;
    caf::actor handle;
  };

  static inline const char* name = "supervisor";

  supervisor_state() : budget(restart_intensity{}) {}

  supervisor_flags flags;
  restart_budget budget;
  std::vector<std::string> start_order;  // ids of specced children, first started first
  std::unordered_map<std::string, child> children;
  std::unordered_map<caf::actor_addr, std::string> id_of;       // specced children
  std::unordered_map<caf::actor_addr, std::string> adopted;     // name of adopted ones
};

using supervisor_actor_type = caf::stateful_actor<supervisor_state>;

caf::behavior supervisor(supervisor_actor_type* self, supervisor_flags flags,
                         std::vector<child_spec> children);

} // namespace parley
