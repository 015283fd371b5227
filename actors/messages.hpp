#pragma once

// Every type Parley's actors exchange, its inspect overload, and one type-ID block that
// continues the runtime's. Types that may cross nodes are inspectable; the few that hold
// local pointers (the client link) are marked unsafe and never leave their node.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include "actors/client_link.hpp"
#include "actors/frames.hpp"
#include "actors/push_transport.hpp"
#include "runtime/type_ids.hpp"

namespace parley {

/// Where a stored item landed.
struct stored_ref {
  int64_t seq = 0;
  int64_t ts = 0;
  receipt_status status = receipt_status::sent;
  bool duplicate = false;  // the (sender, id) was stored before: seq and ts are the original's
};

/// An item for another node's store to keep a copy of: a replica's part of what its
/// primary's mailboxes committed (actors/copier.hpp: one message per turn and replica).
struct copied_item {
  std::string owner;
  mailbox_item item;
};

/// A message that moved on (delivered, read), for a replica's store: addressed by the
/// message's identity, since each node numbers its rows itself.
struct item_change {
  std::string owner;
  std::string peer;
  std::string group;
  std::string id;
  receipt_status status = receipt_status::sent;
};

/// What the store holds for one mailbox, read when the mailbox actor starts.
struct mailbox_snapshot {
  bool known_user = false;
  std::vector<mailbox_item> waiting;    // in arrival order
  std::vector<mailbox_item> delivered;  // recent tombstones not yet read, for receipts
};

/// Every row of one owner's mailbox, to copy it to another node (tombstones included:
/// they carry the dedup state and the receipt state).
struct mailbox_copy {
  std::vector<mailbox_item> messages;
  std::vector<mailbox_item> receipts;
};

struct user_record {
  std::string user;
  std::string key;  // raw Ed25519 public key
  int64_t created = 0;
  int64_t last_seen = 0;
};

struct presence_info {
  std::string user;
  bool online = false;
  int64_t last_seen = 0;
};

struct login_reply {
  bool created = false;  // first login: the key was registered now
  int64_t last_seen = 0;
};

/// A group as its nodes keep it. `version` grows with every change; copies with a
/// newer version win (version 0: no such group).
struct group_record {
  std::string gid;
  std::string name;
  std::string owner;
  std::vector<std::string> members;  // in the order they joined; the owner among them
  int64_t version = 0;
  int64_t created = 0;
};

/// What a gateway hands a new session.
struct session_args {
  std::string user;
  std::string key;    // raw public key of a key login; empty for a token login
  std::string token;  // the token to give the client in `welcome`
  std::vector<std::string> nodes;  // client URLs for `welcome`
  std::shared_ptr<client_link> link;
};

/// A stored media object's metadata (PROTOCOL.md section 5).
struct media_info {
  std::string media;  // sha256 hex
  std::string content_type;
  int64_t size = 0;
  int64_t uploaded = 0;  // ms since the epoch; expiry counts from here
};

/// A slice of a media object's bytes, read from a node that holds it.
struct media_piece {
  media_info info;
  int64_t offset = 0;
  std::string bytes;
};

/// A slice of a media object on its way to a node that must store it. The slices of
/// one transfer arrive in order, one at a time; the last one commits the object.
struct media_chunk {
  std::string from;  // sending node
  uint64_t transfer = 0;  // unique per sending node
  media_info info;
  int64_t offset = 0;
  std::string bytes;
};

// -- inspection ---------------------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mailbox_item& x) {
  return f(caf::meta::type_name("mailbox_item"), x.seq, x.kind, x.peer, x.id, x.group,
           x.body, x.meta, x.ts, x.status);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stored_ref& x) {
  return f(caf::meta::type_name("stored_ref"), x.seq, x.ts, x.status, x.duplicate);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, copied_item& x) {
  return f(caf::meta::type_name("copied_item"), x.owner, x.item);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, item_change& x) {
  return f(caf::meta::type_name("item_change"), x.owner, x.peer, x.group, x.id, x.status);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mailbox_snapshot& x) {
  return f(caf::meta::type_name("mailbox_snapshot"), x.known_user, x.waiting, x.delivered);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mailbox_copy& x) {
  return f(caf::meta::type_name("mailbox_copy"), x.messages, x.receipts);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_record& x) {
  return f(caf::meta::type_name("user_record"), x.user, x.key, x.created, x.last_seen);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, presence_info& x) {
  return f(caf::meta::type_name("presence_info"), x.user, x.online, x.last_seen);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_reply& x) {
  return f(caf::meta::type_name("login_reply"), x.created, x.last_seen);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, confirm_request& x) {
  return f(caf::meta::type_name("confirm_request"), x.from, x.id, x.group, x.status);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_record& x) {
  return f(caf::meta::type_name("group_record"), x.gid, x.name, x.owner, x.members, x.version,
           x.created);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, push_notice& x) {
  return f(caf::meta::type_name("push_notice"), x.user, x.from, x.group, x.waiting, x.ts);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, media_info& x) {
  return f(caf::meta::type_name("media_info"), x.media, x.content_type, x.size, x.uploaded);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, media_piece& x) {
  return f(caf::meta::type_name("media_piece"), x.info, x.offset, x.bytes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, media_chunk& x) {
  return f(caf::meta::type_name("media_chunk"), x.from, x.transfer, x.info, x.offset, x.bytes);
}

} // namespace parley

CAF_BEGIN_TYPE_ID_BLOCK(parley_actors, caf::id_block::parley_runtime::end)
  CAF_ADD_TYPE_ID(parley_actors, (parley::mailbox_item))
  CAF_ADD_TYPE_ID(parley_actors, (std::vector<parley::mailbox_item>))
  CAF_ADD_TYPE_ID(parley_actors, (parley::stored_ref))
  CAF_ADD_TYPE_ID(parley_actors, (parley::copied_item))
  CAF_ADD_TYPE_ID(parley_actors, (std::vector<parley::copied_item>))
  CAF_ADD_TYPE_ID(parley_actors, (parley::item_change))
  CAF_ADD_TYPE_ID(parley_actors, (std::vector<parley::item_change>))
  CAF_ADD_TYPE_ID(parley_actors, (parley::mailbox_snapshot))
  CAF_ADD_TYPE_ID(parley_actors, (parley::mailbox_copy))
  CAF_ADD_TYPE_ID(parley_actors, (parley::receipt_status))
  CAF_ADD_TYPE_ID(parley_actors, (parley::user_record))
  CAF_ADD_TYPE_ID(parley_actors, (std::vector<parley::user_record>))
  CAF_ADD_TYPE_ID(parley_actors, (parley::presence_info))
  CAF_ADD_TYPE_ID(parley_actors, (parley::login_reply))
  CAF_ADD_TYPE_ID(parley_actors, (parley::confirm_request))
  CAF_ADD_TYPE_ID(parley_actors, (std::vector<int64_t>))

  // mailbox
  CAF_ADD_ATOM(parley_actors, parley, deliver_atom, "deliver")
  CAF_ADD_ATOM(parley_actors, parley, receipt_atom, "receipt")
  CAF_ADD_ATOM(parley_actors, parley, confirm_atom, "confirm")
  CAF_ADD_ATOM(parley_actors, parley, attach_atom, "attach")
  CAF_ADD_ATOM(parley_actors, parley, push_atom, "push")
  CAF_ADD_ATOM(parley_actors, parley, inbox_atom, "inbox")
  CAF_ADD_ATOM(parley_actors, parley, handed_atom, "handed")
  // store
  CAF_ADD_ATOM(parley_actors, parley, append_atom, "append")
  CAF_ADD_ATOM(parley_actors, parley, replicate_atom, "replicate")
  CAF_ADD_ATOM(parley_actors, parley, status_atom, "status")
  CAF_ADD_ATOM(parley_actors, parley, erase_atom, "erase")
  CAF_ADD_ATOM(parley_actors, parley, load_atom, "load")
  CAF_ADD_ATOM(parley_actors, parley, find_atom, "find")
  CAF_ADD_ATOM(parley_actors, parley, put_user_atom, "putuser")
  CAF_ADD_ATOM(parley_actors, parley, load_users_atom, "loadusers")
  CAF_ADD_ATOM(parley_actors, parley, touch_atom, "touch")
  CAF_ADD_ATOM(parley_actors, parley, expire_atom, "expire")
  CAF_ADD_ATOM(parley_actors, parley, dump_atom, "dump")
  CAF_ADD_ATOM(parley_actors, parley, merge_atom, "merge")
  CAF_ADD_ATOM(parley_actors, parley, drop_atom, "drop")
  CAF_ADD_ATOM(parley_actors, parley, owners_atom, "owners")
  // directory
  CAF_ADD_ATOM(parley_actors, parley, login_atom, "login")
  CAF_ADD_ATOM(parley_actors, parley, presence_atom, "presence")
  CAF_ADD_ATOM(parley_actors, parley, subscribe_atom, "subscribe")
  CAF_ADD_ATOM(parley_actors, parley, key_atom, "key")
  CAF_ADD_ATOM(parley_actors, parley, seen_atom, "seen")
  CAF_ADD_ATOM(parley_actors, parley, session_of_atom, "sessionof")
  CAF_ADD_ATOM(parley_actors, parley, lookup_user_atom, "lookupuser")
  CAF_ADD_ATOM(parley_actors, parley, adopt_user_atom, "adoptuser")
  // cluster
  CAF_ADD_ATOM(parley_actors, parley, retry_atom, "retry")
  CAF_ADD_ATOM(parley_actors, parley, copy_atom, "copy")
  CAF_ADD_ATOM(parley_actors, parley, handoff_name, "handoff")
  // faults (admin port)
  CAF_ADD_ATOM(parley_actors, parley, drop_replica_atom, "dropreplic")
  CAF_ADD_ATOM(parley_actors, parley, delay_atom, "delay")
  CAF_ADD_ATOM(parley_actors, parley, membership_name, "membership")
  // session
  CAF_ADD_ATOM(parley_actors, parley, replaced_atom, "replaced")
  CAF_ADD_ATOM(parley_actors, parley, closed_atom, "closed")
  CAF_ADD_ATOM(parley_actors, parley, written_atom, "written")
  // registry names of the node's well-known actors
  CAF_ADD_ATOM(parley_actors, parley, store_name, "store")
  CAF_ADD_ATOM(parley_actors, parley, directory_name, "directory")
  CAF_ADD_ATOM(parley_actors, parley, mailboxes_name, "mailboxes")
  CAF_ADD_ATOM(parley_actors, parley, sessions_name, "sessions")
  CAF_ADD_ATOM(parley_actors, parley, node_name, "node")

  // groups
  CAF_ADD_TYPE_ID(parley_actors, (parley::group_record))
  CAF_ADD_TYPE_ID(parley_actors, (std::vector<parley::group_record>))
  CAF_ADD_ATOM(parley_actors, parley, group_create_atom, "gcreate")
  CAF_ADD_ATOM(parley_actors, parley, group_add_atom, "gadd")
  CAF_ADD_ATOM(parley_actors, parley, group_remove_atom, "gremove")
  CAF_ADD_ATOM(parley_actors, parley, group_leave_atom, "gleave")
  CAF_ADD_ATOM(parley_actors, parley, group_info_atom, "ginfo")
  CAF_ADD_ATOM(parley_actors, parley, group_send_atom, "gsend")
  CAF_ADD_ATOM(parley_actors, parley, group_put_atom, "gput")
  CAF_ADD_ATOM(parley_actors, parley, group_get_atom, "gget")
  CAF_ADD_ATOM(parley_actors, parley, group_list_atom, "glist")
  CAF_ADD_ATOM(parley_actors, parley, group_drop_atom, "gdrop")
  CAF_ADD_ATOM(parley_actors, parley, groups_name, "groups")
  CAF_ADD_ATOM(parley_actors, parley, deliver_many_atom, "delivmany")
  CAF_ADD_ATOM(parley_actors, parley, fanout_name, "fanout")

  // push notifier (offline push, --push-webhook)
  CAF_ADD_TYPE_ID(parley_actors, (parley::push_notice))
  CAF_ADD_ATOM(parley_actors, parley, notify_atom, "notify")
  CAF_ADD_ATOM(parley_actors, parley, pushed_atom, "pushed")
  CAF_ADD_ATOM(parley_actors, parley, notifier_name, "notifier")

  // media
  CAF_ADD_TYPE_ID(parley_actors, (parley::media_info))
  CAF_ADD_TYPE_ID(parley_actors, (parley::media_piece))
  CAF_ADD_TYPE_ID(parley_actors, (parley::media_chunk))
  CAF_ADD_ATOM(parley_actors, parley, media_put_atom, "mediaput")
  CAF_ADD_ATOM(parley_actors, parley, media_get_atom, "mediaget")
  CAF_ADD_ATOM(parley_actors, parley, media_stat_atom, "mediastat")
  CAF_ADD_ATOM(parley_actors, parley, media_read_atom, "mediaread")
  CAF_ADD_ATOM(parley_actors, parley, media_has_atom, "mediahas")
  CAF_ADD_ATOM(parley_actors, parley, media_chunk_atom, "mediachunk")
  CAF_ADD_ATOM(parley_actors, parley, media_name, "media")

  // copier (actors/copier.hpp)
  CAF_ADD_ATOM(parley_actors, parley, copier_name, "copier")
CAF_END_TYPE_ID_BLOCK(parley_actors)

// Local-only requests carrying pointers or huge payloads never cross the network.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::session_args)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::send_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::presence_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::subscribe_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::key_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::ping_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::refused_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::client_alive)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::group_create_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(parley::group_request)

namespace parley {

/// Announces our types and error category to CAF. Call before creating the system.
void add_message_types(caf::actor_system_config& cfg);

/// Registers `handle` under `name`, replacing an earlier (dead) registration: CAF's
/// registry keeps the first entry for a name unless it is erased first.
void register_as(caf::actor_system& sys, caf::atom_value name, const caf::actor& handle);

/// The registered actor under `name`, or an invalid handle.
caf::actor registered(caf::actor_system& sys, caf::atom_value name);

/// The child id of a user's mailbox: "mailbox:<user>".
std::string mailbox_child_id(const std::string& user);

/// The child id of a group's actor: "group:<gid>".
std::string group_child_id(const std::string& gid);

} // namespace parley
