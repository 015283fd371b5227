#pragma once

// Reads the fields the bench needs from a server frame. The three frames of the hot path
// (ack, msg, receipt) are matched against the field order the node writes, which avoids a
// full JSON parse for three frames per message; anything else, or any frame whose layout
// differs, is parsed with Boost.JSON, so a reordered or escaped frame is still understood.

#include <string_view>

#include <boost/json/value.hpp>

namespace parley::bench {

enum class frame_kind { ack, msg, receipt, challenge, welcome, error, ok, other, invalid };

struct server_frame {
  frame_kind kind = frame_kind::invalid;
  std::string_view id;
  std::string_view from;    // msg
  std::string_view to;      // msg, receipt
  std::string_view group;   // msg, receipt, ok of group_create; empty for null
  std::string_view status;  // receipt
  std::string_view code;    // error
  std::string_view nonce;   // challenge
  std::string_view token;   // welcome: logs the user in again on any node of the cluster
  boost::json::value parsed;  // backs the views above when the slow path ran
};

/// Fills `out` from `text`; the views point into `text` or into `out.parsed`.
void read_server_frame(std::string_view text, server_frame& out);

} // namespace parley::bench
