// ReemitComponents (runtime/store/reemit.h): re-emitting every component of
// a store into a new builder gives the same store (compared by content:
// dictionary codes and type indices may differ), and re-emitting some
// components followed by new lines gives those components as a full build
// of every line would.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/builder.h"
#include "runtime/store/profiles.h"
#include "runtime/store/reemit.h"

namespace aud::store {
namespace {

InputValue Int(const char* name, int64_t i) {
  InputValue v;
  v.name = name;
  v.kind = ValueKind::Int;
  v.i = i;
  return v;
}
InputValue Str(const char* name, const char* s) {
  InputValue v;
  v.name = name;
  v.kind = ValueKind::String;
  v.s = s;
  return v;
}
InputValue Null(const char* name) {
  InputValue v;
  v.name = name;
  v.is_null = true;
  return v;
}

// The concatenation of `parts` (appended: GCC 12 warns about some `+` chains).
template <typename... T>
std::string Cat(const T&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

// Feeds lines [from, to) of one fixed input to a builder (orders from
// `order_base`); returns the number of lines of the input.
size_t Feed(StoreBuilder* b, size_t from = 0, size_t to = SIZE_MAX, uint64_t order_base = 0) {
  uint64_t order = order_base;
  size_t line = 0;
  auto take = [&] {
    const size_t l = line++;
    return l >= from && l < to;
  };
  uint16_t buy = 0, view = 0, page = 0;
  EXPECT_TRUE(b->TypeIndex("track:Buy", &buy));
  EXPECT_TRUE(b->TypeIndex("track:View", &view));
  EXPECT_TRUE(b->TypeIndex("page", &page));
  for (int i = 0; i < 40; ++i) {
    const std::string u = Cat("u", std::to_string(i % 9)), a = Cat("a", std::to_string(i % 13));
    std::vector<InputValue> p = {Int("n", i), Str("sku", i % 3 ? "x" : "y")};
    if (i % 7 == 0) p.push_back(Int("rare", i));  // a sparse column
    if (take())
      b->AddEvent(buy, 1000 + (i % 5) * 10, ++order, i % 4 ? u : "", a, p.data(), p.size());
    std::vector<InputValue> t = {Str("plan", i % 2 ? "pro" : "free"), Null("gone")};
    if (take())
      b->AddIdentify(1000 + i, ++order, i % 3 ? u : "", i % 3 ? "" : a, t.data(), t.size());
    if (i % 11 == 0 && take()) b->AddAlias(1005 + i, ++order, Cat("p", std::to_string(i)), u, "");
    const std::string z = Cat("z", std::to_string(i % 17));
    if (take()) b->AddEvent(i % 2 ? view : page, 1000 + i, ++order, "", z, p.data(), 1);
  }
  // An alias whose previousId becomes a userId only later (a link with `until`).
  if (take()) b->AddAlias(900, ++order, "late", "u1", "");
  if (take()) b->AddEvent(buy, 2000, ++order, "late", "", nullptr, 0);
  // New lines linking two existing components and adding to a third.
  if (take()) b->AddIdentify(1500, ++order, "u2", "z3", nullptr, 0);
  std::vector<InputValue> p = {Int("n", 99)};
  if (take()) b->AddEvent(buy, 1020, ++order, "u5", "", p.data(), p.size());
  if (take()) b->AddAlias(1600, ++order, "u7", "u8", "");
  return line;
}

// A canonical text of a store's content, per component in store order.
// Trait records of one line (equal time and order) are in no particular
// order. With `ties_sorted`, events of equal time are sorted: when
// re-emission merges two components, their events of equal time keep the
// order of the components rather than the input order (docs/serve.md).
std::string Dump(const EventStore& s, bool ties_sorted = false) {
  std::string out;
  auto node = [&](uint32_t n) {
    return Cat(s.nodes[n].kind == IdKind::UserId ? "u:" : "a:", s.dict.Get(s.nodes[n].value));
  };
  for (uint32_t c = 0; c < s.num_components; ++c) {
    out += "component\n";
    std::vector<std::string> nodes;
    for (uint32_t k = s.component_node_offsets[c]; k < s.component_node_offsets[c + 1]; ++k)
      nodes.push_back(Cat(node(s.component_nodes[k]), "@",
                          std::to_string(s.nodes[s.component_nodes[k]].first_ts)));
    std::sort(nodes.begin(), nodes.end());
    for (const auto& n : nodes) out += Cat(" node ", n, "\n");
    std::vector<std::string> links;
    for (uint32_t k = s.component_link_offsets[c]; k < s.component_link_offsets[c + 1]; ++k) {
      const Link& l = s.links[k];
      std::string a = node(l.a), b = node(l.b);
      if (b < a) std::swap(a, b);
      links.push_back(Cat(a, "-", b, " ", std::to_string(l.ts), " ", std::to_string(l.until)));
    }
    std::sort(links.begin(), links.end());
    for (const auto& l : links) out += Cat(" link ", l, "\n");
    std::vector<std::string> traits;
    for (uint32_t k = s.component_trait_offsets[c]; k < s.component_trait_offsets[c + 1]; ++k) {
      const TraitRecord& r = s.traits[k];
      if (k > s.component_trait_offsets[c] &&
          (s.traits[k - 1].ts != r.ts || s.traits[k - 1].order != r.order)) {
        std::sort(traits.begin(), traits.end());
        for (const auto& t : traits) out += t;
        traits.clear();
      }
      traits.push_back(
          Cat(" trait ", node(r.node), " ", std::to_string(r.ts), " ", s.dict.Get(r.name),
              r.is_null ? " null" : "", " ", std::to_string(r.i), " ",
              r.kind == ValueKind::String && !r.is_null ? s.dict.Get(r.str) : std::string_view(),
              "\n"));
    }
    std::sort(traits.begin(), traits.end());
    for (const auto& t : traits) out += t;
    std::vector<std::string> tied;
    int64_t tied_ts = INT64_MIN;
    auto flush = [&] {
      if (ties_sorted) std::sort(tied.begin(), tied.end());
      for (const auto& t : tied) out += t;
      tied.clear();
    };
    for (uint64_t e = s.component_event_offsets[c]; e < s.component_event_offsets[c + 1]; ++e) {
      const EventType& t = s.types[s.type[e]];
      if (s.ts[e] != tied_ts) flush();
      tied_ts = s.ts[e];
      std::string line = Cat(" event ", t.key, " ", std::to_string(s.ts[e]), " ", node(s.node[e]));
      for (const Column& col : t.columns) {
        int64_t i = col.Index(s.row[e]);
        if (i < 0) continue;
        line += Cat(" ", s.dict.Get(col.name), "=");
        const auto at = static_cast<size_t>(i);
        if (col.kind == ValueKind::Int) line += std::to_string(col.ints[at]);
        if (col.kind == ValueKind::String) line += s.dict.Get(col.codes[at]);
      }
      tied.push_back(Cat(line, "\n"));
    }
    flush();
  }
  return out;
}

// Profile keys and their event counts at `as_of`.
std::string DumpProfiles(const EventStore& s, int64_t as_of) {
  Profiles p = BuildProfiles(s, as_of);
  std::string out;
  for (uint32_t i = 0; i < p.count; ++i)
    out += Cat(p.key[i], ":", std::to_string(p.event_offsets[i + 1] - p.event_offsets[i]), ":",
               std::to_string(p.trait_offsets[i + 1] - p.trait_offsets[i]), " ");
  return out;
}

TEST(StoreReemit, EveryComponentReproducesTheStore) {
  StoreBuilder b;
  Feed(&b);
  EventStore s = b.Finish();
  ASSERT_GT(s.num_components, 3u);
  std::vector<uint32_t> all;
  for (uint32_t c = 0; c < s.num_components; ++c) all.push_back(c);
  StoreBuilder again;
  std::string error;
  ASSERT_TRUE(ReemitComponents(s, all, &again, &error)) << error;
  EventStore r = again.Finish();
  EXPECT_EQ(r.num_events(), s.num_events());
  EXPECT_EQ(Dump(r), Dump(s));
  for (int64_t as_of : {950, 1010, 1020, 1045, 3000})
    EXPECT_EQ(DumpProfiles(r, as_of), DumpProfiles(s, as_of)) << as_of;
}

TEST(StoreReemit, ComponentsPlusNewLinesAsAFullBuild) {
  // The base holds every line but the last five; the new lines merge
  // components (an identify, an alias) and add an event that ties in time.
  StoreBuilder probe;
  const size_t lines = Feed(&probe);
  EventStore all = probe.Finish();
  StoreBuilder base_b;
  Feed(&base_b, 0, lines - 5);
  EventStore base = base_b.Finish();
  ASSERT_GT(base.num_components, all.num_components);
  std::vector<uint32_t> every;
  for (uint32_t c = 0; c < base.num_components; ++c) every.push_back(c);
  StoreBuilder next;
  std::string error;
  ASSERT_TRUE(ReemitComponents(base, every, &next, &error)) << error;
  Feed(&next, lines - 5, SIZE_MAX, uint64_t{1} << 40);
  EventStore merged = next.Finish();
  EXPECT_EQ(Dump(merged, true), Dump(all, true));
  for (int64_t as_of : {950, 1010, 1020, 1550, 3000})
    EXPECT_EQ(DumpProfiles(merged, as_of), DumpProfiles(all, as_of)) << as_of;

  // Only the components the new lines name, plus the new lines: the
  // profiles of those identities are as in the full build.
  std::vector<uint32_t> some;
  for (uint32_t n = 0; n < base.nodes.size(); ++n) {
    const std::string v(base.dict.Get(base.nodes[n].value));
    if (v == "u2" || v == "z3" || v == "u5" || v == "u7" || v == "u8" || v == "late")
      some.push_back(base.node_component[n]);
  }
  std::sort(some.begin(), some.end());
  some.erase(std::unique(some.begin(), some.end()), some.end());
  StoreBuilder small_b;
  ASSERT_TRUE(ReemitComponents(base, some, &small_b, &error)) << error;
  Feed(&small_b, lines - 5, SIZE_MAX, uint64_t{1} << 40);
  EventStore small = small_b.Finish();
  Profiles sp = BuildProfiles(small, 3000), ap = BuildProfiles(all, 3000);
  size_t compared = 0;
  for (uint32_t i = 0; i < sp.count; ++i)
    for (uint32_t j = 0; j < ap.count; ++j)
      if (ap.key[j] == sp.key[i]) {
        ++compared;
        EXPECT_EQ(sp.event_offsets[i + 1] - sp.event_offsets[i],
                  ap.event_offsets[j + 1] - ap.event_offsets[j])
            << sp.key[i];
        EXPECT_EQ(sp.trait_offsets[i + 1] - sp.trait_offsets[i],
                  ap.trait_offsets[j + 1] - ap.trait_offsets[j])
            << sp.key[i];
      }
  EXPECT_EQ(compared, sp.count) << "every small profile is a profile of the full build";
}

}  // namespace
}  // namespace aud::store
