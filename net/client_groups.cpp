// parley::client, group requests (PROTOCOL.md section 3) and the end-to-end calls that
// the application makes: trusting a changed key and fetching a file.

#include "net/client.hpp"

#include <boost/asio/post.hpp>

#include "net/client_session.hpp"
#include "runtime/config.hpp"

namespace parley {

namespace {

std::optional<client_error> bad_users(const std::vector<std::string>& users) {
  for (const auto& u : users)
    if (!is_valid_id(u))
      return client_error{"bad_request", "'" + u + "' is not a valid user id"};
  return std::nullopt;
}

client_error not_a_group(const std::string& group) {
  return client_error{"bad_request", "'" + group + "' is not a group id"};
}

// The group an `ok` describes, or the error in its place.
reply<group_info> group_of(const client_session::answer& a, const char* op) {
  if (auto* ok = std::get_if<client_wire::ok>(&a); ok && ok->has_group)
    return ok->group;
  if (auto* err = std::get_if<client_error>(&a))
    return *err;
  return client_error{"internal", std::string{"the server answered "} + op + " without a group"};
}

} // namespace

std::string client::group_create(const std::string& name, std::vector<std::string> members,
                                 std::function<void(const reply<parley::group_info>&)> done) {
  auto id = next_id("q");
  auto invalid = bad_users(members);
  if (!invalid && (name.empty() || !ws::valid_utf8(name)))
    invalid = client_error{"bad_request", "a group needs a name (UTF-8)"};
  auto frame = client_wire::group_create(id, name, members);
  auto handler = [done = std::move(done), name, members,
                  user = options_.user](const client_session::answer& a) {
    auto info = group_of(a, "group_create");
    if (auto* g = std::get_if<parley::group_info>(&info)) {
      // The answer names only the group; the rest is what we asked for.
      g->name = name;
      g->owner = user;
      g->members = members;
      g->members.insert(g->members.begin(), user);
    }
    if (done)
      done(info);
  };
  submit(std::move(id), std::move(frame), std::move(invalid), std::move(handler));
  return id;
}

std::string client::group_add(const std::string& group, std::vector<std::string> users,
                              done_handler done) {
  return change_members("group_add", group, users, std::move(done));
}

std::string client::group_remove(const std::string& group, std::vector<std::string> users,
                                 done_handler done) {
  return change_members("group_remove", group, users, std::move(done));
}

std::string client::change_members(const char* op, const std::string& group,
                                   const std::vector<std::string>& users, done_handler done) {
  auto id = next_id("q");
  group_request(id, group, client_wire::group_change(op, id, group, users), bad_users(users),
                std::move(done));
  return id;
}

std::string client::group_leave(const std::string& group, done_handler done) {
  auto id = next_id("q");
  group_request(id, group, client_wire::group_leave(id, group), std::nullopt, std::move(done));
  return id;
}

// A change of membership: what we had cached for the group is asked for again.
void client::group_request(std::string id, const std::string& group, std::string frame,
                           std::optional<client_error> invalid, done_handler done) {
  if (!invalid && !client_wire::is_group_id(group))
    invalid = not_a_group(group);
  // Weak: the session keeps the handler until the answer comes.
  auto handler = [weak = std::weak_ptr{session_}, group, done = std::move(done)](
                   const client_session::answer& a) {
    if (auto session = weak.lock())
      session->forget_group(group);
    if (!done)
      return;
    if (auto* err = std::get_if<client_error>(&a))
      done(*err);
    else
      done(std::nullopt);
  };
  submit(std::move(id), std::move(frame), std::move(invalid), std::move(handler));
}

std::string client::group_info(const std::string& group,
                               std::function<void(const reply<parley::group_info>&)> done) {
  auto id = next_id("q");
  std::optional<client_error> invalid;
  if (!client_wire::is_group_id(group))
    invalid = not_a_group(group);
  auto handler = [weak = std::weak_ptr{session_}, done = std::move(done)](
                   const client_session::answer& a) {
    auto info = group_of(a, "group_info");
    auto session = weak.lock();
    if (auto* g = std::get_if<parley::group_info>(&info); g && session)
      session->remember_group(*g);
    if (done)
      done(info);
  };
  submit(id, client_wire::group_info(id, group), std::move(invalid), std::move(handler));
  return id;
}

// Hands a request to the session, or answers it at once with `invalid`.
void client::submit(std::string id, std::string frame, std::optional<client_error> invalid,
                    std::function<void(const client_session::answer&)> handler) {
  boost::asio::post(ex_, [session = session_, id = std::move(id), frame = std::move(frame),
                          invalid = std::move(invalid), handler = std::move(handler)]() mutable {
    if (invalid)
      session->refuse_request(handler, *invalid);
    else
      session->request(std::move(id), std::move(frame), std::move(handler));
  });
}

void client::trust_key(const std::string& user, const std::string& new_key, done_handler done) {
  boost::asio::post(ex_, [session = session_, user, new_key, done = std::move(done)] {
    session->trust_key(user, new_key, done);
  });
}

void client::fetch_media(const media_ref& ref,
                         std::function<void(const reply<std::string>&)> done) {
  boost::asio::post(ex_, [session = session_, ref, done = std::move(done)]() mutable {
    session->fetch_media(ref, std::move(done));
  });
}

} // namespace parley
