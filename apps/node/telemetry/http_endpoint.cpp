#include "http_endpoint.hpp"

#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace agora::node_app {

struct http_endpoint::impl {
  httplib::Server server;
  std::thread thread;
};

namespace {

void answer(httplib::Response& res, const std::optional<std::string>& body, const char* type) {
  if (body) {
    res.set_content(*body, type);
  } else {
    res.status = 503;
    res.set_content("the node cannot answer now\n", "text/plain");
  }
}

}  // namespace

http_endpoint::http_endpoint(const host_port& where, sources from) : impl_(std::make_unique<impl>()) {
  // A client gone while its answer is written must not end the process.
  ::signal(SIGPIPE, SIG_IGN);
  auto& s = impl_->server;
  s.set_payload_max_length(http_max_body_bytes);
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  s.set_keep_alive_max_count(100);
  // Decided before any body is read: the endpoints take GET only.
  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "GET" || req.method == "HEAD") return httplib::Server::HandlerResponse::Unhandled;
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
    res.set_header("Connection", "close");
    res.set_content("only GET: try /metrics or /status\n", "text/plain");
    return httplib::Server::HandlerResponse::Handled;
  });
  s.Get("/metrics", [f = from.metrics](const httplib::Request&, httplib::Response& res) {
    answer(res, f(), "text/plain; version=0.0.4; charset=utf-8");
  });
  s.Get("/status", [f = from.status](const httplib::Request&, httplib::Response& res) {
    answer(res, f(), "application/json");
  });
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) res.set_content(res.status == 404 ? "not found: try /metrics or /status\n" : "bad request\n",
                                          "text/plain");
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content("internal error\n", "text/plain");
  });
  int port = where.port;
  if (port == 0)
    port = s.bind_to_any_port(where.host);
  else if (!s.bind_to_port(where.host, port))
    port = -1;
  if (port <= 0) throw std::runtime_error("cannot listen on " + where.host + ":" + std::to_string(where.port));
  const bool v6 = where.host.find(':') != std::string::npos;
  address_ = (v6 ? "[" + where.host + "]" : where.host) + ":" + std::to_string(port);
  impl_->thread = std::thread([&s] { s.listen_after_bind(); });
  // stop() is lost on a server not yet listening: wait until it is.
  for (int i = 0; i < 5000 && !s.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

http_endpoint::~http_endpoint() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace agora::node_app
