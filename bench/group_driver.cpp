#include "bench/group_driver.hpp"

#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/bench_frames.hpp"
#include "runtime/clock.hpp"

namespace parley::bench {

namespace {

// group_create answered `unavailable` (a cluster node out of reach) is tried again.
constexpr uint32_t max_create_attempts = 5;
constexpr auto create_retry_pause = std::chrono::milliseconds{200};
// Group creations in flight: each makes the node check every member's key.
constexpr uint32_t creates_in_flight = 32;
// A send answered `unavailable` goes again after this, with its id.
constexpr auto unavailable_pause = std::chrono::milliseconds{100};

// Arrivals are sized up front: growing the vector mid-window copies it, a pause on the io
// thread that would show as latency. Past this it still grows.
constexpr size_t reserved_arrivals = 4'000'000;

} // namespace

group_driver::group_driver(group_plan& plan)
  : plan_(plan),
    size_(plan.opts.group_size),
    pacer_(io_, plan.origin_ns),
    users_(plan.opts.users()),
    groups_(plan.opts.groups) {
  ledger_.group_size = size_;
  ledger_.sent.resize(users_.size());
  ledger_.arrivals.reserve(reserved_arrivals);
}

std::future<window_stats> group_driver::take_window() {
  return call([this] { return std::exchange(window_, window_stats{}); });
}

std::future<run_totals> group_driver::totals() {
  return call([this] {
    auto t = totals_;
    t.users = users_.size();
    return t;
  });
}

std::future<group_progress> group_driver::progress() {
  return call([this] { return progress_; });
}

int64_t group_driver::now() const {
  return steady_ns() - plan_.origin_ns;
}

// -- login ------------------------------------------------------------------------------

void group_driver::log_in_all() {
  boost::asio::post(io_, [this] { start_logins(); });
}

void group_driver::start_logins() {
  while (!closing_ && logins_in_flight_ < plan_.opts.login_concurrency
         && next_login_ < users_.size()) {
    auto n = next_login_++;
    ++logins_in_flight_;
    ++totals_.open;
    auto server = n % plan_.servers.size();
    users_[n].client = std::make_unique<ws_client>(io_, static_cast<ws_handler&>(*this), n);
    users_[n].client->connect(plan_.servers[server], plan_.host_headers[server]);
  }
}

void group_driver::on_open(ws_client&) {
  // The node speaks first (the challenge).
}

void group_driver::on_login_frame(uint32_t n, const server_frame& f) {
  auto& u = users_[n];
  if (f.kind == frame_kind::challenge) {
    u.client->send_text(hello_frame(plan_.names[n], f.nonce));
  } else if (f.kind == frame_kind::welcome) {
    u.logged_in = true;
    ++totals_.logged_in;
    --logins_in_flight_;
    start_logins();
  } else if (f.kind == frame_kind::error) {
    ++totals_.errors[std::string{f.code}];  // on_closed counts the failed login
  } else {
    ++totals_.unknown_frames;
  }
}

void group_driver::on_text(ws_client& c, std::string& text) {
  auto n = c.tag();
  read_server_frame(text, frame_);
  if (!users_[n].logged_in) {
    on_login_frame(n, frame_);
    return;
  }
  switch (frame_.kind) {
    case frame_kind::msg:
      on_msg(n, frame_);
      break;
    case frame_kind::receipt:
      on_receipt(n, frame_);
      break;
    case frame_kind::ack:
      on_ack(n, frame_);
      break;
    case frame_kind::ok:
      on_create_answer(n / size_, frame_);
      break;
    case frame_kind::error:
      if (n % size_ == 0 && groups_[n / size_].gid.empty())
        on_create_answer(n / size_, frame_);
      else
        on_error(n, frame_);
      break;
    default:
      ++totals_.unknown_frames;
  }
}

void group_driver::on_closed(ws_client& c, const close_info& info) {
  auto& u = users_[c.tag()];
  --totals_.open;
  if (!u.logged_in) {
    totals_.count_failed_login(info.why);
    --logins_in_flight_;
    start_logins();
    return;
  }
  if (!info.clean && !closing_)
    totals_.count_disconnect(info.why, info.code);
}

void group_driver::close_all() {
  boost::asio::post(io_, [this] {
    closing_ = true;
    for (auto& u : users_)
      if (u.client)
        u.client->close();
  });
}

// -- groups -----------------------------------------------------------------------------

void group_driver::create_groups() {
  boost::asio::post(io_, [this] {
    for (uint32_t g = 0; g < groups_.size() && g < creates_in_flight; ++g)
      send_create(g);
  });
}

// The group's first member creates it with the others; the create's id is "c<g>".
void group_driver::send_create(uint32_t g) {
  auto creator = g * size_;
  auto& c = users_[creator].client;
  if (!users_[creator].logged_in || !c->is_open()) {
    ++progress_.create_failed;
    return;
  }
  std::vector<std::string> members(plan_.names.begin() + creator + 1,
                                   plan_.names.begin() + creator + size_);
  ++groups_[g].create_attempts;
  c->send_text(group_create_frame("c" + std::to_string(g), "bench " + std::to_string(g), members));
}

void group_driver::on_create_answer(uint32_t g, const server_frame& f) {
  auto& slot = groups_[g];
  if (f.kind == frame_kind::ok && !f.group.empty()) {
    slot.gid.assign(f.group.data(), f.group.size());
    ++progress_.created;
  } else if (f.kind == frame_kind::error && f.code == "unavailable"
             && slot.create_attempts < max_create_attempts) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, create_retry_pause);
    timer->async_wait([this, g, timer](boost::system::error_code ec) {
      if (!ec && !closing_)
        send_create(g);
    });
    return;
  } else {
    ++totals_.errors[f.kind == frame_kind::error ? "group_create " + std::string{f.code}
                                                 : "group_create answer without a group"];
    ++progress_.create_failed;
  }
  // One finished: the next waiting group takes its place.
  auto next = g + creates_in_flight;
  if (next < groups_.size())
    send_create(next);
}

// -- traffic ----------------------------------------------------------------------------

void group_driver::start_traffic() {
  boost::asio::post(io_, [this] {
    traffic_ = true;
    if (plan_.opts.rate <= 0) {
      for (uint32_t g = 0; g < groups_.size(); ++g)
        for (uint32_t i = 0; i < plan_.opts.window; ++i)
          send_in_group(g);
      return;
    }
    pacer_.start(plan_.opts.rate, now());
    paced_ = 0;
    pace();
  });
}

void group_driver::stop_traffic() {
  boost::asio::post(io_, [this] {
    traffic_ = false;
    pacer_.stop();
  });
}

// Sends one message from the next member of group `g` without an unacked send; false if
// every member is waiting (or offline).
bool group_driver::send_in_group(uint32_t g) {
  auto& slot = groups_[g];
  if (slot.gid.empty())
    return false;
  for (uint32_t tries = 0; tries < size_; ++tries) {
    auto n = g * size_ + slot.next_sender;
    slot.next_sender = (slot.next_sender + 1) % size_;
    auto& u = users_[n];
    if (u.busy || !u.client->is_open())
      continue;
    auto& sends = ledger_.sent[n];
    sends.push_back(group_send{now()});
    write_send(n, sends.size() - 1);
    u.busy = true;
    ++slot.in_flight;
    ++totals_.sent;
    if (measuring())
      ++window_.sent;
    return true;
  }
  return false;
}

void group_driver::pace() {
  if (!traffic_)
    return;
  auto t = now();
  auto due = pacer_.due(t);
  while (paced_ < due) {
    if (measuring())
      window_.pacing_lag.record(t - pacer_.slot_time(paced_));
    // A slot whose group has every member waiting is lost, not saved for a burst later.
    if (!send_in_group(next_group_))
      ++progress_.skipped_slots;
    next_group_ = (next_group_ + 1) % groups_.size();
    ++paced_;
  }
  pacer_.wait_for(paced_, t, [this] { pace(); });
}

// The id carries the first send's time, so a resend's latencies count from the first send.
void group_driver::write_send(uint32_t n, uint64_t seq) {
  auto g = n / size_;
  out_.clear();
  append_group_send(out_, seq, g, groups_[g].gid, ledger_.sent[n][seq].sent_ns, plan_.body);
  users_[n].client->send_text(out_);
}

// `unavailable`: the node could not reach every member's mailbox in time, and the same id
// may be sent again (PROTOCOL.md section 3); members that have it already get nothing
// new. The sender stays busy until it is answered otherwise.
void group_driver::resend_later(uint32_t n, uint64_t seq) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, unavailable_pause);
  timer->async_wait([this, n, seq, timer](boost::system::error_code ec) {
    if (ec || closing_ || !users_[n].client->is_open())
      return;
    ++totals_.resent;
    write_send(n, seq);
  });
}

group_send* group_driver::send_of(uint32_t n, std::string_view id) {
  auto parsed = parse_message_id(id);
  auto& sends = ledger_.sent[n];
  if (!parsed || parsed->seq >= sends.size()) {
    ++totals_.unknown_frames;
    return nullptr;
  }
  return &sends[parsed->seq];
}

// A send is answered (ack or error): its sender may send again, and flat out the group
// refills its window.
void group_driver::answered(uint32_t n) {
  users_[n].busy = false;
  auto g = n / size_;
  --groups_[g].in_flight;
  if (traffic_ && plan_.opts.rate <= 0)
    send_in_group(g);
}

void group_driver::on_ack(uint32_t n, const server_frame& f) {
  auto* s = send_of(n, f.id);
  if (!s)
    return;
  if (s->acked || s->refused) {
    ++totals_.duplicate_acks;
    return;
  }
  s->acked = true;
  ++totals_.acked;
  if (measuring()) {
    ++window_.acked;
    window_.ack.record(now() - s->sent_ns);
  }
  answered(n);
}

// Every msg frame is answered with `delivered` and recorded, repeats included: the check
// after the run finds them (a member must see each message once).
void group_driver::on_msg(uint32_t n, const server_frame& f) {
  auto id = parse_message_id(f.id);
  auto sender = user_number(f.from);
  if (!id || !sender || f.group.empty()) {
    ++totals_.unknown_frames;
    return;
  }
  ledger_.arrivals.push_back(group_arrival{n, *sender, id->seq});
  ++totals_.received;
  if (measuring()) {
    ++window_.received;
    window_.e2e.record(now() - id->sent_ns);
  }
  out_.clear();
  append_delivered(out_, f.from, f.id, f.group);
  users_[n].client->send_text(out_);
}

void group_driver::on_receipt(uint32_t n, const server_frame& f) {
  auto* s = f.status == "delivered" ? send_of(n, f.id) : nullptr;
  if (!s) {
    if (f.status != "delivered")
      ++totals_.unknown_frames;
    return;
  }
  ++s->receipts;
  ++totals_.receipts;
  if (measuring()) {
    ++window_.receipts;
    window_.receipt.record(now() - s->sent_ns);
  }
}

void group_driver::on_error(uint32_t n, const server_frame& f) {
  ++totals_.errors[std::string{f.code}];
  if (f.id.empty())
    return;
  auto* s = send_of(n, f.id);
  if (!s || s->acked || s->refused)
    return;
  if (f.code == "unavailable") {
    resend_later(n, static_cast<uint64_t>(s - ledger_.sent[n].data()));
    return;
  }
  s->refused = true;
  ++totals_.send_errors;
  answered(n);
}

} // namespace parley::bench
