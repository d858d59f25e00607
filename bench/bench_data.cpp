// Benchmark data: generated straight into the store builder, then exported
// for DuckDB. Every random choice comes from xoshiro256** seeded per profile
// with splitmix64, so a seed gives the same store on every machine.

#include "bench/bench_data.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "runtime/gen/rng.h"
#include "runtime/store/builder.h"

namespace aud::bench {

namespace {

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kSpan = 180 * kDayMs;
constexpr int64_t kStart = kAsOf - kSpan;

using gen::Rng;
using gen::SplitMix;

enum Type : int {
  kPage,
  kSearched,
  kViewed,
  kAdded,
  kCartViewed,
  kCheckout,
  kOrder,
  kSignedUp,
  kSignedIn,
  kUnsubscribed
};

constexpr std::array<std::string_view, 10> kCategories = {
    "Shoes", "Jackets", "T-Shirts",    "Jeans", "Accessories",
    "Bags",  "Outdoor", "Electronics", "Home",  "Beauty"};
constexpr std::array<uint32_t, 10> kCategoryBase = {7900, 14900, 1900, 6900, 1500,
                                                    4900, 9900,  8900, 2900, 2400};
constexpr std::array<std::string_view, 10> kQueries = {
    "running shoes", "rain jacket", "wool socks",  "backpack",      "headphones",
    "gift ideas",    "sale",        "black jeans", "tent 2 person", "face serum"};
constexpr std::array<std::string_view, 6> kPages = {"Home", "Category", "Product",
                                                    "Blog", "Cart",     "Checkout"};
constexpr std::array<std::string_view, 12> kCountries = {"US", "SE", "GB", "DE", "NO", "DK",
                                                         "FI", "FR", "NL", "ES", "IT", "CA"};
constexpr std::array<uint32_t, 12> kCountryWeights = {30, 12, 10, 10, 6, 5, 4, 6, 5, 4, 4, 4};
constexpr std::array<std::string_view, 4> kTiers = {"bronze", "silver", "gold", "platinum"};
constexpr std::array<uint32_t, 4> kTierWeights = {50, 30, 15, 5};
constexpr std::array<std::string_view, 3> kCurrencies = {"USD", "EUR", "SEK"};
constexpr std::array<uint32_t, 3> kCurrencyWeights = {60, 25, 15};
constexpr std::array<std::string_view, 3> kMethods = {"email", "google", "apple"};

struct Product {
  uint16_t category;
  int64_t cents;  // a multiple of 25
};

// One person's events, generated then handed to the builder in time order.
struct Ev {
  int64_t ts;
  uint8_t type;
  uint8_t sub;  // category / query / page / currency / method index
  uint16_t qty;
  int64_t cents;  // price or revenue
};

class Generator {
 public:
  Generator(const DataOptions& o) : o_(o) {
    Rng rng(o.seed ^ 0x70726f64ULL);
    products_.resize(400);
    for (Product& p : products_) {
      p.category = static_cast<uint16_t>(rng.Below(kCategories.size()));
      int64_t base = kCategoryBase[p.category];
      int64_t cents =
          base / 2 + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(base) * 3 / 2));
      p.cents = std::max<int64_t>(25, cents / 25 * 25);
    }
    for (int t = 0; t < kNumEventTypes; ++t) {
      std::string_view name = kEventTypes[t];
      bool ok = t == kPage ? b_.TypeIndex("page", &types_[t]) : b_.TrackType(name, &types_[t]);
      (void)ok;  // ten types never reach the limit
    }
  }

  store::EventStore Run() {
    const uint64_t n = o_.profiles;
    // Zipf–Mandelbrot activity, weight 1 / (rank + 20), over a random rank order.
    Rng rng(o_.seed);
    std::vector<uint32_t> rank(n);
    for (uint32_t i = 0; i < n; ++i) rank[i] = i;
    for (uint64_t i = n; i > 1; --i) std::swap(rank[i - 1], rank[rng.Below(i)]);
    double total = 0;
    for (uint64_t i = 0; i < n; ++i) total += 1.0 / (rank[i] + 20.0);
    std::vector<uint64_t> budget(n);
    uint64_t assigned = 0;
    for (uint64_t i = 0; i < n; ++i) {
      budget[i] = static_cast<uint64_t>(
          std::floor(static_cast<double>(o_.events) / (rank[i] + 20.0) / total));
      assigned += budget[i];
    }
    std::vector<uint32_t> by_rank(n);
    for (uint32_t i = 0; i < n; ++i) by_rank[rank[i]] = i;
    for (uint64_t k = 0; assigned < o_.events; ++k, ++assigned) ++budget[by_rank[k % n]];
    b_.Reserve(o_.events + n * 2);
    for (uint32_t i = 0; i < n; ++i) Person(i, rank[i] < n / 10, std::max<uint64_t>(budget[i], 1));
    return b_.Finish();
  }

 private:
  void Person(uint32_t i, bool heavy, uint64_t budget) {
    Rng rng(SplitMix(&mix_) ^ (o_.seed * 0x9E3779B97F4A7C15ULL) ^ i);
    char user[16], anon[24];
    std::snprintf(user, sizeof user, "u%07u", i + 1);
    std::snprintf(anon, sizeof anon, "a%016llx", static_cast<unsigned long long>(rng.Next()));
    const bool identified = rng.Chance(0.7);
    const bool loyal = rng.Chance(heavy ? 0.5 : 0.08);
    const bool unsubscribes = identified && rng.Chance(0.08);
    const int64_t t_id = kStart + rng.Range(0, kSpan - kHour);
    const int64_t t_unsub =
        t_id + rng.Range(kHour, std::max<int64_t>(kHour, kAsOf - t_id - kMinute));
    evs_.clear();
    // Sessions until the budget is spent.
    while (evs_.size() < budget) {
      int64_t t = kStart + rng.Range(0, kSpan - kMinute);
      auto push = [&](int type, int sub = 0, int64_t cents = 0, uint16_t qty = 0) {
        if (t < kAsOf && evs_.size() < budget)
          evs_.push_back(Ev{t, static_cast<uint8_t>(type), static_cast<uint8_t>(sub), qty, cents});
      };
      auto later = [&](int64_t lo, int64_t hi) { t += rng.Range(lo, hi); };
      if (identified && t >= t_id && rng.Chance(0.3)) {
        push(kSignedIn);
        later(2 * kSecond, 20 * kSecond);
      }
      uint32_t pages = 1 + static_cast<uint32_t>(rng.Below(3));
      for (uint32_t k = 0; k < pages; ++k) {
        push(kPage, k == 0 ? 0 : (rng.Chance(0.15) ? 3 : 1));
        later(5 * kSecond, 90 * kSecond);
      }
      if (rng.Chance(0.35)) {
        push(kSearched, static_cast<int>(rng.Below(kQueries.size())));
        later(3 * kSecond, 40 * kSecond);
      }
      uint32_t viewed[4];
      uint32_t nv = 1 + static_cast<uint32_t>(rng.Below(4));
      for (uint32_t k = 0; k < nv; ++k) {
        viewed[k] = static_cast<uint32_t>(rng.Below(products_.size()));
        const Product& p = products_[viewed[k]];
        push(kViewed, p.category, p.cents);
        if (rng.Chance(0.3)) push(kPage, 2);
        later(20 * kSecond, 5 * kMinute);
      }
      if (!rng.Chance(loyal ? 0.7 : 0.38)) continue;
      uint32_t na = 1 + static_cast<uint32_t>(rng.Below(std::min<uint32_t>(nv, 3)));
      int64_t subtotal = 0;
      for (uint32_t k = 0; k < na; ++k) {
        // Added within minutes, sometimes hours later (outside a 1h funnel step).
        if (rng.Chance(0.85)) {
          later(30 * kSecond, 20 * kMinute);
        } else {
          later(kHour, 6 * kHour);
        }
        uint16_t qty = rng.Chance(0.8) ? 1 : static_cast<uint16_t>(2 + rng.Below(3));
        const Product& p = products_[viewed[k]];
        subtotal += p.cents * qty;
        push(kAdded, p.category, p.cents, qty);
      }
      if (rng.Chance(0.5)) {
        later(5 * kSecond, 2 * kMinute);
        push(kCartViewed);
        push(kPage, 4);
      }
      if (!rng.Chance(loyal ? 0.8 : 0.55)) continue;  // an abandoned cart
      later(kMinute, 30 * kMinute);
      push(kCheckout, 0, subtotal);
      push(kPage, 5);
      if (!rng.Chance(loyal ? 0.9 : 0.75)) continue;
      // Most orders follow within minutes; some people come back days later.
      if (rng.Chance(0.93)) {
        later(kMinute, 15 * kMinute);
      } else {
        later(20 * kHour, 3 * kDayMs);
      }
      push(kOrder, static_cast<int>(rng.Pick(kCurrencyWeights)), subtotal);
    }
    std::stable_sort(evs_.begin(), evs_.end(),
                     [](const Ev& a, const Ev& b) { return a.ts < b.ts; });

    // Identity calls: sign-up and identify at t_id (linking the anonymous
    // id), a later country change for some.
    store::InputValue traits[3];
    traits[0].name = "country";
    traits[0].kind = store::ValueKind::String;
    traits[0].s = kCountries[rng.Pick(kCountryWeights)];
    traits[1].name = "tier";
    traits[1].kind = store::ValueKind::String;
    traits[1].s = kTiers[rng.Pick(kTierWeights)];
    traits[2].name = "email_opt_in";
    traits[2].kind = store::ValueKind::Bool;
    traits[2].b = rng.Chance(0.6);
    const bool moves = identified && rng.Chance(0.1);
    const int64_t t_move =
        t_id + rng.Range(kHour, std::max<int64_t>(kHour, kAsOf - t_id - kMinute));
    const std::string_view method = kMethods[rng.Below(kMethods.size())];
    bool did_id = false, did_move = false, did_unsub = false;
    auto identity_calls = [&](int64_t upto) {
      if (identified && !did_id && t_id <= upto) {
        did_id = true;
        b_.AddIdentify(t_id, order_++, user, anon, traits, 3);
        store::InputValue m;
        m.name = "method";
        m.kind = store::ValueKind::String;
        m.s = method;
        b_.AddEvent(types_[kSignedUp], t_id, order_++, user, anon, &m, 1);
      }
      if (moves && !did_move && t_move <= upto && t_move < kAsOf) {
        did_move = true;
        store::InputValue c = traits[0];
        c.s = kCountries[rng.Pick(kCountryWeights)];
        b_.AddIdentify(t_move, order_++, user, "", &c, 1);
      }
      if (unsubscribes && !did_unsub && t_unsub <= upto && t_unsub < kAsOf) {
        did_unsub = true;
        b_.AddEvent(types_[kUnsubscribed], t_unsub, order_++, user, "", nullptr, 0);
      }
    };
    store::InputValue props[4];
    for (const Ev& e : evs_) {
      identity_calls(e.ts);
      size_t np = 0;
      auto str = [&](const char* name, std::string_view v) {
        props[np].name = name;
        props[np].kind = store::ValueKind::String;
        props[np].s = v;
        ++np;
      };
      auto money = [&](const char* name, int64_t cents) {
        props[np].name = name;
        props[np].kind = store::ValueKind::Float;
        props[np].f = static_cast<double>(cents) / 100.0;
        ++np;
      };
      switch (e.type) {
        case kPage: str("name", kPages[e.sub]); break;
        case kSearched: str("query", kQueries[e.sub]); break;
        case kViewed:
          str("category", kCategories[e.sub]);
          money("price", e.cents);
          break;
        case kAdded:
          str("category", kCategories[e.sub]);
          money("price", e.cents);
          props[np].name = "quantity";
          props[np].kind = store::ValueKind::Int;
          props[np].i = e.qty;
          ++np;
          break;
        case kCheckout: money("revenue", e.cents); break;
        case kOrder:
          money("revenue", e.cents);
          str("currency", kCurrencies[e.sub]);
          break;
        default: break;
      }
      const bool known = identified && e.ts >= t_id;
      b_.AddEvent(types_[e.type], e.ts, order_++, known ? std::string_view(user) : "", anon, props,
                  np);
    }
    identity_calls(kAsOf);
  }

  const DataOptions& o_;
  store::StoreBuilder b_;
  std::array<uint16_t, kNumEventTypes> types_{};
  std::vector<Product> products_;
  std::vector<Ev> evs_;
  uint64_t order_ = 0;
  uint64_t mix_ = 0x6d6978;
};

// A buffered CSV writer.
class Csv {
 public:
  explicit Csv(const std::string& path) : f_(std::fopen(path.c_str(), "wb")) {
    buf_.reserve(kFlush + 4096);
  }
  ~Csv() { Close(); }
  bool ok() const { return f_ != nullptr && !failed_; }
  void Str(std::string_view s) { buf_.append(s); }
  void Char(char c) { buf_.push_back(c); }
  void Int(int64_t v) {
    char b[24];
    auto r = std::to_chars(b, b + sizeof b, v);
    buf_.append(b, r.ptr);
  }
  void Float(double v) {
    char b[32];
    auto r = std::to_chars(b, b + sizeof b, v);
    buf_.append(b, r.ptr);
  }
  // Strings of this data have no quotes, commas or newlines; quote anyway.
  void Quoted(std::string_view s) {
    buf_.push_back('"');
    buf_.append(s);
    buf_.push_back('"');
  }
  void EndRow() {
    buf_.push_back('\n');
    if (buf_.size() >= kFlush) Flush();
  }
  bool Close() {
    if (!f_) return false;
    Flush();
    failed_ |= std::fclose(f_) != 0;
    f_ = nullptr;
    return !failed_;
  }

 private:
  static constexpr size_t kFlush = 8 << 20;
  void Flush() {
    if (f_ && !buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size())
      failed_ = true;
    buf_.clear();
  }
  std::FILE* f_;
  std::string buf_;
  bool failed_ = false;
};

}  // namespace

store::EventStore GenerateStore(const DataOptions& options) { return Generator(options).Run(); }

bool WriteDuckDbCsv(const store::EventStore& s, const store::Profiles& profiles,
                    const std::string& dir, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // Per store type: its code in kEventTypes (-1: not one of ours) and the columns.
  struct Cols {
    int code = -1;
    const store::Column *revenue = nullptr, *price = nullptr, *quantity = nullptr,
                        *category = nullptr, *currency = nullptr, *query = nullptr, *name = nullptr,
                        *method = nullptr;
  };
  std::deque<store::Column> dense;  // dense copies of sparse columns
  auto col = [&](const store::EventType& t, const char* name,
                 store::ValueKind k) -> const store::Column* {
    uint32_t code = s.dict.Find(name);
    const store::Column* c = code == UINT32_MAX ? nullptr : t.Find(code, k);
    if (c && c->sparse) {
      dense.push_back(c->Dense(t.rows));
      c = &dense.back();
    }
    return c;
  };
  std::vector<Cols> cols(s.types.size());
  for (size_t t = 0; t < s.types.size(); ++t) {
    const store::EventType& et = s.types[t];
    for (int k = 0; k < kNumEventTypes; ++k) {
      std::string key = k == 0 ? std::string("page") : "track:" + std::string(kEventTypes[k]);
      if (et.key == key) cols[t].code = k;
    }
    using K = store::ValueKind;
    cols[t].revenue = col(et, "revenue", K::Float);
    cols[t].price = col(et, "price", K::Float);
    cols[t].quantity = col(et, "quantity", K::Int);
    cols[t].category = col(et, "category", K::String);
    cols[t].currency = col(et, "currency", K::String);
    cols[t].query = col(et, "query", K::String);
    cols[t].name = col(et, "name", K::String);
    cols[t].method = col(et, "method", K::String);
  }
  Csv ev(dir + "/events.csv");
  ev.Str("pid,seq,ts,type,revenue,price,quantity,category,currency,query,page_name,method\n");
  uint64_t seq = 0;
  for (uint32_t p = 0; p < profiles.count; ++p) {
    for (uint64_t k = profiles.event_offsets[p]; k < profiles.event_offsets[p + 1]; ++k) {
      const uint32_t e = profiles.events[k];
      const Cols& c = cols[s.type[e]];
      const uint32_t row = s.row[e];
      if (c.code < 0) continue;
      ev.Int(p);
      ev.Char(',');
      ev.Int(static_cast<int64_t>(seq++));
      ev.Char(',');
      ev.Int(s.ts[e]);
      ev.Char(',');
      ev.Int(c.code);
      auto f = [&](const store::Column* x) {
        ev.Char(',');
        if (x && x->Valid(row)) ev.Float(x->floats[row]);
      };
      auto i = [&](const store::Column* x) {
        ev.Char(',');
        if (x && x->Valid(row)) ev.Int(x->ints[row]);
      };
      auto str = [&](const store::Column* x) {
        ev.Char(',');
        if (x && x->Valid(row)) ev.Quoted(s.dict.Get(x->codes[row]));
      };
      f(c.revenue);
      f(c.price);
      i(c.quantity);
      str(c.category);
      str(c.currency);
      str(c.query);
      str(c.name);
      str(c.method);
      ev.EndRow();
    }
  }
  if (!ev.Close()) {
    *error = "cannot write " + dir + "/events.csv";
    return false;
  }
  // Traits at as_of: the last record of the name with the declared kind.
  const uint32_t country = s.dict.Find("country"), tier = s.dict.Find("tier"),
                 opt_in = s.dict.Find("email_opt_in");
  Csv pr(dir + "/profiles.csv");
  pr.Str("pid,key,country,tier,email_opt_in\n");
  for (uint32_t p = 0; p < profiles.count; ++p) {
    const store::TraitValue *c = nullptr, *t = nullptr, *o = nullptr;
    for (uint32_t k = profiles.trait_offsets[p]; k < profiles.trait_offsets[p + 1]; ++k) {
      const store::TraitValue& v = profiles.traits[k];
      if (v.name == country && v.kind == store::ValueKind::String) c = &v;
      if (v.name == tier && v.kind == store::ValueKind::String) t = &v;
      if (v.name == opt_in && v.kind == store::ValueKind::Bool) o = &v;
    }
    pr.Int(p);
    pr.Char(',');
    pr.Quoted(profiles.key[p]);
    pr.Char(',');
    if (c) pr.Quoted(s.dict.Get(c->str));
    pr.Char(',');
    if (t) pr.Quoted(s.dict.Get(t->str));
    pr.Char(',');
    if (o) pr.Str(o->b ? "true" : "false");
    pr.EndRow();
  }
  if (!pr.Close()) {
    *error = "cannot write " + dir + "/profiles.csv";
    return false;
  }
  return true;
}

}  // namespace aud::bench
