#include "net/ws_connection.hpp"

// What a client's WebSocket writes: frames gathered while the socket is busy and sent in
// one write, corked batches, close frames, and the closing of the socket itself.

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <caf/send.hpp>

#include "actors/messages.hpp"

namespace parley {

namespace {

uint16_t close_code(close_reason why) {
  switch (why) {
    case close_reason::normal:
    case close_reason::replaced:
      return ws::status::normal;
    case close_reason::auth_failed:
      return ws::status::policy_violation;
    case close_reason::shutdown:
      return ws::status::going_away;
    case close_reason::internal:
      return ws::status::internal_error;
  }
  return ws::status::normal;
}

} // namespace

// -- writing --------------------------------------------------------------------------

bool ws_connection::send(outgoing_frame frame) {
  thread_local std::string text;
  text.clear();
  json::encode(text, frame);
  int64_t receipt_seq = 0;
  if (auto* item = std::get_if<item_frame>(&frame); item && item->item.kind == item_kind::receipt)
    receipt_seq = item->item.seq;
  return enqueue(ws::opcode::text, text, receipt_seq);
}

void ws_connection::close(close_reason why) {
  enqueue_close(close_code(why));
}

bool ws_connection::enqueue(ws::opcode op, std::string_view payload, int64_t receipt_seq) {
  std::lock_guard<std::mutex> guard{out_mutex_};
  if (close_queued_)
    return false;
  if (!corked_ && !flush_posted_ && !in_flight_ && out_pending_.empty() && !socket_closed_) {
    // Nothing queued: write from this thread at once. A flush on the io_context for
    // every frame cost more than the write itself on this VM (docs/benchmarks.md).
    thread_local std::string frame;
    frame.clear();
    ws::append_frame(frame, op, payload);
    auto n = send_now(frame);
    if (n == frame.size())
      return true;
    // The kernel took part or nothing: the rest goes out through the Asio thread.
    out_pending_.assign(frame, n, std::string::npos);
  } else {
    ws::append_frame(out_pending_, op, payload);
  }
  if (receipt_seq != 0)
    receipts_pending_.push_back(receipt_seq);
  if (!corked_ && !flush_posted_ && !in_flight_) {
    post_flush_locked();
  }
  return false;
}

size_t ws_connection::send_now(std::string_view bytes) {
  auto n = ::send(socket_.native_handle(), bytes.data(), bytes.size(),
                  MSG_NOSIGNAL | MSG_DONTWAIT);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

void ws_connection::post_flush_locked() {
  flush_posted_ = true;
  boost::asio::post(socket_.get_executor(), [self = shared_from_this()] { self->flush(); });
}

void ws_connection::cork() {
  std::lock_guard<std::mutex> guard{out_mutex_};
  corked_ = true;
}

std::vector<int64_t> ws_connection::uncork() {
  std::vector<int64_t> written;
  std::lock_guard<std::mutex> guard{out_mutex_};
  corked_ = false;
  if (flush_posted_ || in_flight_ || out_pending_.empty())
    return written;  // the Asio thread writes them (a close or a slow socket came first)
  if (!socket_closed_) {
    auto n = send_now(out_pending_);
    if (n == out_pending_.size()) {
      std::string{}.swap(out_pending_);  // idle connections keep no write buffer
      written.swap(receipts_pending_);
      return written;
    }
    out_pending_.erase(0, n);
  }
  post_flush_locked();
  return written;
}

void ws_connection::enqueue_close(uint16_t code) {
  std::lock_guard<std::mutex> guard{out_mutex_};
  if (close_queued_)
    return;
  close_queued_ = true;
  ws::append_close(out_pending_, code);
  if (!flush_posted_ && !in_flight_) {
    post_flush_locked();
  }
}

void ws_connection::flush() {
  const std::string* bytes = nullptr;  // stays put until on_written
  {
    std::lock_guard<std::mutex> guard{out_mutex_};
    flush_posted_ = false;
    if (in_flight_ || out_pending_.empty())
      return;
    in_flight_ = std::make_unique<write_in_flight>();
    in_flight_->bytes.swap(out_pending_);
    in_flight_->receipts.swap(receipts_pending_);
    bytes = &in_flight_->bytes;
  }
  boost::asio::async_write(socket_, boost::asio::buffer(*bytes),
                           [self = shared_from_this()](boost::system::error_code ec, size_t) {
                             self->on_written(ec);
                           });
}

void ws_connection::on_written(boost::system::error_code ec) {
  bool more = false;
  bool done = false;
  std::vector<int64_t> written_receipts;
  {
    std::lock_guard<std::mutex> guard{out_mutex_};
    auto written = std::move(in_flight_);
    if (!ec)
      written_receipts.swap(written->receipts);
    more = !ec && !out_pending_.empty();
    done = ec || (close_queued_ && out_pending_.empty());
  }
  if (!written_receipts.empty() && session_)
    caf::anon_send(session_, written_atom_v, std::move(written_receipts));
  if (more) {
    flush();
    return;
  }
  if (done) {
    {
      std::lock_guard<std::mutex> guard{out_mutex_};
      close_socket_locked();
    }
    finish();
  }
}

void ws_connection::close_silent() {
  {
    std::lock_guard<std::mutex> guard{out_mutex_};
    if (!close_queued_ && !in_flight_ && !flush_posted_ && out_pending_.empty()
        && !socket_closed_) {
      std::string frame;
      ws::append_close(frame, ws::status::going_away);
      send_now(frame);
    }
    close_queued_ = true;
    close_socket_locked();
  }
  finish();
}

// Under out_mutex_: enqueue() may be writing to the descriptor from an actor thread, and
// a closed descriptor number can be reused by the next connection at once.
void ws_connection::close_socket_locked() {
  if (socket_closed_)
    return;
  socket_closed_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

} // namespace parley
