// client_session and files: a sealed file is uploaded (PUT /v1/media) to the node of the
// current session before the message naming it is sealed, and a received one is
// downloaded from there, checked and opened. Both over HTTP on the session's strand.

#include "net/client_session.hpp"

#include <boost/json.hpp>

#include "net/client_content.hpp"
#include "net/client_media.hpp"
#include "runtime/logging.hpp"

namespace parley {

namespace {

constexpr std::string_view media_path = "/v1/media/";

// The `url` of a 201 answer to an upload, if it names a media object.
std::string uploaded_url(const std::string& body) {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec || !value.is_object())
    return {};
  auto* url = value.get_object().if_contains("url");
  if (!url || !url->is_string())
    return {};
  std::string text{url->get_string()};
  return e2e::is_media_url(text) ? text : std::string{};
}

} // namespace

std::optional<ws_url> client_session::http_node() const {
  if (phase_ != phase::online || token_.empty())
    return std::nullopt;
  return parse_ws_url(conn_url_);
}

// Runs at every login and whenever a file is queued or an upload failed for a while.
void client_session::start_uploads() {
  auto node = http_node();
  if (!node)
    return;  // the next login starts them
  for (auto& o : unsealed_) {
    if (o.ciphertext.empty() || o.uploading)
      continue;
    o.uploading = true;
    SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_upload user={} id={} bytes={}",
                        options_.user, o.id, o.ciphertext.size());
    http_call call;
    call.method = "PUT";
    call.target = std::string{media_path.substr(0, media_path.size() - 1)};
    call.token = token_;
    call.content_type = "application/octet-stream";
    call.body = o.ciphertext;  // kept for a retry until the upload succeeds
    http_exchange(ex_, *node, std::move(call),
                  [weak = weak_from_this(), id = o.id](const reply<http_response>& r) {
                    if (auto self = weak.lock())
                      self->on_uploaded(id, r);
                  });
  }
}

void client_session::on_uploaded(const std::string& id, const reply<http_response>& r) {
  auto o = std::find_if(unsealed_.begin(), unsealed_.end(),
                        [&](const outgoing& x) { return x.id == id; });
  if (o == unsealed_.end() || phase_ == phase::stopped)
    return;
  o->uploading = false;
  auto* response = std::get_if<http_response>(&r);
  client_error err = response ? http_error(*response) : std::get<client_error>(r);
  if (response && response->status == 201) {
    auto url = uploaded_url(response->body);
    if (!url.empty()) {
      o->media.url = std::move(url);
      o->plaintext = e2e::encode_media(o->media);
      o->ciphertext.clear();
      seal_waiting();
      return;
    }
    err = client_error{"internal", "the upload was answered without a media URL"};
  }
  SPDLOG_LOGGER_DEBUG(logs::net(), "event=client_upload_failed user={} id={} code={}",
                      options_.user, id, err.code);
  if (err.code == "unavailable" || err.code == "rate_limited" || err.code == "internal") {
    // The node may be going away: try again in a while, or after the next login.
    upload_timer_.expires_after(options_.resend_delay);
    upload_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec)
        self->start_uploads();
    });
    return;
  }
  unsealed_.erase(o);
  end_send(id, err);
  seal_waiting();  // sends after it to the same recipient no longer wait for it
}

void client_session::fetch_media(const media_ref& ref,
                                 std::function<void(const reply<std::string>&)> done) {
  auto answer = [weak = weak_from_this(), done = std::move(done)](const reply<std::string>& r) {
    auto self = weak.lock();
    if (self && !self->muted_.load() && done)
      done(r);
  };
  auto node = http_node();
  if (!node) {
    answer(client_error{"disconnected", "not connected to a node"});
    return;
  }
  if (!e2e::is_media_url(ref.url)) {
    answer(client_error{"bad_request", "not a media URL"});
    return;
  }
  http_call call;
  call.method = "GET";
  call.target = ref.url;
  call.token = token_;
  call.max_response = e2e::max_media_ciphertext;
  http_exchange(ex_, *node, std::move(call),
                [ref, answer = std::move(answer)](const reply<http_response>& r) {
                  if (auto* err = std::get_if<client_error>(&r))
                    answer(*err);
                  else if (const auto& response = std::get<http_response>(r);
                           response.status != 200)
                    answer(http_error(response));
                  else
                    answer(e2e::open_media(response.body, ref));
                });
}

} // namespace parley
