// eval::TraitValues: the profile store needs each member's current traits.
// Reuses bind.cpp's ResolveTraits so the values are exactly the ones the
// evaluator reads; only the trait table of the binding is filled (the rest of
// Bind — props, constants, imported lists — is not needed for traits).

#include "runtime/eval/bound.h"
#include "runtime/eval/eval.h"

namespace aud::eval {

std::vector<Column> TraitValues(const ir::Program& program, const store::EventStore& store,
                                const store::Profiles& profiles,
                                const std::vector<uint32_t>& which) {
  Bound b(program, store);
  for (size_t t = 0; t < program.traits.size(); ++t) {
    uint32_t code = store.dict.Find(program.traits[t].name);
    if (code != UINT32_MAX) b.trait_by_name[code] = static_cast<uint32_t>(t);
  }
  const auto n = static_cast<uint32_t>(which.size());
  std::vector<Column> out(program.traits.size());
  for (size_t t = 0; t < out.size(); ++t) {
    Column& c = out[t];
    c.type = program.traits[t].type;
    c.valid.Resize(n);
    switch (c.type) {
      case ir::Type::Float: c.floats.assign(n, 0); break;
      case ir::Type::String: c.strings.assign(n, {}); break;
      default: c.ints.assign(n, 0); break;
    }
  }
  std::vector<Value> traits;
  for (uint32_t k = 0; k < n; ++k) {
    if (which[k] >= profiles.count) continue;
    ResolveTraits(b, profiles, which[k], traits);
    for (size_t t = 0; t < out.size(); ++t) {
      const Value& v = traits[t];
      if (!v.present) continue;
      Column& c = out[t];
      switch (c.type) {
        case ir::Type::Float: c.floats[k] = v.f; break;
        case ir::Type::String: c.strings[k] = std::string(v.s); break;
        case ir::Type::Duration: continue;  // traits are never durations
        default: c.ints[k] = v.i; break;
      }
      c.valid.Set(k);
    }
  }
  return out;
}

}  // namespace aud::eval
