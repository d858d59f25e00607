#pragma once
// The C type of each builtin helper (abi.h, "Builtin helpers"), derived from
// its registry row (stdlib/builtins.def) exactly as codegen derives the LLVM
// declaration: (ctx, th, one argument per parameter) returning the result,
// or, for a string result, void with a trailing AudStr* out.

#include <type_traits>

#include "compiler/codegen/abi.h"
#include "stdlib/builtins.h"

namespace aud::jit {

// The C type of a value of registry type V (Number is passed widened: double).
template <stdlib::Val V>
using AbiType = std::conditional_t<
    V == stdlib::Val::String, const AudStr*,
    std::conditional_t<V == stdlib::Val::Float || V == stdlib::Val::Number, double,
                       std::conditional_t<V == stdlib::Val::Bool, uint8_t, int64_t>>>;

namespace detail {

template <stdlib::Builtin B, typename Ret, typename... Args>
struct WithResult {
  using type = Ret (*)(const AudCtx*, AudThread*, Args...);
};
template <stdlib::Builtin B, typename... Args>
struct WithResult<B, AudStr*, Args...> {
  using type = void (*)(const AudCtx*, AudThread*, Args..., AudStr*);
};

template <stdlib::Builtin B, int N = stdlib::ParamCount(stdlib::Info(B))>
struct Helper;
template <stdlib::Builtin B>
struct Helper<B, 0> {
  using type =
      typename WithResult<B, std::conditional_t<stdlib::Info(B).result == stdlib::Val::String,
                                                AudStr*, AbiType<stdlib::Info(B).result>>>::type;
};
template <stdlib::Builtin B>
struct Helper<B, 1> {
  using type = typename WithResult<B,
                                   std::conditional_t<stdlib::Info(B).result == stdlib::Val::String,
                                                      AudStr*, AbiType<stdlib::Info(B).result>>,
                                   AbiType<stdlib::Info(B).params[0]>>::type;
};
template <stdlib::Builtin B>
struct Helper<B, 2> {
  using type = typename WithResult<B,
                                   std::conditional_t<stdlib::Info(B).result == stdlib::Val::String,
                                                      AudStr*, AbiType<stdlib::Info(B).result>>,
                                   AbiType<stdlib::Info(B).params[0]>,
                                   AbiType<stdlib::Info(B).params[1]>>::type;
};

}  // namespace detail

// The function pointer type of builtin B's helper.
template <stdlib::Builtin B>
using HelperFn = typename detail::Helper<B>::type;

// `fn` as an address for the JIT's symbol table; only a function of exactly
// the type the registry row implies converts (a wrong helper does not compile).
template <stdlib::Builtin B>
void* HelperAddress(HelperFn<B> fn) {
  return reinterpret_cast<void*>(fn);
}

}  // namespace aud::jit
