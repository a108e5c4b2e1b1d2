// answer_cache: the proxy's message cache, keyed by question (the name
// compared without case, type, class). Owned by one actor: no locking.
// Time comes in as an argument (steady_clock), so tests and simulations
// drive it. Rules for what is kept and for how long: cache_lifetime.hpp;
// how an answer is kept and served: encoded_answer.hpp.
//  - An entry is fresh for its lifetime from the moment it was stored:
//    stored_at <= now < stored_at + lifetime. After that, with
//    serve_stale, a positive or negative entry is served stale while
//    now <= expiry + max_stale (RFC 8767), every TTL at stale_ttl; a
//    SERVFAIL entry never is. An entry past all that is erased by find().
//  - Size: every entry costs its footprint (wire, TTL table, key, and the
//    containers' nodes); max_bytes is never exceeded once store()
//    returns: least recently used entries (find() uses) go first.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/cache_policy.hpp"
#include "cache/encoded_answer.hpp"
#include "codec/message.hpp"

namespace agora::dns {

using cache_clock = std::chrono::steady_clock;

/// One cached answer. Opaque: read it through answer_cache::render().
class cache_entry {
 public:
  cache_entry(std::string key, encoded_answer answer, answer_kind kind, cache_clock::time_point stored_at,
              std::uint32_t lifetime);
  answer_kind kind() const noexcept { return kind_; }
  cache_clock::time_point stored_at() const noexcept { return stored_at_; }
  cache_clock::time_point expires_at() const noexcept { return expires_at_; }

 private:
  friend class answer_cache;
  std::string key_;  // canonical name wire + type + class; the map's key views it
  encoded_answer answer_;
  answer_kind kind_;
  cache_clock::time_point stored_at_, expires_at_;
  std::size_t bytes_ = 0;  // what it counts against max_bytes
};

/// A found entry. Valid until the next store, store_servfail, find or erase.
struct cache_hit {
  const cache_entry* entry = nullptr;
  bool stale = false;
  answer_kind kind = answer_kind::positive;
};

class answer_cache {
 public:
  using time_point = cache_clock::time_point;

  struct counters {
    std::uint64_t stored = 0;      // store() and store_servfail() calls that kept an entry
    std::uint64_t hits = 0;        // fresh finds
    std::uint64_t stale_hits = 0;  // stale finds (serve_stale)
    std::uint64_t misses = 0;      // finds with nothing to serve
    std::uint64_t expired = 0;     // entries dropped because they were past serving
    std::uint64_t evicted = 0;     // entries dropped, still servable, to make room
  };

  explicit answer_cache(cache_policy policy = {});

  /// Stores the upstream reply to q (checked and scrubbed by the caller),
  /// replacing any entry for q; returns the kind stored, or nullopt if the
  /// reply is not cached (then an existing entry stays as it was).
  std::optional<answer_kind> store(const question& q, const message& reply, time_point now);
  /// A SERVFAIL for q, kept servfail_ttl (RFC 9520); false if not stored:
  /// servfail_ttl 0, or an entry find() would still serve (fresh, or
  /// stale within the window) is there.
  bool store_servfail(const question& q, time_point now);
  /// The entry for q, fresh or stale; marks it recently used.
  std::optional<cache_hit> find(const question& q, time_point now);
  /// Writes into `out` the reply to `query` (whose one question is the
  /// hit's, any case: std::invalid_argument otherwise) from `hit`: see
  /// encoded_answer::write; TTLs counted down by the whole seconds since
  /// the entry was stored, or stale_ttl when the hit is stale.
  void render(const cache_hit& hit, const message& query, time_point now, std::size_t max_size,
              std::vector<std::byte>& out) const;
  bool erase(const question& q);

  std::size_t entries() const noexcept { return map_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }
  const counters& stats() const noexcept { return counters_; }
  const cache_policy& policy() const noexcept { return policy_; }

 private:
  using lru_list = std::list<cache_entry>;  // front: most recently used

  /// Fills key_buffer_ with q's key (no allocation once it has grown).
  const std::string& key_of(const question& q);
  bool servable(const cache_entry& e, time_point now) const noexcept;
  /// Replaces any entry with the same key, after making room.
  void insert(cache_entry entry, time_point now);
  void drop(lru_list::iterator it);
  /// Drops least recently used entries until `incoming` more bytes fit.
  void make_room(std::size_t incoming, time_point now);

  cache_policy policy_;
  lru_list lru_;
  // Keys view the entries' key_ (list nodes do not move), so a lookup
  // with key_buffer_ allocates nothing.
  std::unordered_map<std::string_view, lru_list::iterator> map_;
  std::size_t bytes_ = 0;
  counters counters_;
  std::string key_buffer_;
};

}  // namespace agora::dns
