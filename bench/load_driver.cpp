#include "bench/load_driver.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/post.hpp>

#include "bench/bench_frames.hpp"
#include "runtime/clock.hpp"

namespace parley::bench {

namespace {

// The recipients' set of keys seen is sized for the run up front: growing it rehashes
// every key at once, a pause on the io thread that would show as latency.
size_t expected_arrivals(const options& o) {
  double rate = o.rate > 0 ? o.rate : 25000;  // flat out: above what one node does here
  double seconds = o.warmup_s + o.duration_s + 10;  // + the drain
  return static_cast<size_t>(std::min(rate * seconds / o.threads, 8e6));
}

} // namespace

load_driver::load_driver(run_plan& plan, uint32_t first, uint32_t count)
  : plan_(plan),
    pacer_(io_, plan.origin_ns),
    users_(count),
    rng_(0x2545F4914F6CDD1DULL ^ (uint64_t{first} << 20)) {
  for (uint32_t i = 0; i < count; ++i) {
    users_[i].number = first + i;
    users_[i].server = (first + i) % plan.servers.size();
  }
  if (!plan.opts.idle) {
    seen_.reserve(expected_arrivals(plan.opts));
    arrivals_.reserve(expected_arrivals(plan.opts));
  }
}

std::future<window_stats> load_driver::take_window() {
  return call([this] { return std::exchange(window_, window_stats{}); });
}

std::future<run_totals> load_driver::totals() {
  return call([this] {
    auto t = totals_;
    t.users = users_.size();
    return t;
  });
}

std::future<failover_stats> load_driver::failover() {
  return call([this] { return failover_; });
}

void load_driver::lend_records(std::vector<std::vector<sent_record>*>& sent) {
  for (auto& u : users_)
    sent[u.number] = &u.sent;
}

int64_t load_driver::now() const {
  return steady_ns() - plan_.origin_ns;
}

// -- login ----------------------------------------------------------------------------

void load_driver::log_in_all() {
  boost::asio::post(io_, [this] { start_logins(); });
}

void load_driver::start_logins() {
  auto share = (plan_.opts.login_concurrency + plan_.opts.threads - 1) / plan_.opts.threads;
  while (!closing_ && logins_in_flight_ < share && next_login_ < users_.size()) {
    ++logins_in_flight_;
    connect(users_[next_login_++]);
  }
}

void load_driver::connect(user& u) {
  auto tag = static_cast<uint32_t>(&u - users_.data());
  if (u.client)
    retired_.push_back(std::move(u.client));
  u.client = std::make_unique<ws_client>(io_, static_cast<ws_handler&>(*this), tag);
  ++totals_.open;
  u.client->connect(plan_.servers[u.server], plan_.host_headers[u.server]);
}

void load_driver::on_open(ws_client&) {
  // The node speaks first (the challenge).
}

void load_driver::on_login_frame(user& u, const server_frame& f) {
  switch (f.kind) {
    case frame_kind::challenge:
      if (u.logged_in)
        u.client->send_text(token_hello_frame(plan_.names[u.number], u.token));
      else
        u.client->send_text(hello_frame(plan_.names[u.number], f.nonce));
      break;
    case frame_kind::welcome:
      u.online = true;
      if (u.logged_in) {
        on_reconnected(u);
        break;
      }
      u.logged_in = true;
      u.token.assign(f.token.data(), f.token.size());
      ++totals_.logged_in;
      --logins_in_flight_;
      start_logins();
      break;
    case frame_kind::error:
      // The node closes after auth_failed; on_closed counts the failure.
      ++totals_.errors[std::string{f.code}];
      break;
    default:
      ++totals_.unknown_frames;
  }
}

void load_driver::on_text(ws_client& c, std::string& text) {
  auto& u = users_[c.tag()];
  read_server_frame(text, frame_);
  if (!u.online) {
    on_login_frame(u, frame_);
    return;
  }
  switch (frame_.kind) {
    case frame_kind::ack:
      on_ack(u, frame_);
      break;
    case frame_kind::msg:
      on_msg(u, frame_);
      break;
    case frame_kind::receipt:
      on_receipt(u, frame_);
      break;
    case frame_kind::error:
      on_error(u, frame_);
      break;
    default:
      ++totals_.unknown_frames;
  }
}

void load_driver::on_closed(ws_client& c, const close_info& info) {
  auto& u = users_[c.tag()];
  --totals_.open;
  if (!u.logged_in) {
    totals_.count_failed_login(info.why);
    --logins_in_flight_;
    start_logins();
    return;
  }
  bool was_online = std::exchange(u.online, false);
  // A connection the failover kill cut is planned; so is a failed attempt to reconnect,
  // which on_cut counts and retries.
  bool planned = !closing_ && (!was_online || cut_by_kill(u));
  if (!info.clean && !planned)
    totals_.count_disconnect(info.why, info.code);
  if (!closing_ && plan_.opts.failover())
    on_cut(u, was_online);
}

void load_driver::close_all() {
  boost::asio::post(io_, [this] {
    closing_ = true;
    for (auto& u : users_)
      if (u.client)
        u.client->close();
  });
}

} // namespace parley::bench
