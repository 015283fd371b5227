#include "bench/group_ledger.hpp"

#include <algorithm>
#include <unordered_set>

namespace parley::bench {

namespace {

constexpr uint32_t no_member = ~uint32_t{0};  // a sample about the whole group

class group_checker {
public:
  group_checker(group_ledger& ledger, const std::vector<std::string>& names)
    : ledger_(ledger), names_(names) {
  }

  // Sorted by (member, sender), each pair's arrivals keep the order they came in.
  void take_arrivals() {
    auto& arrivals = ledger_.arrivals;
    std::stable_sort(arrivals.begin(), arrivals.end(),
                     [](const group_arrival& a, const group_arrival& b) {
                       return a.member != b.member ? a.member < b.member : a.sender < b.sender;
                     });
    const group_arrival* top = nullptr;  // the pair's highest sequence number so far
    for (const auto& a : arrivals) {
      if (!top || top->member != a.member || top->sender != a.sender) {
        seen_.clear();
        top = nullptr;
      }
      take(a, top);
      if (!top || a.seq > top->seq)
        top = &a;
    }
  }

  void check_senders() {
    auto others = ledger_.group_size - 1;
    for (uint32_t u = 0; u < ledger_.sent.size(); ++u) {
      const auto& sends = ledger_.sent[u];
      for (uint64_t seq = 0; seq < sends.size(); ++seq) {
        const auto& s = sends[seq];
        if (!s.acked)
          continue;
        ++findings.acked;
        findings.expected += others;
        if (s.delivered < others) {
          findings.lost += others - s.delivered;
          sample("acked, missing at " + std::to_string(others - s.delivered) + " members:",
                 u, no_member, seq);
        }
        if (s.receipts < s.delivered)
          findings.without_receipt += s.delivered - s.receipts;
      }
    }
  }

  group_findings findings;

private:
  // `top` is the pair's arrival with the highest sequence number so far (nullptr: none).
  void take(const group_arrival& a, const group_arrival* top) {
    auto size = ledger_.group_size;
    bool in_group = a.sender / size == a.member / size && a.sender != a.member;
    if (a.sender >= ledger_.sent.size() || a.seq >= ledger_.sent[a.sender].size()) {
      ++findings.unknown;
      sample("unknown message", a.sender, a.member, a.seq);
      return;
    }
    if (!in_group) {
      ++findings.misdelivered;
      sample("misdelivered", a.sender, a.member, a.seq);
      return;
    }
    if (!seen_.insert(a.seq).second) {
      ++findings.duplicates;
      sample("delivered twice:", a.sender, a.member, a.seq);
      return;
    }
    if (top && a.seq < top->seq) {
      ++findings.reordered;
      sample("delivered after seq " + std::to_string(top->seq) + ":", a.sender, a.member,
             a.seq);
    }
    auto& s = ledger_.sent[a.sender][a.seq];
    if (!s.acked) {
      ++findings.delivered_unacked;
      sample(s.refused ? "delivered although refused:" : "delivered, never acked:", a.sender,
             a.member, a.seq);
      return;
    }
    ++s.delivered;
    ++findings.delivered;
  }

  void sample(const std::string& what, uint32_t from, uint32_t to, uint64_t seq) {
    if (findings.samples.size() >= 8)
      return;
    auto name = [&](uint32_t u) {
      if (u == no_member)
        return std::string{"its group"};
      return u < names_.size() ? names_[u] : "user #" + std::to_string(u);
    };
    findings.samples.push_back(what + " " + name(from) + " -> " + name(to) + " seq "
                               + std::to_string(seq));
  }

  group_ledger& ledger_;
  const std::vector<std::string>& names_;
  std::unordered_set<uint64_t> seen_;  // the current pair's sequence numbers
};

} // namespace

group_findings check_group_deliveries(group_ledger& ledger, const std::vector<std::string>& names) {
  group_checker c{ledger, names};
  c.take_arrivals();  // first: it counts what was delivered
  c.check_senders();
  return std::move(c.findings);
}

} // namespace parley::bench
