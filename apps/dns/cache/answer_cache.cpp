// answer_cache: a hash map over an LRU list of entries, sizes counted in
// bytes, expiry checked on find.
#include "cache/answer_cache.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "cache/cache_lifetime.hpp"

namespace agora::dns {

namespace {

constexpr std::uint8_t lower(std::uint8_t c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<std::uint8_t>(c + ('a' - 'A')) : c;
}

// What an entry costs besides its own object and the heap blocks it
// holds: the list node's links, the map node (next, key view, iterator,
// cached hash), a bucket, and the allocator's header on each node.
constexpr std::size_t node_overhead = 2 * sizeof(void*) + sizeof(void*) + sizeof(std::string_view) +
                                      sizeof(void*) + sizeof(std::size_t) + sizeof(void*) + 2 * 16;

std::size_t heap_of(const std::string& s) {
  return s.capacity() > std::string().capacity() ? s.capacity() + 1 : 0;  // beyond the small-string buffer
}

}  // namespace

cache_entry::cache_entry(std::string key, encoded_answer answer, answer_kind kind,
                         cache_clock::time_point stored_at, std::uint32_t lifetime)
    : key_(std::move(key)),
      answer_(std::move(answer)),
      kind_(kind),
      stored_at_(stored_at),
      expires_at_(stored_at + std::chrono::seconds(lifetime)) {
  bytes_ = sizeof(cache_entry) - sizeof(encoded_answer) + answer_.footprint() + heap_of(key_) + node_overhead;
}

answer_cache::answer_cache(cache_policy policy) : policy_(policy) {}

const std::string& answer_cache::key_of(const question& q) {
  key_buffer_.clear();
  for (std::uint8_t c : q.qname.wire()) key_buffer_.push_back(static_cast<char>(lower(c)));
  for (auto v : {static_cast<std::uint16_t>(q.qtype), static_cast<std::uint16_t>(q.qclass)}) {
    key_buffer_.push_back(static_cast<char>(v >> 8));
    key_buffer_.push_back(static_cast<char>(v & 0xff));
  }
  return key_buffer_;
}

bool answer_cache::servable(const cache_entry& e, time_point now) const noexcept {
  if (now < e.expires_at_) return true;
  return policy_.serve_stale && e.kind_ != answer_kind::servfail &&
         now - e.expires_at_ <= std::chrono::seconds(policy_.max_stale);
}

std::optional<answer_kind> answer_cache::store(const question& q, const message& reply, time_point now) {
  auto life = lifetime_of(reply, policy_);
  if (!life) return std::nullopt;
  std::optional<encoded_answer> answer;
  try {
    answer.emplace(q, reply, life->record_ttls);
  } catch (const std::invalid_argument&) {
    return std::nullopt;  // records the codec cannot write (or over 64 KiB): not cached
  }
  cache_entry entry(key_of(q), std::move(*answer), life->kind, now, life->seconds);
  if (entry.bytes_ > policy_.max_bytes) return std::nullopt;
  insert(std::move(entry), now);
  return life->kind;
}

bool answer_cache::store_servfail(const question& q, time_point now) {
  if (policy_.servfail_ttl == 0) return false;
  if (auto found = map_.find(key_of(q)); found != map_.end()) {
    const cache_entry& e = *found->second;
    if (e.kind_ != answer_kind::servfail && servable(e, now)) return false;
  }
  cache_entry entry(key_buffer_, encoded_answer(q, rcode::servfail), answer_kind::servfail, now,
                    policy_.servfail_ttl);
  if (entry.bytes_ > policy_.max_bytes) return false;
  insert(std::move(entry), now);
  return true;
}

void answer_cache::insert(cache_entry entry, time_point now) {
  if (auto found = map_.find(entry.key_); found != map_.end()) drop(found->second);
  make_room(entry.bytes_, now);
  bytes_ += entry.bytes_;
  lru_.push_front(std::move(entry));
  map_.emplace(std::string_view(lru_.front().key_), lru_.begin());
  ++counters_.stored;
}

void answer_cache::drop(lru_list::iterator it) {
  bytes_ -= it->bytes_;
  map_.erase(std::string_view(it->key_));
  lru_.erase(it);
}

void answer_cache::make_room(std::size_t incoming, time_point now) {
  // Each step drops one entry: at most entries() steps.
  while (!lru_.empty() && bytes_ + incoming > policy_.max_bytes) {
    auto last = std::prev(lru_.end());
    ++(servable(*last, now) ? counters_.evicted : counters_.expired);
    drop(last);
  }
}

std::optional<cache_hit> answer_cache::find(const question& q, time_point now) {
  const auto found = map_.find(key_of(q));
  if (found == map_.end()) {
    ++counters_.misses;
    return std::nullopt;
  }
  const auto it = found->second;
  const bool fresh = now < it->expires_at_;
  if (!fresh && !servable(*it, now)) {
    drop(it);
    ++counters_.expired;
    ++counters_.misses;
    return std::nullopt;
  }
  ++(fresh ? counters_.hits : counters_.stale_hits);
  lru_.splice(lru_.begin(), lru_, it);
  return cache_hit{&*it, !fresh, it->kind_};
}

void answer_cache::render(const cache_hit& hit, const message& query, time_point now, std::size_t max_size,
                          std::vector<std::byte>& out) const {
  const cache_entry& e = *hit.entry;
  if (query.questions.size() != 1)
    throw std::invalid_argument("render: the query must have one question");
  const auto qname = query.questions[0].qname.wire();
  if (e.key_.size() != qname.size() + 4 ||
      !std::equal(qname.begin(), qname.end(), e.key_.begin(),
                  [](std::uint8_t a, char b) { return lower(a) == static_cast<std::uint8_t>(b); }))
    throw std::invalid_argument("render: the query's question is not the cached answer's");
  ttl_clock clock;
  if (now > e.stored_at_) {
    const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - e.stored_at_).count();
    clock.elapsed = static_cast<std::uint32_t>(
        std::min<std::int64_t>(elapsed, std::numeric_limits<std::uint32_t>::max()));
  }
  clock.stale = hit.stale;
  clock.stale_ttl = policy_.stale_ttl;
  e.answer_.write(query, clock, max_size, out);
}

bool answer_cache::erase(const question& q) {
  const auto found = map_.find(key_of(q));
  if (found == map_.end()) return false;
  drop(found->second);
  return true;
}

}  // namespace agora::dns
