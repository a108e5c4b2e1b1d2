#include "telemetry_topics.hpp"

#include "metric_set.hpp"

namespace agora::node_app::telemetry {

namespace {
std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }
std::int64_t node_id(std::uint64_t v) { return i64(v); }
}  // namespace

term status_fields(const node_sample& s) {
  std::vector<term> f;
  f.push_back(rec("incarnation", i64(s.incarnation)));
  f.push_back(rec("role", sym(s.role())));
  f.push_back(rec("uptime_ms", static_cast<std::int64_t>(s.uptime.count())));
  if (s.process.load1) f.push_back(rec("load", *s.process.load1));
  if (s.process.rss_bytes) f.push_back(rec("rss_bytes", i64(*s.process.rss_bytes)));
  f.push_back(rec("vms", i64(s.vms)));
  f.push_back(rec("actors", i64(s.ground.actors)));
  f.push_back(rec("endpoints", i64(s.ground.endpoints)));
  f.push_back(rec("links", i64(s.cluster.links.size())));
  f.push_back(rec("leader", i64(s.cluster.leader ? s.cluster.leader->id : 0)));
  f.push_back(rec("epoch", i64(s.cluster.leader ? s.cluster.leader->epoch : 0)));
  return term::sequence(std::move(f));
}

term status_message(const node_sample& s) { return status_topic(node_id(s.id), status_fields(s)); }

term metrics_message(const node_sample& s) { return metrics_topic(node_id(s.id), to_term(metrics_of(s))); }

term alert_message(std::uint64_t node, log_level level, std::string_view text) {
  return alert_topic(node_id(node), sym(to_string(level)), term::string(valid_utf8(text)));
}

term log_message(std::uint64_t node, log_level level, std::string_view text) {
  return log_topic(node_id(node), sym(to_string(level)), term::string(valid_utf8(text)));
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = len > 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) ok = (p[i + k] & 0xc0) == 0x80;
    if (ok && len > 1) {  // no overlong forms, surrogates or code points past U+10FFFF
      std::uint32_t cp = c & (0xff >> (len + 1));
      for (std::size_t k = 1; k < len; ++k) cp = cp << 6 | (p[i + k] & 0x3f);
      const std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= least[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    }
    if (ok && c != 0) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

}  // namespace agora::node_app::telemetry
