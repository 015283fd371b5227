// client_session, end to end: every send is sealed for its recipient (or for each member
// of its group) once their identity keys are known and pinned, and every message is
// opened with its sender's pinned key before the application sees it. Both wait, in
// order per peer, for the `key` and `group_info` answers they need.

#include "net/client_session.hpp"

#include <algorithm>

#include "net/client_content.hpp"
#include "runtime/logging.hpp"

namespace parley {

namespace {

client_error key_changed(const std::string& user) {
  return client_error{"key_changed",
                      user + "'s identity key changed; nothing is sent to " + user
                        + " until the new key is trusted"};
}

// Lookup errors after which the same question may be answered later.
bool transient(const std::string& code) {
  return code == "unavailable" || code == "rate_limited" || code == "internal";
}

bool is_e2e_body(const incoming_message& m) {
  auto prefix = m.group.empty() ? e2e::direct_prefix : e2e::group_prefix;
  return std::string_view{m.body}.substr(0, prefix.size()) == prefix;
}

} // namespace

// -- sending ----------------------------------------------------------------------------------

void client_session::send(outgoing o) {
  bool upload = !o.ciphertext.empty();
  unsealed_.push_back(std::move(o));
  if (upload)
    start_uploads();
  seal_waiting();
}

// A send whose recipient (user or group) has an earlier send still waiting waits too:
// per recipient, the server keeps the order in which sends are written.
void client_session::seal_waiting() {
  std::set<std::string> blocked;
  for (auto i = unsealed_.begin(); i != unsealed_.end();) {
    auto target = (i->to.group ? "#" : "@") + i->to.name;
    std::optional<reply<std::string>> sealed;
    if (blocked.count(target) == 0 && i->ciphertext.empty())
      sealed = seal(*i);
    if (!sealed) {
      blocked.insert(target);
      ++i;
      continue;
    }
    auto o = std::move(*i);
    i = unsealed_.erase(i);
    if (auto* err = std::get_if<client_error>(&*sealed)) {
      end_send(o.id, *err);
      continue;
    }
    auto frame = client_wire::send(o.id, o.to, std::get<std::string>(*sealed), o.meta);
    if (phase_ == phase::online)
      write(frame);
    outbox_.add(std::move(o.id), std::move(frame));
  }
}

std::optional<reply<std::string>> client_session::seal(const outgoing& o) {
  if (o.to.group)
    return seal_for_group(o);
  const auto& user = o.to.name;
  if (keys_.changed(user))
    return reply<std::string>{key_changed(user)};
  if (const auto* key = keys_.usable(user))
    return e2e::seal_direct(o.plaintext, {options_.user, user, o.id}, *key, own_keys_);
  if (auto f = key_failures_.find(user); f != key_failures_.end())
    return reply<std::string>{f->second};
  need_key(user);
  return std::nullopt;
}

std::optional<reply<std::string>> client_session::seal_for_group(const outgoing& o) {
  const auto& gid = o.to.name;
  if (auto f = group_failures_.find(gid); f != group_failures_.end())
    return reply<std::string>{f->second};
  auto g = groups_.find(gid);
  if (g == groups_.end()) {
    need_group(gid);
    return std::nullopt;
  }
  std::vector<std::string> member_keys;
  bool missing = false;
  for (const auto& member : g->second.members) {
    if (keys_.changed(member))
      return reply<std::string>{key_changed(member)};
    if (auto f = key_failures_.find(member); f != key_failures_.end())
      return reply<std::string>{client_error{f->second.code, member + ": " + f->second.message}};
    if (const auto* key = keys_.usable(member)) {
      member_keys.push_back(*key);
    } else {
      need_key(member);
      missing = true;
    }
  }
  if (missing)
    return std::nullopt;
  return e2e::seal_group(o.plaintext, {options_.user, gid, o.id}, member_keys, own_keys_);
}

void client_session::end_send(const std::string& id, const client_error& error) {
  --unacked_;
  notify(callbacks_.on_error, id, error.code, error.message);
}

// -- receiving --------------------------------------------------------------------------------

// Messages of one sender are reported in the order they came; a sender whose key is
// missing holds back only its own messages.
void client_session::open_waiting() {
  std::set<std::string> blocked;
  for (auto i = unopened_.begin(); i != unopened_.end();) {
    std::optional<reply<std::string>> plaintext;
    if (blocked.count(i->from) == 0)
      plaintext = is_e2e_body(*i) ? open_with_keys(*i)
                                  : reply<std::string>{client_error{"not_encrypted", ""}};
    if (!plaintext) {
      blocked.insert(i->from);
      ++i;
      continue;
    }
    auto m = std::move(*i);
    i = unopened_.erase(i);
    report(m, *plaintext);
  }
}

std::optional<reply<std::string>> client_session::open_with_keys(const incoming_message& m) {
  if (const auto* key = keys_.usable(m.from))
    return open_body(m, *key);
  if (keys_.changed(m.from)) {
    // Only the key we trust may open it; what needs the new one waits for trust_key.
    auto opened = open_body(m, *keys_.pinned(m.from));
    auto* err = std::get_if<client_error>(&opened);
    if (!err || err->code == "misdirected")  // authenticated by the pinned key either way
      return opened;
    return std::nullopt;
  }
  if (auto f = key_failures_.find(m.from); f != key_failures_.end())
    return reply<std::string>{client_error{"unknown_sender", f->second.message}};
  need_key(m.from);
  return std::nullopt;
}

reply<std::string> client_session::open_body(const incoming_message& m, const std::string& key) {
  // What the frame says must be what the sender sealed: we are its recipient (not its
  // sender, handed our own message back), and it is this message id.
  if (m.group.empty())
    return e2e::open_direct(m.body, {m.from, options_.user, m.id}, key, own_keys_);
  return e2e::open_group(m.body, {m.from, m.group, m.id}, key, own_keys_);
}

void client_session::report(incoming_message& m, const reply<std::string>& plaintext) {
  m.body.clear();
  if (auto* err = std::get_if<client_error>(&plaintext)) {
    SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_msg_unopened user={} from={} id={} why={}",
                        options_.user, m.from, m.id, err->code);
    m.e2e_error = err->code;
  } else {
    auto c = e2e::decode_content(std::get<std::string>(plaintext));
    if (auto* content = std::get_if<e2e::content>(&c)) {
      m.body = std::move(content->text);
      m.media = std::move(content->media);
    } else {
      m.e2e_error = std::get<client_error>(c).code;
    }
  }
  if (!m.group.empty()) {
    // A sender we did not know in the group: its membership changed since we asked.
    auto g = groups_.find(m.group);
    if (g != groups_.end()
        && std::find(g->second.members.begin(), g->second.members.end(), m.from)
             == g->second.members.end())
      groups_.erase(g);
  }
  notify(callbacks_.on_message, m);
}

// -- keys and memberships ---------------------------------------------------------------------

void client_session::need_key(const std::string& user) {
  if (!key_lookups_.insert(user).second)
    return;
  auto id = next_internal_id();
  request(id, client_wire::key(id, user),
          [this, user](const answer& a) { on_key_answer(user, a); });
}

void client_session::on_key_answer(const std::string& user, const answer& a) {
  key_lookups_.erase(user);
  auto* ok = std::get_if<client_wire::ok>(&a);
  if (!ok || ok->key.size() != 32) {
    auto* err = std::get_if<client_error>(&a);
    if (err && transient(err->code)) {
      retry_lookup(user, false);
      return;
    }
    key_failures_[user] =
      err ? *err : client_error{"internal", "the server answered key without a 32-byte key"};
  } else {
    std::string reported = keys_.changed(user) ? *keys_.changed(user) : std::string{};
    switch (keys_.learn(user, ok->key)) {
      case keyring::verdict::first_use:
        options_.pinned_keys->save(user, ok->key);
        break;
      case keyring::verdict::same:
        break;
      case keyring::verdict::changed:
        if (reported != ok->key) {
          SPDLOG_LOGGER_INFO(logs::net(), "event=client_key_changed user={} peer={}",
                             options_.user, user);
          notify(callbacks_.on_key_changed, key_change{user, *keys_.pinned(user), ok->key});
        }
        break;
    }
  }
  seal_waiting();  // what waited for this key goes, or fails with the answer
  open_waiting();
  // A user unknown now may sign in at any moment: the next message asks again.
  if (auto f = key_failures_.find(user); f != key_failures_.end() && f->second.code == "unknown_user")
    key_failures_.erase(f);
}

void client_session::need_group(const std::string& group) {
  if (!group_lookups_.insert(group).second)
    return;
  auto id = next_internal_id();
  request(id, client_wire::group_info(id, group),
          [this, group](const answer& a) { on_group_answer(group, a); });
}

void client_session::on_group_answer(const std::string& group, const answer& a) {
  group_lookups_.erase(group);
  auto* ok = std::get_if<client_wire::ok>(&a);
  if (ok && ok->has_group) {
    remember_group(ok->group);
  } else {
    auto* err = std::get_if<client_error>(&a);
    if (err && transient(err->code)) {
      retry_lookup(group, true);
      return;
    }
    group_failures_[group] =
      err ? *err : client_error{"internal", "the server answered group_info without a group"};
  }
  seal_waiting();
}

// What waits for a lookup the server could not answer now keeps waiting; the question
// is asked again in a while (or at the next login, when every request is written again).
void client_session::retry_lookup(const std::string& name, bool group) {
  (group ? group_retries_ : key_retries_).insert(name);
  if (group_retries_.size() + key_retries_.size() > 1)
    return;  // the timer is already running
  lookup_retry_timer_.expires_after(options_.resend_delay);
  lookup_retry_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!self || ec)
      return;
    auto keys = std::move(self->key_retries_);
    auto groups = std::move(self->group_retries_);
    self->key_retries_.clear();
    self->group_retries_.clear();
    for (const auto& user : keys)
      self->need_key(user);
    for (const auto& group : groups)
      self->need_group(group);
  });
}

void client_session::remember_group(const group_info& info) {
  groups_[info.group] = info;
}

void client_session::trust_key(const std::string& user, const std::string& key,
                               const std::function<void(const std::optional<client_error>&)>& done) {
  if (!keys_.trust(user, key)) {
    if (done && !muted_.load())
      done(client_error{"bad_request", "that is not the changed key of " + user});
    return;
  }
  SPDLOG_LOGGER_INFO(logs::net(), "event=client_key_trusted user={} peer={}", options_.user, user);
  options_.pinned_keys->save(user, key);
  if (done && !muted_.load())
    done(std::nullopt);
  open_waiting();
  seal_waiting();
}

// Keys and memberships are confirmed again in every login: what a node said before may
// have changed while we were away.
void client_session::forget_peers() {
  keys_.forget_confirmations();
  key_failures_.clear();
  groups_.clear();
  group_failures_.clear();
}

} // namespace parley
