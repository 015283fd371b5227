#include "bench/delivery_ledger.hpp"

#include <cstdio>
#include <unordered_map>

namespace parley::bench {

namespace {

class checker {
public:
  checker(std::vector<std::vector<sent_record>*>& sent, const std::vector<std::string>& names)
    : sent_(sent), names_(names) {
  }

  void take_arrivals(const std::vector<arrival>& arrivals) {
    for (const auto& a : arrivals)
      take_arrival(a);
  }

  void check_senders() {
    for (uint32_t u = 0; u < sent_.size(); ++u)
      if (sent_[u])
        check_sender(u, *sent_[u]);
  }

  delivery_findings findings;

private:
  // The latest ack rank among a pair's arrivals so far, and which message had it.
  struct order_bar {
    uint32_t rank = 0;
    uint64_t seq = 0;
  };

  void take_arrival(const arrival& a) {
    auto* records = a.sender < sent_.size() ? sent_[a.sender] : nullptr;
    if (!records || a.seq >= records->size()) {
      ++findings.unknown;
      sample("unknown message", a.sender, a.recipient, a.seq, "");
      return;
    }
    auto& rec = (*records)[a.seq];
    if (rec.to != a.recipient) {
      ++findings.misdelivered;
      sample("misdelivered", a.sender, a.recipient, a.seq, "");
      return;
    }
    rec.delivered = true;
    if (rec.refused)
      ++findings.delivered_refused;
    if (rec.ack_rank == 0) {
      ++findings.delivered_unacked;
      return;
    }
    auto& bar = bars_[(uint64_t{a.recipient} << 32) | a.sender];
    if (rec.ack_rank < bar.rank) {
      ++findings.order_violations;
      sample("delivered after a message acked later:", a.sender, a.recipient, a.seq,
             " arrived after seq " + std::to_string(bar.seq));
    } else if (!rec.late_ack) {
      bar = {rec.ack_rank, a.seq};
    }
  }

  void check_sender(uint32_t u, std::vector<sent_record>& records) {
    last_ack_.clear();
    for (uint64_t seq = 0; seq < records.size(); ++seq) {
      const auto& rec = records[seq];
      if (rec.ack_rank == 0)
        continue;
      ++findings.acked;
      if (!rec.delivered) {
        ++findings.lost;
        sample("acked, never delivered:", u, rec.to, seq, "");
      } else if (!rec.receipt) {
        ++findings.without_receipt;
        sample("delivered, no receipt back:", u, rec.to, seq, "");
      }
      if (rec.late_ack)
        continue;
      auto& last = last_ack_[rec.to];
      if (rec.ack_rank < last.rank) {
        ++findings.ack_order_violations;
        sample("acked before an earlier send:", u, rec.to, seq,
               " acked before seq " + std::to_string(last.seq));
      } else {
        last = {rec.ack_rank, seq};
      }
    }
  }

  void sample(const char* what, uint32_t from, uint32_t to, uint64_t seq,
              const std::string& detail) {
    if (findings.samples.size() >= max_problem_samples)
      return;
    auto name = [&](uint32_t u) {
      return u < names_.size() ? names_[u] : "user #" + std::to_string(u);
    };
    std::string line = std::string{what} + " " + name(from) + " -> " + name(to) + " seq "
                       + std::to_string(seq) + detail;
    if (from < sent_.size() && sent_[from] && seq < sent_[from]->size()) {
      char at[48];
      const auto& rec = (*sent_[from])[seq];
      std::snprintf(at, sizeof(at), " (sent at +%.3f s%s)",
                    static_cast<double>(rec.sent_ns) / 1e9, rec.late_ack ? ", late ack" : "");
      line += at;
    }
    findings.samples.push_back(std::move(line));
  }

  std::vector<std::vector<sent_record>*>& sent_;
  const std::vector<std::string>& names_;
  std::unordered_map<uint64_t, order_bar> bars_;      // by (recipient, sender)
  std::unordered_map<uint32_t, order_bar> last_ack_;  // one sender's, by recipient
};

} // namespace

delivery_findings check_deliveries(std::vector<std::vector<sent_record>*>& sent,
                                   const std::vector<arrival>& arrivals,
                                   const std::vector<std::string>& names) {
  checker c{sent, names};
  c.take_arrivals(arrivals);  // first: it marks what was delivered
  c.check_senders();
  return std::move(c.findings);
}

} // namespace parley::bench
