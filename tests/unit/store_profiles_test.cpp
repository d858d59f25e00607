// The store (runtime/store): identity stitching over all links, the layout
// by component and time, and profiles at as_of (docs/reference/language.md §5,
// docs/runtime.md): separate id namespaces, alias resolution and chains,
// splitting of a component at an earlier as_of, events/links/traits after
// as_of ignored, profile existence, keys and orderings.

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "compiler/parse/parse.h"
#include "runtime/store/builder.h"
#include "runtime/store/cache.h"
#include "runtime/store/profiles.h"

namespace aud::store {
namespace {

int64_t T(const char* text) {
  int64_t ms = 0;
  EXPECT_TRUE(parse::ParseTime(text, &ms)) << text;
  return ms;
}

// Feeds a StoreBuilder in input order.
class Input {
 public:
  void Event(const char* type, const char* ts, const char* user, const char* anon,
             std::vector<InputValue> props = {}) {
    uint16_t t = 0;
    EXPECT_TRUE(b_.TypeIndex(type, &t));
    b_.AddEvent(t, T(ts), ++order_, user, anon, props.data(), props.size());
  }
  void Identify(const char* ts, const char* user, const char* anon,
                std::vector<InputValue> traits = {}) {
    b_.AddIdentify(T(ts), ++order_, user, anon, traits.data(), traits.size());
  }
  void Alias(const char* ts, const char* previous, const char* user, const char* anon = "") {
    b_.AddAlias(T(ts), ++order_, previous, user, anon);
  }
  EventStore Finish() {
    EventStore s = b_.Finish();
    std::string why;
    EXPECT_TRUE(ValidateStore(s, &why)) << why;
    return s;
  }

 private:
  StoreBuilder b_;
  uint64_t order_ = 0;
};

InputValue Str(const char* name, const char* v) {
  InputValue x;
  x.name = name;
  x.kind = ValueKind::String;
  x.s = v;
  return x;
}
InputValue Int(const char* name, int64_t v) {
  InputValue x;
  x.name = name;
  x.kind = ValueKind::Int;
  x.i = v;
  return x;
}
InputValue Null(const char* name) {
  InputValue x;
  x.name = name;
  x.is_null = true;
  return x;
}

// A readable summary of one profile: "key | users | anons | events".
struct View {
  std::string key;
  std::vector<std::string> users, anons;
  std::vector<int64_t> event_ts;
  std::vector<std::string> event_types;
};

std::vector<View> Views(const EventStore& s, const Profiles& p) {
  std::vector<View> out;
  for (uint32_t i = 0; i < p.count; ++i) {
    View v;
    v.key = p.key[i];
    for (uint32_t k = p.user_id_offsets[i]; k < p.user_id_offsets[i + 1]; ++k) {
      v.users.emplace_back(s.dict.Get(p.user_ids[k]));
    }
    for (uint32_t k = p.anonymous_id_offsets[i]; k < p.anonymous_id_offsets[i + 1]; ++k) {
      v.anons.emplace_back(s.dict.Get(p.anonymous_ids[k]));
    }
    for (uint64_t k = p.event_offsets[i]; k < p.event_offsets[i + 1]; ++k) {
      v.event_ts.push_back(s.ts[p.events[k]]);
      v.event_types.push_back(s.types[s.type[p.events[k]]].key);
    }
    out.push_back(v);
  }
  return out;
}

using Strs = std::vector<std::string>;

TEST(StoreProfiles, AnEventWithBothIdsLinksThem) {
  Input in;
  in.Event("page", "2026-01-01T00:00:00Z", "", "a1");
  in.Event("track:Order Completed", "2026-01-02T00:00:00Z", "u1", "a1");
  in.Event("page", "2026-01-03T00:00:00Z", "", "a2");
  EventStore s = in.Finish();
  EXPECT_EQ(s.num_components, 2u);
  auto v = Views(s, BuildProfiles(s, T("2026-02-01T00:00:00Z")));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].key, "a2");
  EXPECT_EQ(v[1].key, "u1");
  EXPECT_EQ(v[1].users, Strs({"u1"}));
  EXPECT_EQ(v[1].anons, Strs({"a1"}));
  EXPECT_EQ(v[1].event_types, Strs({"page", "track:Order Completed"}));
}

TEST(StoreProfiles, UserIdAndAnonymousIdAreSeparateNamespaces) {
  Input in;
  in.Event("page", "2026-01-01T00:00:00Z", "x", "");
  in.Event("page", "2026-01-01T00:00:00Z", "", "x");
  EventStore s = in.Finish();
  ASSERT_EQ(s.nodes.size(), 2u);
  Profiles p = BuildProfiles(s, T("2026-02-01T00:00:00Z"));
  auto v = Views(s, p);
  ASSERT_EQ(v.size(), 2u);
  // Equal keys: the userId-keyed profile first.
  EXPECT_EQ(v[0].key, "x");
  EXPECT_EQ(v[0].users, Strs({"x"}));
  EXPECT_TRUE(v[0].anons.empty());
  EXPECT_EQ(v[1].key, "x");
  EXPECT_TRUE(v[1].users.empty());
  EXPECT_EQ(v[1].anons, Strs({"x"}));
}

TEST(StoreProfiles, AliasChainsThroughUserIds) {
  Input in;
  in.Event("page", "2026-01-01T00:00:00Z", "", "anon-1");
  // anon-1 is no userId anywhere: an anonymousId node.
  in.Alias("2026-01-02T00:00:00Z", "anon-1", "u-old");
  // u-old is a userId (of the alias above): the chain continues.
  in.Alias("2026-01-03T00:00:00Z", "u-old", "u-new");
  in.Event("page", "2026-01-04T00:00:00Z", "u-new", "");
  in.Event("page", "2026-01-04T00:00:00Z", "unrelated", "");
  EventStore s = in.Finish();
  auto v = Views(s, BuildProfiles(s, T("2026-02-01T00:00:00Z")));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].key, "u-new");
  EXPECT_EQ(v[0].users, Strs({"u-new", "u-old"}));
  EXPECT_EQ(v[0].anons, Strs({"anon-1"}));
  EXPECT_EQ(v[0].event_ts.size(), 2u);
  EXPECT_EQ(v[1].key, "unrelated");
  // Before the second alias: two profiles of that chain.
  v = Views(s, BuildProfiles(s, T("2026-01-02T12:00:00Z")));
  ASSERT_EQ(v.size(), 1u);  // u-new and unrelated have no line yet
  EXPECT_EQ(v[0].key, "u-old");
  EXPECT_EQ(v[0].anons, Strs({"anon-1"}));
}

TEST(StoreProfiles, AliasPreviousIdResolvesAtAsOf) {
  Input in;
  // At the alias, `p` is no userId yet: it links the anonymousId `p` ...
  in.Event("page", "2026-01-01T00:00:00Z", "", "p");
  in.Alias("2026-01-02T00:00:00Z", "p", "u");
  // ... until a line uses `p` as a userId: from then on the userId `p`.
  in.Event("page", "2026-01-05T00:00:00Z", "p", "");
  EventStore s = in.Finish();
  EXPECT_EQ(s.num_components, 1u);
  auto v = Views(s, BuildProfiles(s, T("2026-01-03T00:00:00Z")));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].key, "u");
  EXPECT_EQ(v[0].users, Strs({"u"}));
  EXPECT_EQ(v[0].anons, Strs({"p"}));
  v = Views(s, BuildProfiles(s, T("2026-01-06T00:00:00Z")));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].key, "p");
  EXPECT_EQ(v[0].users, Strs({"p", "u"}));
  EXPECT_TRUE(v[0].anons.empty());
  EXPECT_EQ(v[0].event_ts, std::vector<int64_t>({T("2026-01-05T00:00:00Z")}));
  EXPECT_EQ(v[1].key, "p");  // the anonymousId p, on its own again
  EXPECT_TRUE(v[1].users.empty());
  EXPECT_EQ(v[1].event_ts, std::vector<int64_t>({T("2026-01-01T00:00:00Z")}));
}

TEST(StoreProfiles, AliasToAKnownUserIdLinksItFromTheStart) {
  Input in;
  in.Event("page", "2026-01-01T00:00:00Z", "old", "");
  in.Alias("2026-01-02T00:00:00Z", "old", "new");
  EventStore s = in.Finish();
  auto v = Views(s, BuildProfiles(s, T("2026-01-03T00:00:00Z")));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].key, "new");
  EXPECT_EQ(v[0].users, Strs({"new", "old"}));
  EXPECT_TRUE(v[0].anons.empty());
}

TEST(StoreProfiles, ComponentSplitsAtAnEarlierAsOf) {
  Input in;
  in.Event("page", "2026-01-01T00:00:00Z", "", "a");
  in.Event("page", "2026-01-02T00:00:00Z", "", "b");
  in.Identify("2026-01-10T00:00:00Z", "u", "a");
  in.Identify("2026-01-20T00:00:00Z", "u", "b");
  in.Event("page", "2026-01-25T00:00:00Z", "u", "b");
  EventStore s = in.Finish();
  EXPECT_EQ(s.num_components, 1u);
  auto v = Views(s, BuildProfiles(s, T("2026-01-05T00:00:00Z")));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].key, "a");
  EXPECT_EQ(v[1].key, "b");
  v = Views(s, BuildProfiles(s, T("2026-01-15T00:00:00Z")));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].key, "b");
  EXPECT_EQ(v[1].key, "u");
  EXPECT_EQ(v[1].anons, Strs({"a"}));
  EXPECT_EQ(v[1].event_ts.size(), 1u);
  v = Views(s, BuildProfiles(s, T("2026-02-01T00:00:00Z")));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].anons, Strs({"a", "b"}));
  EXPECT_EQ(v[0].event_ts.size(), 3u);
}

TEST(StoreProfiles, EventsAndTraitsAfterAsOfDoNotExist) {
  Input in;
  in.Event("page", "2026-01-01T00:00:00Z", "u", "");
  in.Identify("2026-01-02T00:00:00Z", "u", "", {Str("country", "SE")});
  in.Event("page", "2026-01-03T00:00:00Z", "u", "");
  in.Identify("2026-01-04T00:00:00Z", "u", "", {Str("country", "NO")});
  in.Event("page", "2026-01-05T00:00:00Z", "late", "");
  EventStore s = in.Finish();
  Profiles p = BuildProfiles(s, T("2026-01-02T00:00:00Z"));  // inclusive
  ASSERT_EQ(p.count, 1u);
  EXPECT_EQ(p.event_offsets[1], 1u);
  ASSERT_EQ(p.trait_offsets[1], 1u);
  EXPECT_EQ(s.dict.Get(p.traits[0].str), "SE");
  p = BuildProfiles(s, T("2026-01-04T23:59:59.999Z"));
  ASSERT_EQ(p.count, 1u);
  EXPECT_EQ(p.event_offsets[1], 2u);
  ASSERT_EQ(p.trait_offsets[1], 2u);
  EXPECT_EQ(s.dict.Get(p.traits[1].str), "NO");
  p = BuildProfiles(s, T("2026-01-05T00:00:00Z"));
  EXPECT_EQ(p.count, 2u);
  p = BuildProfiles(s, T("2025-12-31T23:59:59Z"));
  EXPECT_EQ(p.count, 0u);
}

TEST(StoreProfiles, AProfileExistsWithAnIdentifyOrAliasAlone) {
  Input in;
  in.Identify("2026-01-01T00:00:00Z", "only-identify", "");
  in.Alias("2026-01-01T00:00:00Z", "prev", "only-alias");
  EventStore s = in.Finish();
  auto v = Views(s, BuildProfiles(s, T("2026-01-02T00:00:00Z")));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].key, "only-alias");
  EXPECT_EQ(v[0].anons, Strs({"prev"}));
  EXPECT_EQ(v[1].key, "only-identify");
  EXPECT_TRUE(v[1].event_ts.empty());
}

TEST(StoreProfiles, EventOrderIsTimeThenInputOrder) {
  Input in;
  in.Event("track:B", "2026-01-02T00:00:00Z", "u", "");
  in.Event("track:A", "2026-01-01T00:00:00Z", "u", "");
  in.Event("track:C", "2026-01-02T00:00:00Z", "u", "");
  in.Event("track:D", "2026-01-01T00:00:00Z", "", "a");
  in.Identify("2026-01-03T00:00:00Z", "u", "a");
  EventStore s = in.Finish();
  auto v = Views(s, BuildProfiles(s, T("2026-02-01T00:00:00Z")));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].event_types, Strs({"track:A", "track:D", "track:B", "track:C"}));
}

TEST(StoreProfiles, TraitRecordsSortedByNameTimeAndInputOrder) {
  Input in;
  in.Identify("2026-01-02T00:00:00Z", "u", "", {Str("tier", "gold"), Int("age", 40)});
  in.Identify("2026-01-01T00:00:00Z", "u", "", {Str("tier", "bronze")});
  in.Identify("2026-01-02T00:00:00Z", "u", "", {Str("tier", "silver"), Null("age")});
  EventStore s = in.Finish();
  // The store: by (ts, input order) within the component; nulls kept.
  ASSERT_EQ(s.traits.size(), 5u);
  EXPECT_EQ(s.dict.Get(s.traits[0].str), "bronze");
  EXPECT_TRUE(s.traits[4].is_null);
  // Profiles: by (name, ts, input order), nulls dropped.
  Profiles p = BuildProfiles(s, T("2026-02-01T00:00:00Z"));
  ASSERT_EQ(p.trait_offsets[1], 4u);
  std::vector<std::string> got;
  for (const TraitValue& t : p.traits) {
    got.push_back(
        std::string(s.dict.Get(t.name)) + "=" +
        (t.kind == ValueKind::String ? std::string(s.dict.Get(t.str)) : std::to_string(t.i)));
  }
  // "age" sorts by its dictionary code: after "tier" (interned first).
  EXPECT_EQ(got, Strs({"tier=bronze", "tier=gold", "tier=silver", "age=40"}));
}

TEST(StoreProfiles, ColumnsAreTypedAndFollowStoreOrder) {
  Input in;
  InputValue f;
  f.name = "revenue";
  f.kind = ValueKind::Float;
  f.f = 12.5;
  in.Event("track:Order Completed", "2026-01-03T00:00:00Z", "u2", "", {f, Str("currency", "SEK")});
  in.Event("track:Order Completed", "2026-01-01T00:00:00Z", "u1", "", {Int("revenue", 7)});
  EventStore s = in.Finish();
  ASSERT_EQ(s.types.size(), 1u);
  const EventType& t = s.types[0];
  EXPECT_EQ(t.rows, 2u);
  uint32_t revenue = s.dict.Find("revenue");
  const Column* ints = t.Find(revenue, ValueKind::Int);
  const Column* floats = t.Find(revenue, ValueKind::Float);
  const Column* cur = t.Find(s.dict.Find("currency"), ValueKind::String);
  ASSERT_TRUE(ints && floats && cur);
  EXPECT_EQ(t.Find(revenue, ValueKind::Bool), nullptr);
  // Component of u1 sorts first: event 0 is u1's, row 0.
  EXPECT_EQ(s.dict.Get(s.nodes[s.node[0]].value), "u1");
  EXPECT_EQ(s.row[0], 0u);
  EXPECT_TRUE(ints->Valid(0));
  EXPECT_EQ(ints->ints[0], 7);
  EXPECT_FALSE(ints->Valid(1));
  EXPECT_FALSE(floats->Valid(0));
  EXPECT_TRUE(floats->Valid(1));
  EXPECT_EQ(floats->floats[1], 12.5);
  EXPECT_EQ(s.dict.Get(cur->codes[1]), "SEK");
  EXPECT_FALSE(cur->Valid(0));
}

TEST(StoreProfiles, LinksAreKeptOncePerPairAtTheirEarliestTime) {
  Input in;
  in.Event("page", "2026-01-05T00:00:00Z", "u", "a");
  in.Event("page", "2026-01-02T00:00:00Z", "u", "a");
  in.Event("page", "2026-01-09T00:00:00Z", "u", "a");
  EventStore s = in.Finish();
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].ts, T("2026-01-02T00:00:00Z"));
}

TEST(StoreProfiles, ManyRandomProfilesMatchANaiveStitching) {
  // Random events/identifies/aliases; at several as_of instants, the profiles
  // must equal a direct union-find over the lines at or before as_of.
  uint64_t x = 12345;
  auto rnd = [&](uint64_t n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x % n;
  };
  struct Line {
    int kind;  // 0 event, 1 identify, 2 alias
    int64_t ts;
    std::string user, anon, prev;
  };
  std::vector<Line> lines;
  for (int i = 0; i < 400; ++i) {
    Line l;
    l.kind = rnd(10) < 7 ? 0 : rnd(3) < 2 ? 1 : 2;
    l.ts = T("2026-01-01T00:00:00Z") + static_cast<int64_t>(rnd(30)) * 86400000;
    auto id = [](uint64_t k) {
      std::string v = std::to_string(k);
      v.insert(v.begin(), 'v');
      return v;
    };
    std::string u = id(rnd(40)), a = id(rnd(60));
    if (l.kind == 2) {
      l.user = u;
      l.prev = rnd(2) ? a : id(rnd(40));
    } else {
      int which = static_cast<int>(rnd(3));
      if (which != 1) l.user = u;
      if (which != 0) l.anon = a;
    }
    lines.push_back(l);
  }
  StoreBuilder b;
  uint64_t order = 0;
  uint16_t page = 0;
  ASSERT_TRUE(b.TypeIndex("page", &page));
  for (const Line& l : lines) {
    ++order;
    if (l.kind == 0) b.AddEvent(page, l.ts, order, l.user, l.anon, nullptr, 0);
    if (l.kind == 1) b.AddIdentify(l.ts, order, l.user, l.anon, nullptr, 0);
    if (l.kind == 2) b.AddAlias(l.ts, order, l.prev, l.user, "");
  }
  EventStore s = b.Finish();
  ASSERT_TRUE(ValidateStore(s));
  for (int day = 0; day <= 31; day += 3) {
    int64_t as_of = T("2026-01-01T00:00:00Z") + day * 86400000LL;
    // Naive: nodes "U:x"/"A:x", union-find over lines <= as_of.
    auto tag = [](char kind, const std::string& v) {
      std::string t(1, kind);
      t += ':';
      t += v;
      return t;
    };
    std::map<std::string, std::string> parent;
    std::function<std::string(const std::string&)> find = [&](const std::string& n) {
      if (parent[n] == n) return n;
      return parent[n] = find(parent[n]);
    };
    auto add = [&](const std::string& n) {
      if (!parent.count(n)) parent[n] = n;
    };
    auto unite = [&](const std::string& a, const std::string& b2) { parent[find(a)] = find(b2); };
    std::set<std::string> users;
    for (const Line& l : lines) {
      if (l.ts <= as_of && !l.user.empty()) users.insert(l.user);
    }
    for (const Line& l : lines) {
      if (l.ts > as_of) continue;
      if (!l.user.empty()) add(tag('U', l.user));
      if (!l.anon.empty()) add(tag('A', l.anon));
      if (!l.user.empty() && !l.anon.empty()) unite(tag('U', l.user), tag('A', l.anon));
      if (l.kind == 2) {
        std::string p = tag(users.count(l.prev) ? 'U' : 'A', l.prev);
        add(p);
        unite(p, tag('U', l.user));
      }
    }
    std::map<std::string, std::set<std::string>> groups;
    for (auto& [n, _] : parent) groups[find(n)].insert(n);
    std::multiset<std::string> want;
    for (auto& [root, members] : groups) {
      std::string all;
      for (const std::string& m : members) all += m + " ";
      want.insert(all);
    }
    std::multiset<std::string> got;
    Profiles p = BuildProfiles(s, as_of);
    auto v = Views(s, p);
    for (const View& view : v) {
      std::set<std::string> members;
      for (const auto& u : view.users) members.insert(tag('U', u));
      for (const auto& a : view.anons) members.insert(tag('A', a));
      std::string all;
      for (const std::string& m : members) all += m + " ";
      got.insert(all);
      // Keys: smallest userId, else smallest anonymousId.
      EXPECT_EQ(view.key, view.users.empty() ? view.anons.front() : view.users.front());
    }
    EXPECT_EQ(got, want) << "as_of day " << day;
    for (uint32_t i = 1; i < p.count; ++i) EXPECT_LE(p.key[i - 1], p.key[i]);
  }
}

TEST(StoreProfiles, TypeIndexGroupsEachProfilesEventsByTypeInEventOrder) {
  // Random events of four types (many equal times) over linked ids, at several
  // as_of instants (whole and split components): the index of every profile
  // must hold, per type present (ascending), exactly its events of that type
  // in the profile's order, and a profile's event indices must increase (so
  // merging per-type lists by index restores the profile's order).
  uint64_t x = 777;
  auto rnd = [&](uint64_t n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x % n;
  };
  StoreBuilder b;
  const char* names[] = {"page", "track:A", "track:B", "track:C"};
  uint16_t types[4];
  for (int t = 0; t < 4; ++t) ASSERT_TRUE(b.TypeIndex(names[t], &types[t]));
  const int64_t t0 = T("2026-01-01T00:00:00Z");
  for (uint64_t order = 1; order <= 3000; ++order) {
    const int64_t ts = t0 + static_cast<int64_t>(rnd(40)) * 3600000;
    const std::string u = "u" + std::to_string(rnd(60)), a = "a" + std::to_string(rnd(90));
    const uint64_t kind = rnd(20);
    if (kind == 0) {
      b.AddAlias(ts, order, a, u, "");
    } else {
      const bool user = rnd(3) != 0, anon = !user || rnd(2) == 0;
      b.AddEvent(types[rnd(4)], ts, order, user ? u : "", anon ? a : "", nullptr, 0);
    }
  }
  EventStore s = b.Finish();
  for (int hour = 0; hour <= 42; hour += 7) {
    Profiles p = BuildProfiles(s, t0 + hour * 3600000LL);
    ASSERT_TRUE(HasTypeIndex(p)) << hour;
    const TypeIndex& ix = p.type_index;
    for (uint32_t q = 0; q < p.count; ++q) {
      std::map<uint16_t, std::vector<uint32_t>> want;
      for (uint64_t k = p.event_offsets[q]; k < p.event_offsets[q + 1]; ++k) {
        if (k > p.event_offsets[q]) EXPECT_LT(p.events[k - 1], p.events[k]);
        want[s.type[p.events[k]]].push_back(p.events[k]);
      }
      std::map<uint16_t, std::vector<uint32_t>> got;
      for (uint64_t d = ix.dir_offsets[q]; d < ix.dir_offsets[q + 1]; ++d) {
        if (d > ix.dir_offsets[q]) EXPECT_LT(ix.dir_type[d - 1], ix.dir_type[d]);
        EXPECT_LT(ix.dir_begin[d], ix.dir_begin[d + 1]) << "an empty entry";
        got[ix.dir_type[d]].assign(ix.events.begin() + static_cast<int64_t>(ix.dir_begin[d]),
                                   ix.events.begin() + static_cast<int64_t>(ix.dir_begin[d + 1]));
      }
      ASSERT_EQ(got, want) << "profile " << q << " at hour " << hour;
      if (ix.dir_offsets[q] < ix.dir_offsets[q + 1])
        EXPECT_EQ(ix.dir_begin[ix.dir_offsets[q]], p.event_offsets[q]);
    }
    // Deterministic, and a copy with a shortened index is refused.
    EXPECT_EQ(BuildTypeIndex(s, p).events, ix.events);
    if (!ix.events.empty()) {
      Profiles broken = p;
      broken.type_index.events.pop_back();
      EXPECT_FALSE(HasTypeIndex(broken));
    }
  }
}

}  // namespace
}  // namespace aud::store

namespace aud::store {
namespace {

TEST(StoreDictionary, CodesViewsAndCopies) {
  Dictionary d;
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(d.Get(0), "");
  EXPECT_EQ(d.Intern(""), 0u);
  uint32_t a = d.Intern("alpha");
  std::string_view view = d.Get(a);
  std::string big(100000, 'z');  // longer than a block fraction: its own block
  uint32_t b = d.Intern(big);
  for (int i = 0; i < 50000; ++i) {
    std::string s = std::to_string(i);
    s.insert(s.begin(), 's');
    d.Intern(s);  // rehashes, new blocks
  }
  EXPECT_EQ(d.Intern("alpha"), a);
  EXPECT_EQ(view.data(), d.Get(a).data());  // views stay valid
  EXPECT_EQ(d.Get(b), big);
  EXPECT_EQ(d.Find("s49999"), d.size() - 1);
  EXPECT_EQ(d.Find("nope"), UINT32_MAX);
  Dictionary c = d;
  EXPECT_TRUE(c == d);
  EXPECT_NE(c.Get(a).data(), d.Get(a).data());
  EXPECT_EQ(c.Find("s123"), d.Find("s123"));
  Dictionary m = std::move(c);
  EXPECT_EQ(m.Get(b), big);
  EXPECT_EQ(m.strings().size(), d.size());
}

}  // namespace
}  // namespace aud::store
