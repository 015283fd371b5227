#pragma once

// The error codes of PROTOCOL.md section 3, plus the few the runtime needs for itself.
// Actors return them inside caf::error, plain classes inside caf::expected, so a code
// travels unchanged from SQLite to the client.

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace parley {

enum class errc : uint8_t {
  none = 0,
  bad_request,
  too_large,
  unknown_user,
  unknown_group,
  not_member,
  forbidden,
  rate_limited,
  auth_failed,
  replaced,
  unavailable,
  internal,
  // Not on the wire: a supervisor gave up and passes the failure to its parent.
  escalated,
  // REST only: no such media object (404).
  not_found,
};

/// The wire name of a code, as in PROTOCOL.md ("bad_request", ...).
const char* to_string(errc code);

/// The code carried by `err` if it belongs to our category, `errc::internal` otherwise.
errc code_of(const caf::error& err);

/// The human part of an error: its context when that is one string ("bob"), the
/// rendered context otherwise, empty when there is none.
std::string context_text(const caf::error& err);

/// Registers the category so that `system.render(err)` prints our names.
void add_error_category(caf::actor_system_config& cfg);

} // namespace parley

CAF_ERROR_CODE_ENUM(parley::errc, "parley")
