// The synthetic Segment data generator. Two phases: (1) per profile, its
// identity calls and shopping sessions become compact records (time, kind,
// ids, a few numbers); (2) the records, sorted by time, are rendered as JSON
// lines with bad lines and duplicates interleaved. Every random choice comes
// from xoshiro256** seeded with splitmix64 (a record's rendering from its own
// stream), and numbers print with std::to_chars, so a seed gives the same
// bytes on every platform.

#include "runtime/gen/gen_events.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/base/civil_time.h"
#include "runtime/gen/rng.h"

namespace aud::gen {

namespace {

// ------------------------------------------------------------------ time

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

constexpr int64_t kEnd = base::DaysFromCivil(2026, 11, 1) * kDay;  // 2026-11-01T00:00:00Z
constexpr int64_t kSpan = 180 * kDay;
constexpr int64_t kStart = kEnd - kSpan;

// RFC 3339 with milliseconds (left out when zero); `offset_min` != 0 prints
// the same instant in that zone.
void AppendTime(std::string* out, int64_t ms, int offset_min = 0) {
  base::AppendRfc3339(ms, offset_min, out);
}

// ------------------------------------------------------------------ randomness

uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t x = a ^ (b * 0xD6E8FEB86659FD93ULL);
  SplitMix(&x);
  return SplitMix(&x);
}

// ------------------------------------------------------------------ vocabulary

constexpr std::array<std::string_view, 10> kCategories = {
    "Shoes", "Jackets", "T-Shirts",    "Jeans", "Accessories",
    "Bags",  "Outdoor", "Electronics", "Home",  "Beauty"};
constexpr std::array<std::array<std::string_view, 3>, 10> kNouns = {{
    {"Runner", "Trail Shoe", "Sneaker"},
    {"Parka", "Rain Jacket", "Down Vest"},
    {"Tee", "Polo", "Long Sleeve"},
    {"Slim Jeans", "Straight Jeans", "Chinos"},
    {"Cap", "Wool Socks", "Scarf"},
    {"Backpack", "Tote", "Duffel"},
    {"Tent", "Sleeping Bag", "Headlamp"},
    {"Headphones", "Speaker", "Charger"},
    {"Lamp", "Throw", "Mug"},
    {"Serum", "Lip Balm", "Face Cream"},
}};
constexpr std::array<uint32_t, 10> kCategoryBaseCents = {7900, 14900, 1900, 6900, 1500,
                                                         4900, 9900,  8900, 2900, 2400};
constexpr std::array<std::string_view, 12> kAdjectives = {
    "Classic", "Urban", "Trail",  "Cozy",     "Sleek",   "Vintage",
    "Sport",   "Eco",   "Travel", "Everyday", "Premium", "Lightweight"};
constexpr std::array<std::string_view, 8> kBrands = {"Acme",    "Nordkap", "Borealis", "Tundra",
                                                     "Contoso", "Globex",  "Initech",  "Vinter"};
constexpr std::array<std::string_view, 24> kFirstNames = {
    "Anna",  "Erik",   "Lars", "Sofia", "Johan",  "Emma",  "Oskar",    "Maja",
    "Liam",  "Olivia", "Noah", "Ava",   "Mia",    "Lucas", "Ella",     "Hugo",
    "Freja", "Mikkel", "Aino", "Juha",  "Ingrid", "Sven",  "\u00c5sa", "Bj\u00f6rn"};
constexpr std::array<std::string_view, 20> kLastNames = {
    "Svensson",    "Johansson", "Nilsson", "Larsen", "Hansen",       "Virtanen", "Korhonen",
    "Smith",       "Johnson",   "Brown",   "Miller", "Garcia",       "Martin",   "Bernard",
    "M\u00fcller", "Schmidt",   "Rossi",   "Dubois", "J\u00f6nsson", "Berg"};
constexpr std::array<std::string_view, 7> kDomains = {"gmail.com",  "outlook.com", "yahoo.com",
                                                      "icloud.com", "proton.me",   "example.se",
                                                      "hotmail.com"};
constexpr std::array<std::string_view, 12> kCountries = {"US", "SE", "GB", "DE", "NO", "DK",
                                                         "FI", "FR", "NL", "ES", "IT", "CA"};
constexpr std::array<uint32_t, 12> kCountryWeights = {30, 12, 10, 10, 6, 5, 4, 6, 5, 4, 4, 4};
constexpr std::array<std::string_view, 12> kLocales = {"en-US", "sv-SE", "en-GB", "de-DE",
                                                       "nb-NO", "da-DK", "fi-FI", "fr-FR",
                                                       "nl-NL", "es-ES", "it-IT", "en-CA"};
constexpr std::array<std::string_view, 4> kTiers = {"bronze", "silver", "gold", "platinum"};
constexpr std::array<uint32_t, 4> kTierWeights = {50, 30, 15, 5};
constexpr std::array<std::string_view, 10> kQueries = {
    "running shoes", "rain jacket", "wool socks",  "backpack",      "headphones",
    "gift ideas",    "sale",        "black jeans", "tent 2 person", "face serum"};
constexpr std::array<std::string_view, 6> kBlogSlugs = {
    "how-to-layer-for-winter", "trail-running-basics", "packing-list-weekend",
    "caring-for-wool",         "top-10-gifts",         "what-to-bring-camping"};
constexpr std::array<std::string_view, 5> kCoupons = {"WELCOME10", "SUMMER20", "FREESHIP", "VIP15",
                                                      "BLACKFRIDAY"};
constexpr std::array<uint32_t, 5> kCouponPercent = {10, 20, 0, 15, 30};
constexpr std::array<std::string_view, 4> kDenyReasons = {"expired", "minimum not met",
                                                          "not applicable", "already used"};
constexpr std::array<std::string_view, 3> kCurrencies = {"USD", "EUR", "SEK"};
constexpr std::array<uint32_t, 3> kCurrencyWeights = {60, 25, 15};
constexpr std::array<std::string_view, 3> kUserAgents = {
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148"};
constexpr std::array<std::string_view, 5> kScreens = {"Home", "Product Detail", "Search", "Cart",
                                                      "Account"};

struct Product {
  uint16_t category, noun, adjective, brand;
  uint32_t cents;
};

// ------------------------------------------------------------------ records

enum Kind : uint16_t {
  kPage,
  kScreen,
  kSearched,
  kListViewed,
  kProductViewed,
  kProductAdded,
  kProductRemoved,
  kCartViewed,
  kCheckoutStarted,
  kCouponApplied,
  kCouponDenied,
  kOrderCompleted,
  kOrderRefunded,
  kOrderCancelled,
  kPromotionViewed,
  kPromotionClicked,
  kWishlist,
  kIdentifyFull,
  kIdentifyEmail,
  kIdentifyUpdate,
  kAlias,
  kAliasAnon,
};

// Which ids a record carries.
enum IdBits : uint8_t { kHasAnon = 1, kHasUser = 2, kLegacyUser = 4 };

// Page variants (Record::a of a kPage).
enum PageKind : uint32_t { kHome, kCategoryPage, kProductPage, kBlog, kCartPage, kCheckoutPage };

struct Record {
  int64_t ts;
  uint32_t profile;
  uint32_t session;
  uint32_t a, b, c;  // per kind: page/product/items offset; quantity/count; discount cents
  uint32_t serial;   // creation index: seeds the record's rendering
  uint16_t kind;
  uint8_t device;
  uint8_t ids;
};

struct Profile {
  uint32_t number = 0;
  bool identified = false, legacy = false, anon_alias = false, two_devices = false;
  bool trait_update = false, mobile = false, blog_reader = false, deal_seeker = false;
  bool loyal = false;  // buys in most sessions
  int64_t t_id = 0, t_dev2 = 0, t_alias = 0, t_update = 0;
  uint64_t anon[2][2] = {};
  uint16_t first = 0, last = 0, domain = 0, country = 0, tier = 0;
  uint8_t email_style = 0;
  bool opt_in = false;
};

// ------------------------------------------------------------------ phase 1

class Planner {
 public:
  Planner(const GenOptions& o, Rng* rng) : o_(o), rng_(*rng) {
    products_.resize(400);
    for (Product& p : products_) {
      p.category = static_cast<uint16_t>(rng_.Below(kCategories.size()));
      p.noun = static_cast<uint16_t>(rng_.Below(3));
      p.adjective = static_cast<uint16_t>(rng_.Below(kAdjectives.size()));
      p.brand = static_cast<uint16_t>(rng_.Below(kBrands.size()));
      // Base price of the category, from half to double, ending in 00 or 99.
      uint32_t base = kCategoryBaseCents[p.category];
      uint32_t cents = base / 2 + static_cast<uint32_t>(rng_.Below(base * 3 / 2));
      p.cents = (cents / 100) * 100 + (rng_.Chance(0.7) ? 99 : 0);
    }
  }

  std::vector<Product> products_;
  std::vector<Profile> profiles_;
  std::vector<Record> records_;
  std::vector<uint32_t> items_;  // order lines: product << 4 | quantity

  void Plan(uint64_t good_lines) {
    const uint64_t n = o_.profiles;
    profiles_.resize(n);
    // Zipf-Mandelbrot activity (1 / (rank + 20)) over a random rank order.
    std::vector<uint32_t> rank(n);
    for (uint32_t i = 0; i < n; ++i) rank[i] = i;
    for (uint64_t i = n; i > 1; --i) std::swap(rank[i - 1], rank[rng_.Below(i)]);
    std::vector<double> w(n);
    double total = 0;
    for (uint64_t i = 0; i < n; ++i) {
      w[i] = 1.0 / (static_cast<double>(rank[i]) + 20.0);
      total += w[i];
    }
    std::vector<uint64_t> budget(n);
    uint64_t assigned = 0;
    for (uint64_t i = 0; i < n; ++i) {
      budget[i] = static_cast<uint64_t>(std::floor(static_cast<double>(good_lines) * w[i] / total));
      assigned += budget[i];
    }
    // The remainder goes one by one to profiles in rank order.
    std::vector<uint32_t> by_rank(n);
    for (uint32_t i = 0; i < n; ++i) by_rank[rank[i]] = i;
    for (uint64_t k = 0; assigned < good_lines; ++k, ++assigned) ++budget[by_rank[k % n]];

    for (uint32_t i = 0; i < n; ++i) {
      MakeProfile(i, rank[i] < n / 10, budget[i]);
      Sessions(i, budget[i]);
    }
  }

 private:
  void MakeProfile(uint32_t i, bool heavy, uint64_t& budget) {
    Profile& p = profiles_[i];
    p.number = i + 1;
    for (auto& a : p.anon) {
      a[0] = rng_.Next();
      a[1] = rng_.Next();
    }
    p.first = static_cast<uint16_t>(rng_.Below(kFirstNames.size()));
    p.last = static_cast<uint16_t>(rng_.Below(kLastNames.size()));
    p.domain = static_cast<uint16_t>(rng_.Below(kDomains.size()));
    p.country = static_cast<uint16_t>(rng_.Pick(kCountryWeights));
    p.tier = static_cast<uint16_t>(rng_.Pick(kTierWeights));
    p.email_style = static_cast<uint8_t>(rng_.Below(8));
    p.opt_in = rng_.Chance(0.6);
    p.mobile = rng_.Chance(0.15);
    p.blog_reader = rng_.Chance(0.1);
    p.deal_seeker = rng_.Chance(0.05);
    // Loyal customers buy in most sessions; many of the most active are loyal.
    p.loyal = rng_.Chance(heavy ? 0.5 : 0.08);
    p.identified = rng_.Chance(0.7) && budget >= 2;
    if (!p.identified) return;
    p.t_id = kStart + rng_.Range(0, 170 * kDay);
    p.legacy = rng_.Chance(0.03) && budget >= 6;
    p.anon_alias = !p.legacy && rng_.Chance(0.03) && budget >= 4;
    if (p.legacy) p.t_alias = p.t_id + rng_.Range(kHour, kEnd - p.t_id - kHour);
    if (rng_.Chance(0.2) && budget >= 6) {
      p.t_dev2 = p.t_id + rng_.Range(kDay, 30 * kDay);
      p.two_devices = p.t_dev2 < kEnd - kDay;
    }
    if (rng_.Chance(0.15) && budget >= 5) {
      p.t_update = p.t_id + rng_.Range(kHour, kEnd - p.t_id - kMinute);
      p.trait_update = true;
    }
    // Identity calls come out of the profile's budget.
    if (p.anon_alias) {
      Push(i, kAliasAnon, p.t_id, 0, kHasUser, 0, 0, 0, &budget);
      Push(i, kIdentifyFull, p.t_id + rng_.Range(kSecond, 10 * kSecond), 0, kHasUser, 0, 0, 0,
           &budget);
    } else {
      Push(i, kIdentifyFull, p.t_id, 0, IdsAt(p, p.t_id, 0) | kHasAnon, 0, 0, 0, &budget);
    }
    if (p.legacy) Push(i, kAlias, p.t_alias, 0, kHasUser, 0, 0, 0, &budget);
    if (p.two_devices) {
      Push(i, kIdentifyEmail, p.t_dev2, 1, IdsAt(p, p.t_dev2, 1), 0, 0, 0, &budget);
    }
    if (p.trait_update) {
      Push(i, kIdentifyUpdate, p.t_update, 0, IdsAt(p, p.t_update, 0), 0, 0, 0, &budget);
    }
  }

  // The ids an event of profile `p` carries at `t` on `device`.
  uint8_t IdsAt(const Profile& p, int64_t t, int device, bool server = false) const {
    bool known = p.identified && t >= (device == 1 ? p.t_dev2 : p.t_id);
    if (!known) return kHasAnon;
    uint8_t user = kHasUser | (p.legacy && t < p.t_alias ? kLegacyUser : 0);
    if (server || p.anon_alias) return user;
    return user | kHasAnon;
  }

  // Adds a record; false when the budget is spent. Records past the end of
  // the time range are left out (and cost nothing).
  bool Push(uint32_t profile, Kind kind, int64_t ts, int device, uint8_t ids, uint32_t a,
            uint32_t b, uint32_t c, uint64_t* budget) {
    if (*budget == 0) return false;
    if (ts >= kEnd) return true;
    --*budget;
    Record r{};
    r.ts = ts;
    r.profile = profile;
    r.session = session_;
    r.a = a;
    r.b = b;
    r.c = c;
    r.serial = static_cast<uint32_t>(records_.size());
    r.kind = kind;
    r.device = static_cast<uint8_t>(device);
    r.ids = ids;
    records_.push_back(r);
    return true;
  }

  void Sessions(uint32_t i, uint64_t& budget) {
    const Profile& p = profiles_[i];
    uint64_t* b = &budget;
    while (budget > 0) {
      ++session_;
      int64_t t = kStart + rng_.Range(0, kSpan - 2 * kDay);
      int dev = p.two_devices && t >= p.t_dev2 && rng_.Chance(0.5) ? 1 : 0;
      auto ev = [&](Kind k, uint32_t a = 0, uint32_t bb = 0, uint32_t c = 0, bool server = false) {
        return Push(i, k, t, dev, IdsAt(p, t, dev, server), a, bb, c, b);
      };
      auto later = [&](int64_t lo, int64_t hi) { t += rng_.Range(lo, hi); };
      Kind view = p.mobile ? kScreen : kPage;
      // Landing and browsing.
      uint32_t pages = 1 + static_cast<uint32_t>(rng_.Below(3));
      for (uint32_t k = 0; k < pages; ++k) {
        if (!ev(view, k == 0 ? kHome : kCategoryPage, static_cast<uint32_t>(rng_.Below(10))))
          return;
        later(5 * kSecond, 90 * kSecond);
      }
      if (p.blog_reader && rng_.Chance(0.6)) {
        uint32_t posts = 1 + static_cast<uint32_t>(rng_.Below(3));
        for (uint32_t k = 0; k < posts; ++k) {
          if (!ev(kPage, kBlog, static_cast<uint32_t>(rng_.Below(kBlogSlugs.size())))) return;
          later(30 * kSecond, 5 * kMinute);
        }
      }
      if (rng_.Chance(0.05)) {
        if (!ev(kPromotionViewed, static_cast<uint32_t>(rng_.Below(4)))) return;
        if (rng_.Chance(0.3)) {
          later(2 * kSecond, 30 * kSecond);
          if (!ev(kPromotionClicked, static_cast<uint32_t>(rng_.Below(4)))) return;
        }
      }
      if (rng_.Chance(0.35)) {
        if (!ev(kSearched, static_cast<uint32_t>(rng_.Below(kQueries.size())))) return;
        later(3 * kSecond, 40 * kSecond);
      }
      if (rng_.Chance(0.5)) {
        if (!ev(kListViewed, static_cast<uint32_t>(rng_.Below(kCategories.size())))) return;
        later(5 * kSecond, 60 * kSecond);
      }
      uint32_t viewed[4];
      uint32_t nv = 1 + static_cast<uint32_t>(rng_.Below(4));
      for (uint32_t k = 0; k < nv; ++k) {
        viewed[k] = static_cast<uint32_t>(rng_.Below(products_.size()));
        if (!ev(kProductViewed, viewed[k])) return;
        if (!p.mobile && rng_.Chance(0.3) && !ev(kPage, kProductPage, viewed[k])) return;
        later(20 * kSecond, 5 * kMinute);
      }
      if (rng_.Chance(0.04)) {
        if (!ev(kWishlist, viewed[0])) return;
        later(5 * kSecond, kMinute);
      }
      if (!rng_.Chance(p.loyal ? 0.7 : 0.38)) continue;
      // The cart: added within minutes, sometimes hours.
      uint32_t na = 1 + static_cast<uint32_t>(rng_.Below(std::min<uint32_t>(nv, 3)));
      uint32_t offset = static_cast<uint32_t>(items_.size());
      for (uint32_t k = 0; k < na; ++k) {
        if (rng_.Chance(0.85)) {
          later(30 * kSecond, 20 * kMinute);
        } else {
          later(kHour, 6 * kHour);
        }
        uint32_t qty = rng_.Chance(0.8) ? 1 : 2 + static_cast<uint32_t>(rng_.Below(3));
        items_.push_back(viewed[k] << 4 | qty);
        if (!ev(kProductAdded, viewed[k], qty)) return;
      }
      if (rng_.Chance(0.08)) {
        later(10 * kSecond, 3 * kMinute);
        if (!ev(kProductRemoved, viewed[0], 1)) return;
      }
      if (rng_.Chance(0.5)) {
        later(5 * kSecond, 2 * kMinute);
        if (!ev(kCartViewed)) return;
        if (!p.mobile && !ev(kPage, kCartPage)) return;
      }
      if (!rng_.Chance(p.loyal ? 0.8 : 0.55)) continue;  // an abandoned cart
      later(kMinute, 30 * kMinute);
      if (!ev(kCheckoutStarted, offset, na)) return;
      if (!p.mobile && !ev(kPage, kCheckoutPage)) return;
      uint32_t coupon = 0;  // index + 1
      double coupon_chance = p.deal_seeker ? 0.6 : 0.12;
      if (rng_.Chance(coupon_chance)) {
        later(10 * kSecond, 2 * kMinute);
        uint32_t c = static_cast<uint32_t>(rng_.Below(kCoupons.size()));
        if (rng_.Chance(0.7)) {
          coupon = c + 1;
          if (!ev(kCouponApplied, offset, na, c)) return;
        } else if (!ev(kCouponDenied, offset, na, c)) {
          return;
        }
      }
      if (!rng_.Chance(p.loyal ? 0.9 : 0.75)) continue;
      later(kMinute, 15 * kMinute);
      if (!ev(kOrderCompleted, offset, na, coupon, rng_.Chance(0.4))) return;
      if (rng_.Chance(0.04)) {
        later(2 * kDay, 20 * kDay);
        if (!ev(kOrderRefunded, offset, na, coupon, true)) return;
      } else if (rng_.Chance(0.03)) {
        later(kHour, 2 * kDay);
        if (!ev(kOrderCancelled, offset, na, coupon, true)) return;
      }
    }
  }

  const GenOptions& o_;
  Rng& rng_;
  uint32_t session_ = 0;
};

// ------------------------------------------------------------------ phase 2

// The bad-line kinds, named as ingest reports them.
enum BadKind : int {
  kInvalidJson,
  kInvalidUtf8,
  kNotAnObject,
  kUnknownType,
  kMissingTimestamp,
  kInvalidTimestamp,
  kMissingId,
  kInvalidField,
  kLineTooLong,
  kNumBadKinds
};
constexpr std::array<std::string_view, kNumBadKinds> kBadNames = {
    "invalid-json",      "invalid-utf8", "not-an-object", "unknown-type", "missing-timestamp",
    "invalid-timestamp", "missing-id",   "invalid-field", "line-too-long"};

// How a rendered line is broken (bad lines only).
struct Breakage {
  bool omit_timestamp = false;
  std::string_view timestamp;     // raw JSON replacing the timestamp value
  bool omit_received_at = false;  // no `receivedAt` (a missing-timestamp line has no time at all)
  bool omit_ids = false;
  std::string_view user_id;  // raw JSON replacing userId's value
  std::string_view type;     // raw JSON replacing type's value
  bool omit_type = false;
  std::string_view event;       // raw JSON replacing event's value
  std::string_view properties;  // raw JSON replacing the properties object
  std::string_view extra_top;   // raw `"k":v` added at the top level
  std::string extra_property;   // raw `"k":v` added to the properties
};

class Renderer {
 public:
  Renderer(const GenOptions& o, const Planner& plan) : o_(o), plan_(plan) {}

  void Render(const Record& r, std::string* out, const Breakage* br = nullptr) {
    static const Breakage kNone;
    const Breakage& b = br ? *br : kNone;
    Rng rng(Mix(o_.seed, r.serial));
    const Profile& p = plan_.profiles_[r.profile];
    out->push_back('{');
    const bool identify =
        r.kind == kIdentifyFull || r.kind == kIdentifyEmail || r.kind == kIdentifyUpdate;
    const bool alias = r.kind == kAlias || r.kind == kAliasAnon;
    std::string_view type = identify            ? "identify"
                            : alias             ? "alias"
                            : r.kind == kPage   ? "page"
                            : r.kind == kScreen ? "screen"
                                                : "track";
    if (b.omit_type) {
      out->append("\"version\":2");  // some first field, so the commas below stay right
    } else {
      out->append("\"type\":");
      if (!b.type.empty()) {
        out->append(b.type);
      } else {
        Str(type, out);
      }
    }
    if (type == "track") {
      out->append(",\"event\":");
      if (!b.event.empty()) {
        out->append(b.event);
      } else {
        Str(EventName(r.kind), out);
      }
    } else if (type == "page") {
      out->append(",\"name\":");
      Str(PageName(r), out);
    } else if (type == "screen") {
      out->append(",\"name\":");
      Str(kScreens[r.a % kScreens.size()], out);
    }
    if (!b.omit_ids) {
      if (alias) {
        out->append(",\"previousId\":\"");
        if (r.kind == kAlias) {
          Legacy(p, out);
        } else {
          Anon(p, 0, out);
        }
        out->push_back('"');
      }
      if (r.ids & kHasUser) {
        out->append(",\"userId\":");
        if (!b.user_id.empty()) {
          out->append(b.user_id);
        } else {
          out->push_back('"');
          if (r.ids & kLegacyUser) {
            Legacy(p, out);
          } else {
            User(p, out);
          }
          out->push_back('"');
        }
      }
      if (r.ids & kHasAnon) {
        out->append(",\"anonymousId\":\"");
        Anon(p, r.device, out);
        out->push_back('"');
      }
    }
    // A few lines (2%) come without a messageId, which is optional.
    if (!rng.Chance(0.02)) {
      out->append(",\"messageId\":\"");
      Uuid(Mix(o_.seed ^ 0x6d736769ULL, r.serial), Mix(o_.seed ^ 0x64ULL, r.serial), out);
      out->push_back('"');
    }
    if (!b.omit_timestamp) {
      out->append(",\"timestamp\":");
      if (!b.timestamp.empty()) {
        out->append(b.timestamp);
      } else {
        out->push_back('"');
        // 5% of senders report local time with an offset.
        int offset = 0;
        if (rng.Chance(0.05)) {
          static constexpr int kOffsets[] = {120, 60, -300, -480, 330};
          offset = kOffsets[rng.Below(5)];
        }
        AppendTime(out, r.ts, offset);
        out->push_back('"');
      }
    }
    if (identify) {
      out->append(",\"traits\":{");
      Traits(r, p, &rng, out);
      out->push_back('}');
    } else if (!alias) {
      out->append(",\"properties\":");
      if (!b.properties.empty()) {
        out->append(b.properties);
      } else {
        out->push_back('{');
        size_t mark = out->size();
        Properties(r, &rng, out);
        if (!b.extra_property.empty()) {
          if (out->size() > mark) out->push_back(',');
          out->append(b.extra_property);
        }
        out->push_back('}');
      }
    }
    if (!b.extra_top.empty()) {
      out->push_back(',');
      out->append(b.extra_top);
    }
    Context(p, r, &rng, out);
    const int64_t received = r.ts + rng.Range(1600, 4000);
    if (!b.omit_received_at) {
      out->append(",\"receivedAt\":\"");
      AppendTime(out, received);
      out->push_back('"');
    }
    out->push_back('}');
  }

 private:
  static void Str(std::string_view s, std::string* out) {
    out->push_back('"');
    out->append(s);
    out->push_back('"');
  }
  static void Key(std::string_view k, std::string* out) {
    if (out->back() != '{') out->push_back(',');
    out->push_back('"');
    out->append(k);
    out->append("\":");
  }
  static void KStr(std::string_view k, std::string_view v, std::string* out) {
    Key(k, out);
    Str(v, out);
  }
  static void KInt(std::string_view k, int64_t v, std::string* out) {
    Key(k, out);
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, res.ptr);
  }
  static void KMoney(std::string_view k, int64_t cents, std::string* out) {
    Key(k, out);
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, static_cast<double>(cents) / 100.0);
    out->append(buf, res.ptr);
  }
  static void Hex(uint64_t v, int digits, std::string* out) {
    static const char* kHex = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i) out->push_back(kHex[(v >> (4 * i)) & 15]);
  }
  static void Uuid(uint64_t hi, uint64_t lo, std::string* out) {
    Hex(hi >> 32, 8, out);
    out->push_back('-');
    Hex(hi >> 16, 4, out);
    out->append("-4");
    Hex(hi, 3, out);
    out->push_back('-');
    Hex(8 | (lo >> 62), 1, out);
    Hex(lo >> 48, 3, out);
    out->push_back('-');
    Hex(lo, 12, out);
  }
  static void User(const Profile& p, std::string* out) {
    out->push_back('u');
    out->append(std::to_string(p.number));
  }
  static void Legacy(const Profile& p, std::string* out) {
    out->append("legacy-");
    out->append(std::to_string(p.number));
  }
  static void Anon(const Profile& p, int device, std::string* out) {
    Uuid(p.anon[device][0], p.anon[device][1], out);
  }

  static std::string_view EventName(uint16_t kind) {
    switch (kind) {
      case kSearched: return "Products Searched";
      case kListViewed: return "Product List Viewed";
      case kProductViewed: return "Product Viewed";
      case kProductAdded: return "Product Added";
      case kProductRemoved: return "Product Removed";
      case kCartViewed: return "Cart Viewed";
      case kCheckoutStarted: return "Checkout Started";
      case kCouponApplied: return "Coupon Applied";
      case kCouponDenied: return "Coupon Denied";
      case kOrderCompleted: return "Order Completed";
      case kOrderRefunded: return "Order Refunded";
      case kOrderCancelled: return "Order Cancelled";
      case kPromotionViewed: return "Promotion Viewed";
      case kPromotionClicked: return "Promotion Clicked";
      case kWishlist: return "Product Added to Wishlist";
    }
    return "Product Viewed";
  }

  std::string PageName(const Record& r) const {
    switch (r.a) {
      case kHome: return "Home";
      case kCategoryPage: return std::string(kCategories[r.b % kCategories.size()]);
      case kProductPage: return ProductName(plan_.products_[r.b]);
      case kBlog: return "Blog";
      case kCartPage: return "Cart";
      default: return "Checkout";
    }
  }

  static std::string ProductName(const Product& p) {
    std::string s(kAdjectives[p.adjective]);
    s.push_back(' ');
    s.append(kNouns[p.category][p.noun]);
    return s;
  }

  static std::string Slug(std::string_view s) {
    std::string out;
    for (char c : s)
      out.push_back(c == ' ' ? '-' : static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
    return out;
  }

  void PageProperties(const Record& r, std::string* out) const {
    std::string path;
    switch (r.a) {
      case kHome: path = "/"; break;
      case kCategoryPage: path = "/c/" + Slug(kCategories[r.b % kCategories.size()]); break;
      case kProductPage: path = "/p/" + std::to_string(r.b); break;
      case kBlog: path = "/blog/" + std::string(kBlogSlugs[r.b % kBlogSlugs.size()]); break;
      case kCartPage: path = "/cart"; break;
      default: path = "/checkout"; break;
    }
    KStr("path", path, out);
    KStr("url", "https://shop.example.com" + path, out);
    KStr("title", PageName(r) + " | Example Shop", out);
  }

  void ProductFields(uint32_t id, Rng* rng, std::string* out, bool full) const {
    const Product& p = plan_.products_[id];
    KStr("product_id", "p" + std::to_string(id), out);
    char sku[16];
    std::snprintf(sku, sizeof sku, "SKU-%05u", id);
    KStr("sku", sku, out);
    KStr("category", kCategories[p.category], out);
    KStr("name", ProductName(p), out);
    if (full) KStr("brand", kBrands[p.brand], out);
    // A rare client sends the price as a string (a type mismatch, not a bad line).
    if (rng->Chance(0.001)) {
      Key("price", out);
      out->push_back('"');
      char buf[32];
      auto res = std::to_chars(buf, buf + sizeof buf, p.cents / 100.0);
      out->append(buf, res.ptr);
      out->push_back('"');
    } else {
      KMoney("price", p.cents, out);
    }
  }

  // Order totals from its items: subtotal, discount (coupon %), shipping, tax.
  struct Totals {
    int64_t subtotal, discount, shipping, tax, total;
    uint32_t count;
  };
  Totals OrderTotals(const Record& r, uint32_t coupon) const {
    Totals t{};
    for (uint32_t k = 0; k < r.b; ++k) {
      uint32_t item = plan_.items_[r.a + k];
      t.subtotal += static_cast<int64_t>(plan_.products_[item >> 4].cents) * (item & 15);
      t.count += item & 15;
    }
    if (coupon > 0) t.discount = t.subtotal * kCouponPercent[coupon - 1] / 100;
    t.shipping = t.subtotal >= 5000 || (coupon > 0 && kCouponPercent[coupon - 1] == 0) ? 0 : 495;
    t.tax = (t.subtotal - t.discount) * 8 / 100;
    t.total = t.subtotal - t.discount + t.shipping + t.tax;
    return t;
  }

  std::string OrderId(const Record& r) const { return "o" + std::to_string(r.session); }

  void Properties(const Record& r, Rng* rng, std::string* out) const {
    std::string_view currency = kCurrencies[Rng(Mix(o_.seed, r.profile)).Pick(kCurrencyWeights)];
    switch (r.kind) {
      case kPage: PageProperties(r, out); break;
      case kScreen: break;
      case kSearched: KStr("query", kQueries[r.a % kQueries.size()], out); break;
      case kListViewed: {
        KStr("list_id", "list-" + Slug(kCategories[r.a % kCategories.size()]), out);
        KStr("category", kCategories[r.a % kCategories.size()], out);
        Key("products", out);
        out->push_back('[');
        for (int k = 0; k < 3; ++k) {
          if (k) out->push_back(',');
          out->append("{\"product_id\":\"p");
          out->append(std::to_string(rng->Below(plan_.products_.size())));
          out->append("\"}");
        }
        out->push_back(']');
        break;
      }
      case kProductViewed:
        ProductFields(r.a, rng, out, true);
        KStr("currency", currency, out);
        break;
      case kProductAdded:
      case kProductRemoved:
        KStr("cart_id", "c" + std::to_string(r.session), out);
        ProductFields(r.a, rng, out, false);
        KInt("quantity", r.b, out);
        break;
      case kWishlist:
        KStr("wishlist_id", "w" + std::to_string(r.profile), out);
        ProductFields(r.a, rng, out, false);
        break;
      case kCartViewed: KStr("cart_id", "c" + std::to_string(r.session), out); break;
      case kPromotionViewed:
      case kPromotionClicked:
        KStr("promotion_id", "promo-" + std::to_string(r.a), out);
        KStr("creative", r.a % 2 ? "banner-a" : "banner-b", out);
        KStr("name", r.a % 2 ? "Autumn Sale" : "Free Shipping Week", out);
        KStr("position", r.a < 2 ? "home_top" : "sidebar", out);
        break;
      case kCheckoutStarted: {
        Totals t = OrderTotals(r, 0);
        KStr("order_id", OrderId(r), out);
        KMoney("value", t.subtotal, out);
        KMoney("revenue", t.subtotal, out);
        KStr("currency", currency, out);
        break;
      }
      case kCouponApplied:
      case kCouponDenied: {
        KStr("order_id", OrderId(r), out);
        KStr("cart_id", "c" + std::to_string(r.session), out);
        KStr("coupon_id", "cp" + std::to_string(r.c), out);
        KStr("coupon_name", kCoupons[r.c], out);
        if (r.kind == kCouponApplied) {
          KMoney("discount", OrderTotals(r, r.c + 1).discount, out);
        } else {
          KStr("reason", kDenyReasons[rng->Below(kDenyReasons.size())], out);
        }
        break;
      }
      case kOrderCompleted: {
        Totals t = OrderTotals(r, r.c);
        KStr("checkout_id", "ch" + std::to_string(r.session), out);
        KStr("order_id", OrderId(r), out);
        KStr("affiliation", "Example Shop", out);
        KMoney("subtotal", t.subtotal, out);
        KMoney("total", t.total, out);
        KMoney("revenue", t.subtotal - t.discount, out);
        KMoney("shipping", t.shipping, out);
        KMoney("tax", t.tax, out);
        KMoney("discount", t.discount, out);
        if (r.c > 0) KStr("coupon", kCoupons[r.c - 1], out);
        KStr("currency", currency, out);
        Key("products", out);
        out->push_back('[');
        for (uint32_t k = 0; k < r.b; ++k) {
          uint32_t item = plan_.items_[r.a + k];
          if (k) out->push_back(',');
          out->append("{\"product_id\":\"p");
          out->append(std::to_string(item >> 4));
          out->append("\",\"quantity\":");
          out->append(std::to_string(item & 15));
          out->push_back('}');
        }
        out->push_back(']');
        break;
      }
      case kOrderRefunded: {
        Totals t = OrderTotals(r, r.c);
        KStr("order_id", OrderId(r), out);
        KMoney("total", t.total, out);
        KStr("currency", currency, out);
        break;
      }
      case kOrderCancelled: {
        Totals t = OrderTotals(r, r.c);
        KStr("order_id", OrderId(r), out);
        KMoney("total", t.total, out);
        KMoney("revenue", t.subtotal - t.discount, out);
        KStr("currency", currency, out);
        break;
      }
      default: break;
    }
  }

  void Email(const Profile& p, std::string* out) const {
    std::string first(kFirstNames[p.first]), last(kLastNames[p.last]);
    std::string local;
    for (char c : first + "." + last) {
      // ASCII letters only in the address.
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.') local.push_back(c);
    }
    local += std::to_string(p.number % 100);
    std::string domain(kDomains[p.domain]);
    // Mixed case and stray whitespace, as people type them (normalize email fixes it).
    if (p.email_style & 1) {
      for (char& c : local) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    if (p.email_style == 2) {
      for (char& c : domain) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    if (p.email_style == 4) out->push_back(' ');
    out->append(local);
    out->push_back('@');
    out->append(domain);
    if (p.email_style == 4 || p.email_style == 6) out->append("  ");
  }

  void Traits(const Record& r, const Profile& p, Rng* rng, std::string* out) const {
    auto email = [&] {
      Key("email", out);
      out->push_back('"');
      Email(p, out);
      out->push_back('"');
    };
    if (r.kind == kIdentifyEmail) {
      email();
      return;
    }
    if (r.kind == kIdentifyUpdate) {
      // A later identify changes one trait (latest wins) or nulls the opt-in.
      switch (rng->Below(4)) {
        case 0: KStr("country", kCountries[(p.country + 1) % kCountries.size()], out); break;
        case 1:
          Key("email_opt_in", out);
          out->append(p.opt_in ? "false" : "true");
          break;
        case 2: KStr("loyalty_tier", kTiers[std::min<size_t>(p.tier + 1, 3)], out); break;
        default:
          Key("email_opt_in", out);
          out->append("null");
          break;
      }
      return;
    }
    email();
    KStr("first_name", kFirstNames[p.first], out);
    KStr("last_name", kLastNames[p.last], out);
    KStr("country", kCountries[p.country], out);
    Key("email_opt_in", out);
    out->append(p.opt_in ? "true" : "false");
    KStr("loyalty_tier", kTiers[p.tier], out);
    if (rng->Chance(0.3)) {
      Key("address", out);
      out->append("{\"city\":\"Stockholm\",\"postal_code\":\"11122\"}");
    }
  }

  void Context(const Profile& p, const Record& r, Rng* rng, std::string* out) const {
    out->append(",\"context\":{\"library\":{\"name\":");
    out->append(p.mobile ? "\"analytics-ios\",\"version\":\"4.1.5\"}"
                         : "\"analytics.js\",\"version\":\"5.2.0\"}");
    out->append(",\"ip\":\"");
    uint64_t ip = Mix(o_.seed ^ 0x6970ULL, r.profile * 2 + r.device);
    out->append(std::to_string(20 + ip % 200) + "." + std::to_string((ip >> 8) & 255) + "." +
                std::to_string((ip >> 16) & 255) + "." + std::to_string((ip >> 24) & 255));
    out->append("\",\"locale\":\"");
    out->append(kLocales[p.country]);
    out->push_back('"');
    if (p.mobile) {
      out->append(",\"app\":{\"name\":\"Example Shop\",\"version\":\"3.2.1\"}");
    } else if (rng->Chance(0.25)) {
      // Some web sources forward the user agent.
      out->append(",\"userAgent\":\"");
      out->append(kUserAgents[(r.profile + r.device) % kUserAgents.size()]);
      out->push_back('"');
    }
    out->push_back('}');
  }

  const GenOptions& o_;
  const Planner& plan_;
};

// Writes the lines: good records in time order, with bad lines and
// duplicates interleaved at random positions (exact counts).
class Writer {
 public:
  Writer(const GenOptions& o, Planner* plan, std::ostream& out, GenStats* st)
      : o_(o), plan_(*plan), out_(out), st_(*st), render_(o, *plan), rng_(Mix(o.seed, 0xba11ULL)) {}

  void Write(uint64_t bad, uint64_t dups) {
    std::vector<Record>& recs = plan_.records_;
    std::sort(recs.begin(), recs.end(), [](const Record& a, const Record& b) {
      return a.ts != b.ts ? a.ts < b.ts : a.serial < b.serial;
    });
    // Bad lines per kind: over-long lines are few (they are big), the rest even.
    std::array<uint64_t, kNumBadKinds> kinds{};
    if (bad > 0) {
      kinds[kLineTooLong] = std::min<uint64_t>(std::max<uint64_t>(1, bad / 100), 64);
      if (bad < kNumBadKinds) kinds[kLineTooLong] = 0;
      uint64_t rest = bad - kinds[kLineTooLong];
      for (int k = 0; k < kNumBadKinds; ++k) {
        if (k == kLineTooLong) continue;
        kinds[k] = rest / (kNumBadKinds - 1);
      }
      uint64_t left = rest - (rest / (kNumBadKinds - 1)) * (kNumBadKinds - 1);
      for (int k = 0; left > 0; ++k, --left) kinds[k]++;
    }
    size_t next = 0;
    uint64_t bad_left = bad, dup_left = dups;
    while (next < recs.size() || bad_left > 0 || dup_left > 0) {
      uint64_t good_left = recs.size() - next;
      uint64_t total = good_left + bad_left + dup_left;
      uint64_t pick = rng_.Below(total);
      if (pick < good_left ||
          (pick >= good_left + bad_left && last_good_.empty() && good_left > 0)) {
        line_.clear();
        const Record& r = recs[next++];
        render_.Render(r, &line_);
        Count(r);
        if (line_.find("\"messageId\"") != std::string::npos) last_good_ = line_;
        Emit();
      } else if (pick < good_left + bad_left) {
        int kind = PickKind(&kinds, bad_left);
        --bad_left;
        BadLine(kind);
        st_.bad[std::string(kBadNames[kind])]++;
        Emit();
      } else if (!last_good_.empty()) {
        --dup_left;
        line_ = last_good_;
        st_.duplicates++;
        Emit();
      } else {
        dup_left = 0;  // nothing to repeat yet, and no good line left
      }
    }
    Flush();
  }

 private:
  int PickKind(std::array<uint64_t, kNumBadKinds>* kinds, uint64_t left) {
    uint64_t r = rng_.Below(left);
    for (int k = 0; k < kNumBadKinds; ++k) {
      if (r < (*kinds)[k]) {
        --(*kinds)[k];
        return k;
      }
      r -= (*kinds)[k];
    }
    return kInvalidJson;
  }

  void Count(const Record& r) {
    switch (r.kind) {
      case kIdentifyFull:
      case kIdentifyEmail:
      case kIdentifyUpdate: st_.identifies++; break;
      case kAlias:
      case kAliasAnon: st_.aliases++; break;
      default: st_.events++; break;
    }
  }

  // A synthetic record for a bad line: some event of some profile.
  Record Synthetic() {
    Record r{};
    r.profile = static_cast<uint32_t>(rng_.Below(plan_.profiles_.size()));
    r.ts = kStart + rng_.Range(0, kSpan - kDay);
    r.kind = rng_.Chance(0.5) ? kProductViewed : kSearched;
    r.a = static_cast<uint32_t>(rng_.Below(r.kind == kProductViewed ? plan_.products_.size() : 10));
    r.ids = rng_.Chance(0.5) ? kHasAnon : kHasAnon | kHasUser;
    r.serial = static_cast<uint32_t>(0x80000000u + bad_serial_++);
    return r;
  }

  void BadLine(int kind) {
    line_.clear();
    Record r = Synthetic();
    Breakage b;
    uint64_t v = rng_.Below(5);
    switch (kind) {
      case kInvalidJson: {
        if (v < 3) {
          // Truncated (a crashed writer): cut on a character boundary.
          render_.Render(r, &line_);
          size_t cut = 1 + rng_.Below(line_.size() - 1);
          while (cut > 1 && (static_cast<unsigned char>(line_[cut]) & 0xC0) == 0x80) --cut;
          line_.resize(cut);
        } else if (v == 3) {
          render_.Render(r, &line_);
          line_.append(" {\"type\":");  // two documents glued together
        } else {
          line_ = "{'type': 'track', 'event': 'Product Viewed'}";
        }
        return;
      }
      case kInvalidUtf8:
        b.extra_property = v < 3 ? "\"note\":\"caf\xC3\x28 au lait\"" : "\"note\":\"\xFF\xFE\"";
        break;
      case kNotAnObject: {
        static constexpr std::string_view kTexts[] = {"[1,2,3]", "\"just a string\"", "42", "null",
                                                      "[{\"type\":\"track\"}]"};
        line_ = kTexts[v];
        return;
      }
      case kUnknownType:
        if (v < 2) {
          // (`group` is a Segment call aud reads; these are not.)
          b.type = v == 0 ? "\"Group\"" : "\"subscribe\"";
          b.extra_top = "\"groupId\":\"g-17\"";
        } else if (v < 4) {
          b.type = v == 2 ? "\"Track\"" : "42";
        } else {
          b.omit_type = true;
        }
        break;
      case kMissingTimestamp:
        // Without `receivedAt` too: it would be the time (docs/runtime.md).
        b.omit_received_at = true;
        if (v < 3) {
          b.omit_timestamp = true;
        } else {
          b.timestamp = "null";
        }
        break;
      case kInvalidTimestamp: {
        static constexpr std::string_view kTimes[] = {"\"2026-02-30T10:00:00Z\"", "\"yesterday\"",
                                                      "1767225600", "\"2026-13-01T00:00:00Z\"",
                                                      "\"2026-10-01 12:00:00\""};
        b.timestamp = kTimes[v];
        break;
      }
      case kMissingId: b.omit_ids = true; break;
      case kInvalidField:
        if (v < 2) {
          b.properties = "\"oops\"";
        } else if (v < 4) {
          r.ids = kHasUser | kHasAnon;
          b.user_id = "12345";
        } else {
          r.kind = kProductViewed;
          b.event = "7";
        }
        break;
      case kLineTooLong: {
        render_.Render(r, &line_);
        size_t pad =
            o_.long_line_bytes > line_.size() + 16 ? o_.long_line_bytes - line_.size() - 16 : 1;
        line_.clear();
        b.extra_property = "\"padding\":\"" + std::string(pad, 'x') + "\"";
        break;
      }
      default: break;
    }
    render_.Render(r, &line_, &b);
  }

  void Emit() {
    buf_.append(line_);
    buf_.push_back('\n');
    st_.lines++;
    if (buf_.size() >= (1u << 20)) Flush();
  }
  void Flush() {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
  }

  const GenOptions& o_;
  Planner& plan_;
  std::ostream& out_;
  GenStats& st_;
  Renderer render_;
  Rng rng_;
  std::string line_, last_good_, buf_;
  uint32_t bad_serial_ = 0;
};

}  // namespace

uint64_t GenStats::Bad() const {
  uint64_t n = 0;
  for (const auto& [k, v] : bad) n += v;
  return n;
}

GenStats GenerateEvents(const GenOptions& options, std::ostream& out) {
  GenStats st;
  GenOptions o = options;
  if (o.profiles == 0) o.profiles = 1;
  double frac = std::clamp(o.bad_fraction, 0.0, 1.0);
  uint64_t bad = static_cast<uint64_t>(std::llround(static_cast<double>(o.events) * frac));
  // Retries: 0.2% of the good lines are sent twice.
  uint64_t dups = o.events >= 500 ? (o.events - bad) / 500 : 0;
  uint64_t good = o.events - bad - dups;
  Rng rng(o.seed);
  Planner plan(o, &rng);
  plan.Plan(good);
  Writer w(o, &plan, out, &st);
  w.Write(bad, dups);
  return st;
}

}  // namespace aud::gen
