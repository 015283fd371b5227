#include "runtime/errors.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/message.hpp>

namespace parley {

const char* to_string(errc code) {
  switch (code) {
    case errc::none: return "none";
    case errc::bad_request: return "bad_request";
    case errc::too_large: return "too_large";
    case errc::unknown_user: return "unknown_user";
    case errc::unknown_group: return "unknown_group";
    case errc::not_member: return "not_member";
    case errc::forbidden: return "forbidden";
    case errc::rate_limited: return "rate_limited";
    case errc::auth_failed: return "auth_failed";
    case errc::replaced: return "replaced";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal";
    case errc::escalated: return "escalated";
    case errc::not_found: return "not_found";
  }
  return "internal";
}

errc code_of(const caf::error& err) {
  if (!err)
    return errc::none;
  if (err.category() != caf::atom("parley"))
    return errc::internal;
  return static_cast<errc>(err.code());
}

std::string context_text(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.empty())
    return {};
  if (ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  return to_string(ctx);
}

void add_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(caf::atom("parley"),
                         [](uint8_t code, caf::atom_value, const caf::message& ctx) {
                           std::string out = to_string(static_cast<errc>(code));
                           if (!ctx.empty()) {
                             out += " (";
                             out += to_string(ctx);
                             out += ")";
                           }
                           return out;
                         });
}

} // namespace parley
