#include "runtime/worker_multiplexer.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include <boost/asio/post.hpp>

namespace parley {

namespace {

// Rounds of one pump before it yields to the actors (each round handles up to 64 ready
// sockets): the rest is pumped next time the worker polls its io_context.
constexpr int rounds_per_pump = 4;

std::string link_of(const std::filesystem::path& p) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink(p, ec);
  return ec ? std::string{} : target.string();
}

} // namespace

namespace {

std::vector<int> epoll_fds() {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec))
    if (link_of(entry.path()) == "anon_inode:[eventpoll]")
      out.push_back(std::stoi(entry.path().filename().string()));
  return out;
}

bool watches_a_pipe(int epoll_fd) {
  std::ifstream info{"/proc/self/fdinfo/" + std::to_string(epoll_fd)};
  std::string word;
  while (info >> word) {
    if (word != "tfd:")
      continue;
    std::string target;
    info >> target;
    if (link_of("/proc/self/fd/" + target).rfind("pipe:", 0) == 0)
      return true;
  }
  return false;
}

} // namespace

std::vector<int> epoll_fds_watching_a_pipe(const std::vector<int>& before) {
  std::vector<int> out;
  for (auto fd : epoll_fds())
    if (std::find(before.begin(), before.end(), fd) == before.end() && watches_a_pipe(fd))
      out.push_back(fd);
  return out;
}

epoll_fds_before::epoll_fds_before() : fds(epoll_fds()) {}

worker_multiplexer::worker_multiplexer(caf::actor_system* sys) : default_multiplexer(sys) {
  auto made = epoll_fds_watching_a_pipe(fds);
  if (made.size() == 1)
    epoll_fd_ = made.front();
}

worker_multiplexer::~worker_multiplexer() {
  // Handed over before the actor system stops (the io_context may be gone by now, and
  // a descriptor would deregister from it): never expected here.
  if (watched_)
    (void)watched_.release();
}

void worker_multiplexer::exec_later(caf::resumable* job) {
  if (std::this_thread::get_id() == thread_id())
    posted_ = true;
  default_multiplexer::exec_later(job);
}

caf::io::scribe_ptr worker_multiplexer::new_scribe(caf::io::network::native_socket fd) {
  // As CAF's own: a peer that vanishes without a word is noticed by the kernel too.
  caf::io::network::keepalive(fd, true);
  return caf::make_counted<batched_scribe>(*this, fd);
}

bool worker_multiplexer::batching_writes() const {
  return io_ != nullptr && std::this_thread::get_id() == thread_id();
}

void worker_multiplexer::send_later(batched_scribe* scribe) {
  to_send_.emplace_back(scribe);
  // A flush outside a pump (CAF may dispatch inline) waits for the next one: have it run.
  if (!pumping_)
    posted_ = true;
}

void worker_multiplexer::send_batched() {
  if (to_send_.empty())
    return;
  // A send may close a connection, whose broker then writes no more this round.
  auto batch = std::move(to_send_);
  to_send_.clear();
  for (auto& scribe : batch)
    scribe->send_now();
  // What a send left to CAF's path registered write interest, which CAF only queues
  // (its loop applies the queue after the events of a poll): applied now, or the rest
  // would wait for the next unrelated event.
  handle_internal_events();
}

void worker_multiplexer::pump() {
  if (!io_)
    return;  // handed over: a pump still queued in the io_context is not ours to run
  // Watched first: what becomes ready while we poll wakes us again.
  if (!armed_)
    watch();
  bool busy = false;
  pumping_ = true;
  for (int round = 0; round < rounds_per_pump; ++round) {
    posted_ = false;
    busy = poll_once(false) || posted_;
    send_batched();
    if (!busy)
      break;
  }
  pumping_ = false;
  if (busy)
    boost::asio::post(*io_, [this] { pump(); });
}

void worker_multiplexer::watch() {
  armed_ = true;
  watched_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this](const boost::system::error_code& ec) {
                         armed_ = false;
                         if (!ec)
                           pump();
                       });
}

bool worker_multiplexer::start_on(boost::asio::io_context& io) {
  if (epoll_fd_ < 0)
    return false;
  auto own = ::dup(epoll_fd_);
  if (own < 0)
    return false;
  boost::system::error_code ec;
  auto watched = std::make_unique<boost::asio::posix::stream_descriptor>(io);
  watched->assign(own, ec);
  if (ec) {
    ::close(own);
    return false;
  }
  watched_ = std::move(watched);
  io_ = &io;
  // Last: from here on jobs queued on this thread wait for our pump. (thread_id is a
  // plain field that other threads read in exec_later while we write it; a thread only
  // ever compares it with its own id, which it cannot be, before or after.)
  thread_id(std::this_thread::get_id());
  pump();
  return true;
}

void worker_multiplexer::hand_over(std::thread::id next) {
  send_batched();
  if (watched_) {
    boost::system::error_code ignored;
    watched_->cancel(ignored);
    watched_->close(ignored);
    watched_.reset();
  }
  io_ = nullptr;
  thread_id(next);
}

} // namespace parley
