#include "actors/node_metrics.hpp"

namespace parley {

namespace {

// 50 us to 30 ms in 10% steps (p99 and p99.99 readable to about 10%), then coarser
// steps up to 10 s for the pathological tail.
std::vector<double> latency_buckets() {
  auto fine = histogram::log_buckets(50e-6, 30e-3, 1.1);
  for (double b : {0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0})
    fine.push_back(b);
  return fine;
}

} // namespace

node_metrics::node_metrics(metrics_registry& r)
  : messages_acked(r.add_counter("parley_messages_acked_total",
                                 "Messages acknowledged to their senders (durable).")),
    messages_delivered(r.add_counter("parley_messages_delivered_total",
                                     "Messages confirmed delivered and erased.")),
    receipts_sent(r.add_counter("parley_receipts_total",
                                "Delivered and read receipts produced.")),
    actor_restarts(r.add_counter("parley_actor_restarts_total",
                                 "Actors restarted by their supervisors.")),
    store_commits(r.add_counter("parley_store_commits_total",
                                "SQLite transactions committed by the store.")),
    logins(r.add_counter("parley_logins_total", "Successful logins.")),
    replica_retries(r.add_counter("parley_replica_retries_total",
                                  "Replica commits tried again after a replica failed.")),
    handoff_copies(r.add_counter("parley_handoff_copies_total",
                                 "Users' data copied to other nodes after cluster changes.")),
    sessions(r.add_gauge("parley_sessions", "Open client sessions on this node.")),
    mailboxes(r.add_gauge("parley_mailboxes", "Mailbox actors running on this node.")),
    groups(r.add_gauge("parley_groups", "Group actors running on this node.")),
    mailbox_depth(r.add_gauge("parley_mailbox_depth",
                              "Messages and receipts waiting in running mailboxes.")),
    cluster_nodes(r.add_gauge("parley_cluster_nodes", "Live nodes in the cluster.")),
    ack_latency(r.add_histogram("parley_ack_latency_seconds",
                                "From a send frame's arrival to its ack being queued.",
                                latency_buckets())),
    commit_batch(r.add_histogram("parley_store_batch_ops",
                                 "Operations per SQLite transaction.",
                                 {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096})),
    commit_latency(r.add_histogram("parley_store_commit_seconds",
                                   "Time of one SQLite transaction, begin to commit.",
                                   latency_buckets())),
    push_sent(r.add_counter("parley_push_sent_total",
                            "Offline push notices the webhook answered with 2xx.")),
    push_failed(r.add_counter("parley_push_failed_total",
                              "Offline push notices given up after all attempts.")),
    push_dropped(r.add_counter("parley_push_dropped_total",
                               "Offline push notices dropped: the notifier's queue was full.")),
    push_rate_limited(r.add_counter(
      "parley_push_rate_limited_total",
      "Offline push notices not sent: the user was notified less than 10 s before.")),
    push_retries(r.add_counter("parley_push_retries_total",
                               "Webhook POSTs tried again after a failure.")),
    media_uploads(r.add_counter("parley_media_uploads_total",
                                "Media uploads taken here and committed on their owners.")),
    media_downloads(r.add_counter("parley_media_downloads_total",
                                  "Media objects served to clients by this node.")),
    media_bytes_stored(r.add_counter("parley_media_bytes_stored_total",
                                     "Bytes of new media objects written to this node's disk.")),
    media_copies(r.add_counter("parley_media_copies_total",
                               "Media objects copied to their owners after cluster changes.")) {
}

} // namespace parley
