#pragma once

// The io thread of a load driver: its io_context, kept running until stop(), and the
// way the main thread talks to it (call: run a function there, get its result through a
// future), so no driver state is shared between threads.

#include <future>
#include <memory>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace parley::bench {

class io_runner {
public:
  io_runner() : work_(io_.get_executor()) {}
  io_runner(const io_runner&) = delete;
  io_runner& operator=(const io_runner&) = delete;
  ~io_runner() { stop(); }

  void start() {
    thread_ = std::thread{[this] { io_.run(); }};
  }

  /// Stops the io thread; what is still queued is dropped.
  void stop() {
    if (!thread_.joinable())
      return;
    work_.reset();
    io_.stop();
    thread_.join();
  }

protected:
  template <class F>
  auto call(F f) -> std::future<decltype(f())> {
    auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
    auto result = task->get_future();
    boost::asio::post(io_, [task] { (*task)(); });
    return result;
  }

  boost::asio::io_context io_;

private:
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

} // namespace parley::bench
