// The executors' way into an agora::vm (its public header keeps the core to
// itself): the core of a vm, and a vm around a core another executor runs.
#pragma once

#include <memory>

#include "agora/vm.hpp"
#include "vm_core.hpp"

namespace agora::detail {

struct vm_access {
  static vm_core& core(agora::vm& v) noexcept { return v.core(); }
  static std::unique_ptr<agora::vm> wrap(std::unique_ptr<vm_core> core) {
    return std::unique_ptr<agora::vm>(new agora::vm(std::move(core)));
  }
};

}  // namespace agora::detail
