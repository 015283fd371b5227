#pragma once

// The metrics a node exports (PROTOCOL.md section 6), registered once per node and
// handed by pointer to the actors that record them.

#include "runtime/metrics.hpp"

namespace parley {

struct node_metrics {
  explicit node_metrics(metrics_registry& registry);

  counter& messages_acked;
  counter& messages_delivered;
  counter& receipts_sent;
  counter& actor_restarts;
  counter& store_commits;
  counter& logins;
  counter& replica_retries;
  counter& handoff_copies;
  gauge& sessions;
  gauge& mailboxes;
  gauge& groups;
  gauge& mailbox_depth;
  gauge& cluster_nodes;
  histogram& ack_latency;
  histogram& commit_batch;
  histogram& commit_latency;
  // offline push (--push-webhook)
  counter& push_sent;
  counter& push_failed;
  counter& push_dropped;
  counter& push_rate_limited;
  counter& push_retries;
  // media
  counter& media_uploads;
  counter& media_downloads;
  counter& media_bytes_stored;
  counter& media_copies;
};

} // namespace parley
