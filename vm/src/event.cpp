#include "agora/event.hpp"

namespace agora {

std::string_view to_string(role r) noexcept {
  return r == role::publisher ? "publisher" : "subscriber";
}

std::string_view to_string(interest i) noexcept {
  switch (i) {
    case interest::participant: return "participant";
    case interest::observer: return "observer";
    case interest::everything: return "everything";
  }
  return "?";
}

std::string_view reason::kind() const noexcept {
  if (term_.is_symbol()) return term_.as_symbol();
  if (term_.is_record()) return term_.label();
  return {};
}

std::string_view reason::detail() const noexcept {
  if (term_.is_record() && term_.size() > 0 && term_[0].is_string())
    return term_[0].as_string();
  return {};
}

std::string reason::to_string() const { return term_.to_string(); }

const bindings& event_base::captures() const {
  if (!captures_) {
    captures_.emplace();
    match_into(*pattern_, topic_, *captures_);
  }
  return *captures_;
}

}  // namespace agora
