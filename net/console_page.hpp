#pragma once

#include <string>

namespace parley {

/// The supervisor console: one self-contained HTML page that polls /v1/cluster and
/// /metrics on the same admin port.
const std::string& console_page();

} // namespace parley
