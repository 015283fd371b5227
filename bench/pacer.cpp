#include "bench/pacer.hpp"

#include <algorithm>
#include <chrono>

namespace parley::bench {

namespace {

constexpr int64_t min_gap_ns = 100'000;

} // namespace

pacer::pacer(boost::asio::io_context& io, int64_t origin_ns)
  : timer_(io), origin_ns_(origin_ns) {
}

void pacer::start(double per_second, int64_t now) {
  per_ns_ = per_second * 1e-9;
  start_ = now;
}

uint64_t pacer::due(int64_t now) const {
  if (now < start_)
    return 0;
  return static_cast<uint64_t>(static_cast<double>(now - start_) * per_ns_) + 1;
}

int64_t pacer::slot_time(uint64_t n) const {
  return start_ + static_cast<int64_t>(static_cast<double>(n) / per_ns_);
}

void pacer::arm(uint64_t next, int64_t now) {
  auto at = std::max(slot_time(next), now + min_gap_ns);
  timer_.expires_at(std::chrono::steady_clock::time_point{
    std::chrono::nanoseconds{at + origin_ns_}});
}

} // namespace parley::bench
