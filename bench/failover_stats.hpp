#pragma once

// What a failover costs the clients: how long after the SIGKILL each one was served again.
// Two kinds of client wait: those whose connection the kill cut (they reconnect to the next
// node, log in with their token and resend what was unacked), and those that stay
// connected but whose recipients' mailboxes were on the dead node (their sends wait until
// the next replica takes over). Times are from the kill, as the bench's clock saw it.

#include <cstdint>

#include "bench/latency_histogram.hpp"

namespace parley::bench {

struct failover_stats {
  uint64_t cut = 0;                 // logged-in connections to the killed node
  uint64_t reconnected = 0;         // of those, logged in again on another node
  uint64_t reconnect_failures = 0;  // attempts that ended before a welcome
  uint64_t gave_up = 0;             // users that stopped trying
  uint64_t sent_after_kill = 0;     // users that sent at least once after the kill
  latency_histogram relogin;        // cut clients: kill -> welcome on another node
  latency_histogram cut_served;     // cut clients: kill -> first ack after reconnecting
  latency_histogram served;         // every client: kill -> first ack of a send issued after it
  latency_histogram served_send;    // those sends alone: send -> ack
  latency_histogram in_flight;      // sends issued before the kill, acked after: kill -> ack

  void merge(const failover_stats& other) {
    cut += other.cut;
    reconnected += other.reconnected;
    reconnect_failures += other.reconnect_failures;
    gave_up += other.gave_up;
    sent_after_kill += other.sent_after_kill;
    relogin.merge(other.relogin);
    cut_served.merge(other.cut_served);
    served.merge(other.served);
    served_send.merge(other.served_send);
    in_flight.merge(other.in_flight);
  }
};

} // namespace parley::bench
