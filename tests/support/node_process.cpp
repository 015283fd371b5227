#include "tests/support/node_process.hpp"

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace parley::testing {

namespace {

// Waits for `pid` to exit within `timeout`. Returns the wait status, or nothing.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    auto r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return status;
    if (r < 0)
      return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
}

pid_t spawn(const std::vector<std::string>& args, int stdout_fd, int stderr_fd) {
  // PARLEY_TEST_NODE_WRAPPER="gdb -batch -ex run -ex bt --args" runs nodes under a
  // debugger (its output lands in the node's log).
  std::vector<std::string> copy;
  if (const char* wrapper = std::getenv("PARLEY_TEST_NODE_WRAPPER")) {
    std::istringstream words{wrapper};
    for (std::string w; words >> w;)
      copy.push_back(w);
  }
  copy.push_back(node_binary());
  copy.insert(copy.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  auto program = copy.front();
  if (program.find('/') == std::string::npos)
    program = "/usr/bin/" + program;
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    // A test process that crashes runs no destructor: the kernel then kills its nodes.
    // (Sent when the forking thread ends; tests start nodes from their main thread.)
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(127);
    dup2(stdout_fd, STDOUT_FILENO);
    dup2(stderr_fd, STDERR_FILENO);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

} // namespace

std::string node_binary() {
  return PARLEY_NODE_BINARY;
}

node_process::node_process(options opts) : opts_(std::move(opts)) {
  start();
}

node_process::~node_process() {
  if (pid_ > 0)
    kill9();
}

void node_process::start() {
  ++starts_;
  auto stem = opts_.id + "-" + std::to_string(starts_) + "-" + std::to_string(getpid());
  log_file_ = opts_.data.parent_path() / (stem + ".log");
  auto out_file = opts_.data.parent_path() / (stem + ".out");
  // stdout goes to a file too: the node (or a debugger wrapping it) may write after
  // `ready`, and a closed pipe would kill it.
  int out_fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err_fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  auto port_flag = [&](const char* name, uint16_t known) {
    auto port = opts_.keep_ports && starts_ > 1 ? known : 0;
    return std::string{"--"} + name + "=127.0.0.1:" + std::to_string(port);
  };
  std::vector<std::string> args{"--id=" + opts_.id, "--data=" + opts_.data.string(),
                                port_flag("client", client_port_),
                                port_flag("admin", admin_port_),
                                port_flag("cluster", cluster_port_)};
  args.insert(args.end(), opts_.extra_flags.begin(), opts_.extra_flags.end());
  pid_ = spawn(args, out_fd, err_fd);
  ::close(out_fd);
  ::close(err_fd);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{15};
  bool ready = false;
  while (!ready && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
    std::ifstream in{out_file};
    for (std::string line; std::getline(in, line);) {
      auto port = [&]() { return static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1))); };
      if (line.rfind("listening client=", 0) == 0)
        client_port_ = port();
      else if (line.rfind("listening admin=", 0) == 0)
        admin_port_ = port();
      else if (line.rfind("listening cluster=", 0) == 0)
        cluster_port_ = port();
      else if (line == "ready")
        ready = true;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
  }
  if (!ready) {
    kill9();
    throw std::runtime_error("parley-node did not become ready; log:\n" + log());
  }
}

int node_process::terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, SIGTERM);
  auto status = wait_for_exit(pid_, timeout);
  if (!status) {
    kill9();
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

void node_process::kill9() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  wait_for_exit(pid_, std::chrono::seconds{10});
  pid_ = -1;
}

void node_process::restart() {
  if (pid_ > 0)
    kill9();
  start();
}

std::string node_process::cluster_address() const {
  return "127.0.0.1:" + std::to_string(cluster_port_);
}

std::string node_process::client_url() const {
  return "ws://127.0.0.1:" + std::to_string(client_port_) + "/v1/ws";
}

std::string node_process::log() const {
  std::ifstream in{log_file_};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string node_process::output() const {
  auto out_file = log_file_;
  out_file.replace_extension(".out");
  std::ifstream in{out_file};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::pair<int, std::string> run_node_once(const std::vector<std::string>& args,
                                          std::chrono::milliseconds timeout) {
  char path[] = "/tmp/parley-run-XXXXXX";
  int fd = mkstemp(path);
  int devnull = ::open("/dev/null", O_WRONLY);
  auto pid = spawn(args, devnull, fd);
  ::close(devnull);
  ::close(fd);
  auto status = wait_for_exit(pid, timeout);
  if (!status) {
    ::kill(pid, SIGKILL);
    wait_for_exit(pid, std::chrono::seconds{5});
  }
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  ::unlink(path);
  int code = status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  return {code, ss.str()};
}

} // namespace parley::testing
