// bench_queries: Q1–Q5 and a batch of generated segments over one generated
// store, on every engine: the aud JIT (fast and O2 tiers, when built with
// AUD_BENCH_WITH_JIT), the aud interpreter, a hand-written C++ loop per query
// over the same store and profiles (the limit of our layout), and DuckDB with
// threads=1 and threads=2 (bench/duckdb/run.mjs), and aud's PostgreSQL
// engines when their servers are given: `postgres` (one server,
// $AUD_BENCH_PG_DSN) and `pg-shardN` (coordinator $AUD_BENCH_PG_DSN, shards
// $AUD_BENCH_PG_SHARD_1 … $AUD_BENCH_PG_SHARD_N, N = $AUD_BENCH_PG_SHARDS);
// each of their runs loads the data and evaluates, as `aud eval --engine
// postgres` does, so they run --pg-runs timed runs (the first being the
// members-checked run), on the queries of --pg-queries (default: all). Every engine's member count
// and member hash must agree, or the program exits with status 1. Engines
// alternate run by run; medians of --runs timed runs after one untimed
// warm-up run. aud engines and the hand loop run on one thread (per-core
// figures). See bench/README.md.
//
//   bench_queries --profiles N --events M [--seed S] [--runs R] [--data-dir DIR]
//                 [--queries DIR] [--duckdb bench/duckdb/run.mjs] [--node node]
//                 [--batch 100] [--jit-cache DIR] [--pg-runs 1]
//                 [--pg-queries Q1,B100]

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_data.h"
#include "compiler/check/check.h"
#include "compiler/ir/ir.h"
#include "runtime/driver/driver.h"
#include "runtime/eval/eval.h"
#include "runtime/sql_engine/pg_engine.h"
#include "runtime/sql_engine/shard_engine.h"
#include "runtime/store/cache.h"
#include "runtime/store/hash.h"
#include "runtime/store/profiles.h"
#ifdef AUD_BENCH_WITH_JIT
#include "runtime/jit/jit.h"
#endif

namespace {

using namespace aud;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Options {
  bench::DataOptions data;
  int runs = 5;
  std::string data_dir = "build/bench-data";
  std::string queries = "bench/queries";
  std::string duckdb;  // path of run.mjs; empty: no DuckDB
  std::string node = "node";
  int batch = 100;
  std::string jit_cache;  // default: <data-dir>/jit-cache
  // Which queries (Q1..Q5, B<batch>) and engines run; empty: all.
  std::vector<std::string> only, engines;
  int pg_runs = 1;         // timed runs of the PostgreSQL engines
  std::string pg_queries;  // comma-separated query ids for them; empty: all
};

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= s.size()) {
    size_t comma = s.find(',', at);
    if (comma == std::string::npos) comma = s.size();
    if (comma > at) out.push_back(s.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

bool Selected(const std::vector<std::string>& list, const std::string& name) {
  return list.empty() || std::find(list.begin(), list.end(), name) != list.end();
}

// ------------------------------------------------------------------ results

// What a query's members are, per segment (one for Q1–Q5, --batch for the
// batch): the count, XXH64 over the member keys in profile (key) order each
// followed by '\n', and an order-free checksum of pids that SQL can compute
// (the DuckDB batch returns only counts and checksums).
struct Summary {
  std::vector<uint64_t> count, key_hash, pid_sum;
  bool has_keys = true;
};

uint64_t PidTerm(uint32_t pid) { return (uint64_t{pid} * 2654435761ULL) % 4294967291ULL; }

void AddSegment(Summary* s, const eval::Bitset& b, const store::Profiles& profiles) {
  uint64_t n = 0, sum = 0;
  store::Hasher h;
  for (size_t w = 0; w < b.words.size(); ++w) {
    uint64_t word = b.words[w];
    while (word) {
      uint32_t p = static_cast<uint32_t>(w * 64 + __builtin_ctzll(word));
      word &= word - 1;
      if (p >= profiles.count) continue;
      ++n;
      sum += PidTerm(p);
      h.Update(profiles.key[p].data(), profiles.key[p].size());
      h.Update("\n", 1);
    }
  }
  s->count.push_back(n);
  s->key_hash.push_back(h.Digest());
  s->pid_sum.push_back(sum);
}

// `a` agrees with the reference `ref`; `why` says where not.
bool Agrees(const Summary& ref, const Summary& a, std::string* why) {
  if (ref.count.size() != a.count.size()) {
    *why = "segment count differs";
    return false;
  }
  for (size_t i = 0; i < ref.count.size(); ++i) {
    if (ref.count[i] != a.count[i] || ref.pid_sum[i] != a.pid_sum[i] ||
        (ref.has_keys && a.has_keys && ref.key_hash[i] != a.key_hash[i])) {
      *why = "segment " + std::to_string(i) + ": " + std::to_string(a.count[i]) + " members vs " +
             std::to_string(ref.count[i]);
      return false;
    }
  }
  return true;
}

uint64_t TotalCount(const Summary& s) {
  uint64_t n = 0;
  for (uint64_t c : s.count) n += c;
  return n;
}

uint64_t CombinedHash(const Summary& s) {
  if (s.key_hash.size() == 1) return s.key_hash[0];
  store::Hasher h;
  for (uint64_t v : s.key_hash) h.Update(&v, sizeof v);
  return h.Digest();
}

// ------------------------------------------------------------------ DuckDB

// The node process running bench/duckdb/run.mjs, spoken to in JSON lines.
class DuckDb {
 public:
  bool Start(const std::string& node, const std::string& script, std::string* error) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) {
      *error = "pipe failed";
      return false;
    }
    pid_ = fork();
    if (pid_ < 0) {
      *error = "fork failed";
      return false;
    }
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[0]);
      close(in[1]);
      close(out[0]);
      close(out[1]);
      execlp(node.c_str(), node.c_str(), script.c_str(), static_cast<char*>(nullptr));
      std::perror("exec node");
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_ = fdopen(in[1], "w");
    from_ = fdopen(out[0], "r");
    return to_ && from_;
  }
  ~DuckDb() {
    if (to_) std::fclose(to_);
    if (from_) std::fclose(from_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
  }
  // Sends one command; the reply, or an object with "ok": false.
  json Call(const json& cmd) {
    std::string line = cmd.dump() + "\n";
    if (std::fwrite(line.data(), 1, line.size(), to_) != line.size() || std::fflush(to_) != 0)
      return json{{"ok", false}, {"error", "the DuckDB process is gone"}};
    std::string reply;
    char buf[1 << 16];
    while (std::fgets(buf, sizeof buf, from_)) {
      reply += buf;
      if (!reply.empty() && reply.back() == '\n') break;
    }
    if (reply.empty()) return json{{"ok", false}, {"error", "the DuckDB process exited"}};
    json j = json::parse(reply, nullptr, false);
    if (j.is_discarded())
      return json{{"ok", false}, {"error", "bad reply: " + reply.substr(0, 200)}};
    return j;
  }

 private:
  pid_t pid_ = -1;
  std::FILE* to_ = nullptr;
  std::FILE* from_ = nullptr;
};

// ------------------------------------------------------------------ hand loops

// Store codes and columns the hand loops read.
struct Bound {
  int64_t as_of = bench::kAsOf;
  std::vector<int> code_of_type;                  // store type -> kEventTypes index, -1 if none
  std::array<int, bench::kNumEventTypes> type{};  // kEventTypes index -> store type (-1)
  uint32_t country = UINT32_MAX, tier = UINT32_MAX, opt_in = UINT32_MAX;
  const store::Column* order_revenue = nullptr;
  std::deque<store::Column> dense;  // a dense copy when the store column is sparse
  const store::EventStore* s = nullptr;
  const store::Profiles* p = nullptr;
};

Bound Bind(const store::EventStore& s, const store::Profiles& p) {
  Bound b;
  b.s = &s;
  b.p = &p;
  b.type.fill(-1);
  b.code_of_type.assign(s.types.size(), -1);
  for (size_t t = 0; t < s.types.size(); ++t)
    for (int k = 0; k < bench::kNumEventTypes; ++k) {
      std::string key = k == 0 ? "page" : "track:" + std::string(bench::kEventTypes[k]);
      if (s.types[t].key == key) {
        b.type[k] = static_cast<int>(t);
        b.code_of_type[t] = k;
      }
    }
  b.country = s.dict.Find("country");
  b.tier = s.dict.Find("tier");
  b.opt_in = s.dict.Find("email_opt_in");
  uint32_t revenue = s.dict.Find("revenue");
  if (b.type[6] >= 0 && revenue != UINT32_MAX)
    b.order_revenue = s.types[b.type[6]].Find(revenue, store::ValueKind::Float);
  if (b.order_revenue && b.order_revenue->sparse) {
    b.dense.push_back(b.order_revenue->Dense(s.types[b.type[6]].rows));
    b.order_revenue = &b.dense.back();
  }
  return b;
}

// The current value of a string trait (dictionary code), or UINT32_MAX.
uint32_t StringTrait(const store::Profiles& p, uint32_t profile, uint32_t name) {
  uint32_t v = UINT32_MAX;
  for (uint32_t k = p.trait_offsets[profile]; k < p.trait_offsets[profile + 1]; ++k) {
    const store::TraitValue& t = p.traits[k];
    if (t.name == name && t.kind == store::ValueKind::String) v = t.str;
  }
  return v;
}

// -1 missing, else 0/1.
int BoolTrait(const store::Profiles& p, uint32_t profile, uint32_t name) {
  int v = -1;
  for (uint32_t k = p.trait_offsets[profile]; k < p.trait_offsets[profile + 1]; ++k) {
    const store::TraitValue& t = p.traits[k];
    if (t.name == name && t.kind == store::ValueKind::Bool) v = t.b ? 1 : 0;
  }
  return v;
}

constexpr int64_t kHourMs = 3'600'000;

eval::Bitset HandQ1(const Bound& b) {
  const store::EventStore& s = *b.s;
  const store::Profiles& P = *b.p;
  eval::Bitset out;
  out.Resize(P.count);
  const uint32_t se = s.dict.Find("SE");
  const int order = b.type[6], unsub = b.type[9];
  const int64_t lo = b.as_of - 30 * bench::kDayMs;
  const store::Column* rev = b.order_revenue;
  for (uint32_t p = 0; p < P.count; ++p) {
    if (se == UINT32_MAX || StringTrait(P, p, b.country) != se) continue;
    int n = 0;
    bool unsubscribed = false;
    for (uint64_t k = P.event_offsets[p]; k < P.event_offsets[p + 1]; ++k) {
      const uint32_t e = P.events[k];
      const int t = s.type[e];
      if (t == unsub) {
        unsubscribed = true;
        break;
      }
      if (t == order && s.ts[e] > lo && rev) {
        const uint32_t row = s.row[e];
        n += rev->Valid(row) && rev->floats[row] > 50;
      }
    }
    if (!unsubscribed && n >= 3) out.Set(p);
  }
  return out;
}

eval::Bitset HandQ2(const Bound& b) {
  const store::EventStore& s = *b.s;
  const store::Profiles& P = *b.p;
  eval::Bitset out;
  out.Resize(P.count);
  const int signed_up = b.type[7];
  const int64_t lo = b.as_of - 7 * bench::kDayMs;
  // Events are time-ordered: walk back from the newest while inside the window.
  for (uint32_t p = 0; p < P.count; ++p) {
    for (uint64_t k = P.event_offsets[p + 1]; k > P.event_offsets[p]; --k) {
      const uint32_t e = P.events[k - 1];
      if (s.ts[e] <= lo) break;
      if (s.type[e] == signed_up) {
        out.Set(p);
        break;
      }
    }
  }
  return out;
}

eval::Bitset HandQ3(const Bound& b) {
  const store::EventStore& s = *b.s;
  const store::Profiles& P = *b.p;
  eval::Bitset out;
  out.Resize(P.count);
  const int order = b.type[6], added = b.type[3];
  const store::Column* rev = b.order_revenue;
  for (uint32_t p = 0; p < P.count; ++p) {
    double sum = 0;
    int adds = 0;
    for (uint64_t k = P.event_offsets[p]; k < P.event_offsets[p + 1]; ++k) {
      const uint32_t e = P.events[k];
      const int t = s.type[e];
      if (t == added) {
        ++adds;
      } else if (t == order && rev) {
        const uint32_t row = s.row[e];
        if (rev->Valid(row)) sum += rev->floats[row];
      }
    }
    if (sum >= 500 || adds >= 5) out.Set(p);
  }
  return out;
}

eval::Bitset HandQ4(const Bound& b) {
  const store::EventStore& s = *b.s;
  const store::Profiles& P = *b.p;
  eval::Bitset out;
  out.Resize(P.count);
  const int viewed = b.type[2], added = b.type[3], order = b.type[6];
  constexpr int64_t kNone = INT64_MIN;
  for (uint32_t p = 0; p < P.count; ++p) {
    // The latest completion of each step: the best start for the next one.
    int64_t view = kNone, add = kNone;
    for (uint64_t k = P.event_offsets[p]; k < P.event_offsets[p + 1]; ++k) {
      const uint32_t e = P.events[k];
      const int t = s.type[e];
      const int64_t ts = s.ts[e];
      if (t == viewed) {
        view = ts;
      } else if (t == added) {
        if (view != kNone && ts - view <= kHourMs) add = ts;
      } else if (t == order) {
        if (add != kNone && ts - add <= bench::kDayMs) {
          out.Set(p);
          break;
        }
      }
    }
  }
  return out;
}

eval::Bitset HandQ5(const Bound& b) {
  const store::EventStore& s = *b.s;
  const store::Profiles& P = *b.p;
  eval::Bitset out;
  out.Resize(P.count);
  const int searched = b.type[1], order = b.type[6], signed_in = b.type[8];
  const int64_t lo = b.as_of - 60 * bench::kDayMs;
  constexpr int64_t kNone = INT64_MIN;
  for (uint32_t p = 0; p < P.count; ++p) {
    const uint64_t begin = P.event_offsets[p], end = P.event_offsets[p + 1];
    // No login for 60 days: walk back from the newest event.
    bool recent_login = false;
    for (uint64_t k = end; k > begin; --k) {
      const uint32_t e = P.events[k - 1];
      if (s.ts[e] <= lo) break;
      if (s.type[e] == signed_in) {
        recent_login = true;
        break;
      }
    }
    if (!recent_login) {
      out.Set(p);
      continue;
    }
    // The earliest search not yet followed by an order within a day.
    int64_t open = kNone;
    bool hit = false;
    for (uint64_t k = begin; k < end && !hit; ++k) {
      const uint32_t e = P.events[k];
      const int t = s.type[e];
      if (t == searched) {
        if (open == kNone) open = s.ts[e];
      } else if (t == order && open != kNone) {
        if (s.ts[e] > open + bench::kDayMs) {
          hit = true;  // its day passed with no order
        } else {
          open = kNone;  // this order follows every open search within a day
        }
      }
    }
    if (hit || (open != kNone && open + bench::kDayMs <= b.as_of)) out.Set(p);
  }
  return out;
}

// ------------------------------------------------------------------ the batch

// A generated segment: atom1 [and|or atom2] [and trait condition], written
// as aud, SQL and a spec for the hand loop from the same description.
struct Aggregate {
  int type = 0;      // kEventTypes index
  bool sum = false;  // sum(E.revenue) (Order Completed / Checkout Started), else count
  int pred = 0;      // 0 none, 1 price > x, 2 category == c, 3 quantity >= q
  double x = 0;
  int category = 0;
  int64_t q = 0;
  int window_days = 0;  // 0: all time
  bool operator==(const Aggregate&) const = default;
};
struct Atom {
  int agg = 0;   // index into Batch::aggs
  int kind = 0;  // 0 count >= k / sum >= x, 1 did, 2 not did
  double threshold = 0;
};
struct BatchSegment {
  Atom a, b;
  int combine = 0;  // 0 a only, 1 a and b, 2 a or b
  int trait = 0;    // 0 none, 1 country == C, 2 tier in [gold, platinum], 3 email_opt_in
  int country = 0;
};
struct Batch {
  std::vector<Aggregate> aggs;
  std::vector<BatchSegment> segs;
};

constexpr const char* kCategoryNames[] = {"Shoes", "Jackets", "T-Shirts",    "Jeans", "Accessories",
                                          "Bags",  "Outdoor", "Electronics", "Home",  "Beauty"};
constexpr const char* kCountryNames[] = {"US", "SE", "GB", "DE", "NO", "DK"};
constexpr const char* kAudEvents[] = {
    "page_viewed",      "products_searched", "product_viewed", "product_added", "cart_viewed",
    "checkout_started", "order_completed",   "signed_up",      "signed_in",     "unsubscribed"};

Batch MakeBatch(int n, uint64_t seed) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 77;
  auto next = [&]() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  auto below = [&](uint64_t m) { return next() % m; };
  Batch b;
  auto agg_index = [&](const Aggregate& a) {
    for (size_t i = 0; i < b.aggs.size(); ++i)
      if (b.aggs[i] == a) return static_cast<int>(i);
    b.aggs.push_back(a);
    return static_cast<int>(b.aggs.size() - 1);
  };
  static constexpr int kWindows[] = {0, 1, 7, 14, 30, 60, 90};
  auto atom = [&]() {
    Aggregate g;
    Atom a;
    const int shape = static_cast<int>(below(10));
    g.window_days = kWindows[below(7)];
    if (shape < 3) {  // sum of revenue
      g.type = below(4) == 0 ? 5 : 6;
      g.sum = true;
      a.threshold = static_cast<double>(50 * (1 + below(20)));
    } else {
      static constexpr int kTypes[] = {0, 1, 2, 3, 4, 5, 6, 8};
      g.type = kTypes[below(8)];
      if (g.type == 2 || g.type == 3) {
        g.pred = static_cast<int>(below(g.type == 3 ? 4 : 3));
        g.x = static_cast<double>(10 * (1 + below(15)));
        g.category = static_cast<int>(below(10));
        g.q = 2 + static_cast<int64_t>(below(3));
      }
      a.kind = shape < 7 ? 0 : (shape < 9 ? 1 : 2);
      a.threshold = static_cast<double>(1 + below(8));
    }
    a.agg = agg_index(g);
    return a;
  };
  for (int i = 0; i < n; ++i) {
    BatchSegment s;
    s.a = atom();
    s.combine = static_cast<int>(below(3));
    if (s.combine) s.b = atom();
    s.trait = static_cast<int>(below(4));
    s.country = static_cast<int>(below(6));
    b.segs.push_back(s);
  }
  return b;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string AudAggregate(const Aggregate& g, const std::string& fn) {
  std::string e = kAudEvents[g.type];
  std::string s = fn + "(" + e + (g.sum ? ".revenue" : "");
  if (g.pred == 1) s += " where price > " + Num(g.x);
  if (g.pred == 2) s += std::string(" where category == \"") + kCategoryNames[g.category] + "\"";
  if (g.pred == 3) s += " where quantity >= " + std::to_string(g.q);
  if (g.window_days) s += " within " + std::to_string(g.window_days) + "d";
  return s + ")";
}

std::string AudAtom(const Batch& b, const Atom& a) {
  const Aggregate& g = b.aggs[a.agg];
  if (g.sum) return AudAggregate(g, "sum") + " >= " + Num(a.threshold);
  if (a.kind == 1) return AudAggregate(g, "did");
  if (a.kind == 2) return "not " + AudAggregate(g, "did");
  return AudAggregate(g, "count") + " >= " + std::to_string(static_cast<int64_t>(a.threshold));
}

std::string AudTrait(const BatchSegment& s) {
  if (s.trait == 1) return std::string("country == \"") + kCountryNames[s.country] + "\"";
  if (s.trait == 2) return "tier in [\"gold\", \"platinum\"]";
  if (s.trait == 3) return "email_opt_in";
  return "";
}

std::string BatchAud(const Batch& b) {
  std::string src =
      "# A batch of generated segments (bench_queries --batch).\n"
      "import \"std/ecommerce\"\n\n"
      "event page_viewed page { name: string }\n"
      "event signed_up \"Signed Up\" { method: string }\n"
      "event signed_in \"Signed In\" {}\n"
      "event unsubscribed \"Unsubscribed\" {}\n"
      "trait country: string\ntrait tier: string\ntrait email_opt_in: bool\n\n";
  for (size_t i = 0; i < b.segs.size(); ++i) {
    const BatchSegment& s = b.segs[i];
    std::string body = AudAtom(b, s.a);
    if (s.combine == 1) body = "(" + body + ") and (" + AudAtom(b, s.b) + ")";
    if (s.combine == 2) body = "(" + body + ") or (" + AudAtom(b, s.b) + ")";
    if (s.trait) body = "(" + body + ") and " + AudTrait(s);
    src += "segment b" + std::to_string(i) + " =\n    " + body + "\n";
  }
  return src;
}

std::string SqlAggregate(const Aggregate& g, const std::string& as_of) {
  std::string cond = std::string("type = '") + bench::kEventTypes[g.type] + "'";
  if (g.pred == 1) cond += " AND price > " + Num(g.x);
  if (g.pred == 2) cond += std::string(" AND category = '") + kCategoryNames[g.category] + "'";
  if (g.pred == 3) cond += " AND quantity >= " + std::to_string(g.q);
  if (g.window_days)
    cond += " AND ts > " + as_of + " - " + std::to_string(g.window_days * bench::kDayMs);
  // count_if / sum(CASE ...) ran 2.6x faster here than FILTER clauses.
  if (g.sum) return "coalesce(sum(CASE WHEN " + cond + " THEN revenue END), 0)";
  return "count_if(" + cond + ")";
}

std::string SqlAtom(const Atom& a, const Batch& b) {
  const std::string v = "coalesce(a" + std::to_string(a.agg) + ", 0)";
  if (b.aggs[a.agg].sum) return v + " >= " + Num(a.threshold);
  if (a.kind == 1) return v + " >= 1";
  if (a.kind == 2) return v + " = 0";
  return v + " >= " + std::to_string(static_cast<int64_t>(a.threshold));
}

// One GROUP BY pid with a conditional aggregate per distinct aggregate,
// joined to the profiles; per segment its member count and pid checksum.
std::string BatchSql(const Batch& b, const std::string& as_of) {
  std::string sql = "WITH agg AS (SELECT pid";
  for (size_t i = 0; i < b.aggs.size(); ++i)
    sql += ",\n  " + SqlAggregate(b.aggs[i], as_of) + " AS a" + std::to_string(i);
  sql += "\n  FROM events WHERE ts <= " + as_of + " GROUP BY pid),\n";
  sql +=
      "m AS (SELECT p.*, (p.pid::BIGINT * 2654435761) % 4294967291 AS chk, agg.* EXCLUDE (pid)\n"
      "  FROM profiles p LEFT JOIN agg ON agg.pid = p.pid)\nSELECT ";
  for (size_t i = 0; i < b.segs.size(); ++i) {
    const BatchSegment& s = b.segs[i];
    std::string c = SqlAtom(s.a, b);
    if (s.combine == 1) c = "(" + c + ") AND (" + SqlAtom(s.b, b) + ")";
    if (s.combine == 2) c = "(" + c + ") OR (" + SqlAtom(s.b, b) + ")";
    if (s.trait == 1)
      c = "(" + c + ") AND coalesce(country = '" + kCountryNames[s.country] + "', false)";
    if (s.trait == 2) c = "(" + c + ") AND coalesce(tier IN ('gold', 'platinum'), false)";
    if (s.trait == 3) c = "(" + c + ") AND coalesce(email_opt_in, false)";
    sql += std::string(i ? ",\n  " : "") + "count_if(" + c + "), " + "coalesce(sum(CASE WHEN " + c +
           " THEN chk END), 0)";
  }
  return sql + "\nFROM m";
}

// The batch by hand: one pass over each profile's events updating the
// aggregates that read the event's type, then the segments.
std::vector<eval::Bitset> HandBatch(const Bound& bd, const Batch& b) {
  const store::EventStore& s = *bd.s;
  const store::Profiles& P = *bd.p;
  // Raw column pointers, so the inner loop touches only the arrays.
  struct Agg {
    int64_t lo;  // ts > lo
    int pred;
    double x;
    uint32_t code;
    int64_t q;
    bool sum;
    const uint64_t* valid;  // the predicate column's validity bits
    const double* floats;
    const uint32_t* codes;
    const int64_t* ints;
    const uint64_t* rev_valid;  // revenue, for sums
    const double* rev;
  };
  std::vector<Agg> aggs(b.aggs.size());
  std::vector<std::vector<uint32_t>> by_type(s.types.size());
  auto column = [&](int type, const char* name, store::ValueKind k) -> const store::Column* {
    uint32_t code = s.dict.Find(name);
    if (type < 0 || code == UINT32_MAX) return nullptr;
    return s.types[type].Find(code, k);
  };
  for (size_t i = 0; i < b.aggs.size(); ++i) {
    const Aggregate& g = b.aggs[i];
    const int t = bd.type[g.type];
    Agg& a = aggs[i];
    a.lo = g.window_days ? bd.as_of - g.window_days * bench::kDayMs : INT64_MIN;
    a.pred = g.pred;
    a.x = g.x;
    a.q = g.q;
    a.sum = g.sum;
    a.code = s.dict.Find(kCategoryNames[g.category]);
    const store::Column* c = g.pred == 1   ? column(t, "price", store::ValueKind::Float)
                             : g.pred == 2 ? column(t, "category", store::ValueKind::String)
                             : g.pred == 3 ? column(t, "quantity", store::ValueKind::Int)
                                           : nullptr;
    // A missing column: no row is valid.
    a.valid = c ? c->valid.data() : nullptr;
    a.floats = c ? c->floats.data() : nullptr;
    a.codes = c ? c->codes.data() : nullptr;
    a.ints = c ? c->ints.data() : nullptr;
    if (g.pred != 0 && !c) a.pred = 4;
    const store::Column* r = g.sum ? column(t, "revenue", store::ValueKind::Float) : nullptr;
    a.rev_valid = r ? r->valid.data() : nullptr;
    a.rev = r ? r->floats.data() : nullptr;
    if (g.sum && !r) a.sum = false, a.pred = 4;  // nothing to add: stays 0
    if (t >= 0) by_type[t].push_back(static_cast<uint32_t>(i));
  }
  const uint32_t gold = s.dict.Find("gold"), platinum = s.dict.Find("platinum");
  std::vector<uint32_t> countries;
  for (const char* c : kCountryNames) countries.push_back(s.dict.Find(c));
  std::vector<eval::Bitset> out(b.segs.size());
  for (auto& o : out) o.Resize(P.count);
  std::vector<double> val(aggs.size());
  auto bit = [](const uint64_t* bits, uint32_t row) { return (bits[row >> 6] >> (row & 63)) & 1; };
  for (uint32_t p = 0; p < P.count; ++p) {
    std::fill(val.begin(), val.end(), 0.0);
    for (uint64_t k = P.event_offsets[p]; k < P.event_offsets[p + 1]; ++k) {
      const uint32_t e = P.events[k];
      const int64_t ts = s.ts[e];
      const uint32_t row = s.row[e];
      for (uint32_t i : by_type[s.type[e]]) {
        const Agg& a = aggs[i];
        if (ts <= a.lo) continue;
        switch (a.pred) {
          case 1:
            if (!bit(a.valid, row) || !(a.floats[row] > a.x)) continue;
            break;
          case 2:
            if (!bit(a.valid, row) || a.codes[row] != a.code) continue;
            break;
          case 3:
            if (!bit(a.valid, row) || a.ints[row] < a.q) continue;
            break;
          case 4: continue;
          default: break;
        }
        if (a.sum) {
          if (bit(a.rev_valid, row)) val[i] += a.rev[row];
        } else {
          val[i] += 1;
        }
      }
    }
    const uint32_t country = StringTrait(P, p, bd.country);
    const uint32_t tier = StringTrait(P, p, bd.tier);
    const int opt_in = BoolTrait(P, p, bd.opt_in);
    auto atom = [&](const Atom& a) {
      const double v = val[a.agg];
      if (b.aggs[a.agg].sum) return v >= a.threshold;
      if (a.kind == 1) return v >= 1;
      if (a.kind == 2) return v == 0;
      return v >= a.threshold;
    };
    for (size_t i = 0; i < b.segs.size(); ++i) {
      const BatchSegment& sg = b.segs[i];
      bool m = atom(sg.a);
      if (sg.combine == 1) m = m && atom(sg.b);
      if (sg.combine == 2) m = m || atom(sg.b);
      if (sg.trait == 1) m = m && country != UINT32_MAX && country == countries[sg.country];
      if (sg.trait == 2) m = m && tier != UINT32_MAX && (tier == gold || tier == platinum);
      if (sg.trait == 3) m = m && opt_in == 1;
      if (m) out[i].Set(p);
    }
  }
  return out;
}

// ------------------------------------------------------------------ programs

struct Compiled {
  std::unique_ptr<check::Project> project;
  ir::Program program;
  std::vector<int32_t> formulas;  // the segments measured, in order
};

bool Compile(const std::string& name, const std::string& source,
             const std::vector<std::string>& segments, Compiled* out, std::string* error) {
  check::SourceTree tree;
  tree.files[name + ".aud"] = source;
  driver::Options options;
  options.require_config = false;
  driver::Compiled c = driver::CompileTree(tree, options);
  out->project = std::move(c.project);
  if (!out->project->ok()) {
    *error = out->project->diags.Render(false);
    return false;
  }
  if (!c.lowered) {
    *error = c.error;
    return false;
  }
  out->program = std::move(c.program);
  for (const std::string& s : segments) {
    int32_t f = out->program.FindFormula(s);
    if (f == ir::kNone) {
      *error = "no segment " + s;
      return false;
    }
    out->formulas.push_back(f);
  }
  return true;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

// ------------------------------------------------------------------ engines

struct Engine {
  std::string name;
  // Runs once: time in ms, the summary; false with `error` on failure.
  std::function<bool(double* ms, Summary* sum, bool want_members, std::string* error)> run;
  std::vector<double> times;
  Summary summary;
  bool failed = false;
  std::string error;
  int max_runs = 1 << 30;  // timed runs at most (the PostgreSQL engines: --pg-runs)
};

double Median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Query {
  std::string id;    // Q1 .. Q5, B100
  std::string what;  // its description
  Compiled compiled;
  std::string sql;
  std::function<std::vector<eval::Bitset>()> hand;
  bool batch = false;
  std::vector<Engine> engines;
  // Compile figures per JIT tier.
  std::vector<std::string> compile_lines;
};

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << a << "\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--profiles")
      o->data.profiles = std::stoull(next());
    else if (a == "--events")
      o->data.events = std::stoull(next());
    else if (a == "--seed")
      o->data.seed = std::stoull(next());
    else if (a == "--runs")
      o->runs = std::max(1, std::stoi(next()));
    else if (a == "--data-dir")
      o->data_dir = next();
    else if (a == "--queries")
      o->queries = next();
    else if (a == "--duckdb")
      o->duckdb = next();
    else if (a == "--node")
      o->node = next();
    else if (a == "--batch")
      o->batch = std::max(1, std::stoi(next()));
    else if (a == "--jit-cache")
      o->jit_cache = next();
    else if (a == "--only")
      o->only = SplitCommas(next());
    else if (a == "--engines")
      o->engines = SplitCommas(next());
    else if (a == "--pg-queries")
      o->pg_queries = next();
    else if (a == "--pg-runs")
      o->pg_runs = std::max(1, std::stoi(next()));
    else {
      std::cerr << "unknown option " << a << "\n";
      return false;
    }
  }
  if (o->data.profiles == 0 || o->data.events == 0) {
    std::cerr << "--profiles and --events must be positive\n";
    return false;
  }
  if (o->jit_cache.empty()) o->jit_cache = o->data_dir + "/jit-cache";
  return true;
}

std::string Fixed(double v, int digits) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Sci(double v) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace

// NOLINTNEXTLINE(bugprone-exception-escape): a benchmark tool; an exception may abort it
int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) return 2;
  const std::string tag = "p" + std::to_string(o.data.profiles) + "-e" +
                          std::to_string(o.data.events) + "-s" + std::to_string(o.data.seed);
  const std::string dir = o.data_dir + "/" + tag;
  std::filesystem::create_directories(dir);

  // ---- the store: generated once, then read from its cache file.
  constexpr uint64_t kDataVersion = 1;
  const uint64_t fingerprint = store::Fingerprint(
      {}, store::HashCombine(
              store::HashCombine(store::HashCombine(kDataVersion, o.data.profiles), o.data.events),
              o.data.seed));
  auto t0 = Clock::now();
  std::string reason;
  std::optional<store::EventStore> loaded =
      store::LoadStore(dir + "/events.store", fingerprint, &reason);
  store::EventStore st;
  if (loaded) {
    st = std::move(*loaded);
    std::printf("store: loaded %s/events.store in %.0f ms\n", dir.c_str(), MsSince(t0));
  } else {
    st = bench::GenerateStore(o.data);
    std::printf("store: generated %zu events for %" PRIu64 " people in %.0f ms\n", st.num_events(),
                o.data.profiles, MsSince(t0));
    std::string err;
    if (!store::SaveStore(st, dir + "/events.store", fingerprint, {}, &err))
      std::printf("warning: store cache not written: %s\n", err.c_str());
  }
  t0 = Clock::now();
  const store::Profiles profiles = store::BuildProfiles(st, bench::kAsOf);
  const uint64_t events = profiles.events.size();
  std::printf("profiles: %u at as_of 2026-11-01 with %" PRIu64
              " events (%.0f ms); store %.1f bytes/event\n",
              profiles.count, events, MsSince(t0),
              static_cast<double>(st.MemoryBytes()) / static_cast<double>(st.num_events()));
  {
    // The per-type event index BuildProfiles made (docs/performance.md): its
    // size, and the time to build it again alone.
    t0 = Clock::now();
    const store::TypeIndex again = store::BuildTypeIndex(st, profiles);
    std::printf(
        "type index: %.2f bytes/event (%zu directory entries, %.2f per profile), built in "
        "%.0f ms\n",
        static_cast<double>(profiles.type_index.MemoryBytes()) /
            static_cast<double>(std::max<uint64_t>(events, 1)),
        again.dir_type.size(),
        static_cast<double>(again.dir_type.size()) /
            static_cast<double>(std::max<uint32_t>(profiles.count, 1)),
        MsSince(t0));
  }
  std::fflush(stdout);

  // ---- DuckDB: the same profiles and events, loaded once into a database file.
  std::unique_ptr<DuckDb> duck;
  if (!o.duckdb.empty()) {
    duck = std::make_unique<DuckDb>();
    std::string err;
    if (!duck->Start(o.node, o.duckdb, &err)) {
      std::fprintf(stderr, "error: cannot start DuckDB: %s\n", err.c_str());
      return 1;
    }
    const std::string stamp_path = dir + "/duck.stamp";
    const std::string stamp = std::to_string(fingerprint) + " " + std::to_string(events);
    const bool fresh = ReadFile(stamp_path).value_or("") == stamp;
    if (!fresh) std::filesystem::remove(dir + "/duck.db");
    json r = duck->Call({{"cmd", "open"}, {"db", dir + "/duck.db"}});
    if (!r.value("ok", false)) {
      std::fprintf(stderr, "error: DuckDB: %s\n", r.value("error", "?").c_str());
      return 1;
    }
    std::printf("duckdb: %s\n", r.value("version", "?").c_str());
    if (!fresh) {
      t0 = Clock::now();
      if (!bench::WriteDuckDbCsv(st, profiles, dir, &err)) {
        std::fprintf(stderr, "error: %s\n", err.c_str());
        return 1;
      }
      std::printf("duckdb: wrote CSV in %.0f ms\n", MsSince(t0));
      r = duck->Call({{"cmd", "load"}, {"dir", dir}});
      std::filesystem::remove(dir + "/events.csv");
      std::filesystem::remove(dir + "/profiles.csv");
      if (!r.value("ok", false)) {
        std::fprintf(stderr, "error: DuckDB load: %s\n", r.value("error", "?").c_str());
        return 1;
      }
      std::printf("duckdb: loaded %s rows in %.0f ms\n", r["rows"].dump().c_str(),
                  r.value("ms", 0.0));
      std::ofstream(stamp_path) << stamp;
    } else {
      std::printf("duckdb: reusing %s/duck.db\n", dir.c_str());
    }
    std::fflush(stdout);
  }

  // ---- the queries.
  const Bound bound = Bind(st, profiles);
  const std::string as_of = std::to_string(bench::kAsOf);
  std::vector<Query> queries;
  const std::vector<std::function<eval::Bitset(const Bound&)>> hands = {HandQ1, HandQ2, HandQ3,
                                                                        HandQ4, HandQ5};
  const char* whats[] = {"3+ orders over 50 in 30d, SE, never unsubscribed",
                         "signed up in the last 7 days", "order revenue >= 500 or 5+ add-to-carts",
                         "viewed -> added 1h -> ordered 1d",
                         "searched, no order in 1d; or no login 60d"};
  int status = 0;
  for (int q = 1; q <= 5; ++q) {
    Query Q;
    Q.id = "Q" + std::to_string(q);
    Q.what = whats[q - 1];
    const std::string base = o.queries + "/q" + std::to_string(q);
    auto aud = ReadFile(base + ".aud");
    auto sql = ReadFile(base + ".sql");
    if (!aud || !sql) {
      std::fprintf(stderr, "error: cannot read %s.aud / .sql\n", base.c_str());
      return 1;
    }
    std::string err;
    if (!Compile("q" + std::to_string(q), *aud, {"q" + std::to_string(q)}, &Q.compiled, &err)) {
      std::fprintf(stderr, "error: %s.aud: %s\n", base.c_str(), err.c_str());
      return 1;
    }
    Q.sql = Replace(*sql, "{AS_OF}", as_of);
    auto hand = hands[q - 1];
    Q.hand = [hand, &bound]() { return std::vector<eval::Bitset>{hand(bound)}; };
    queries.push_back(std::move(Q));
  }
  const Batch batch = MakeBatch(o.batch, o.data.seed);
  {
    Query Q;
    Q.id = "B" + std::to_string(o.batch);
    Q.what = std::to_string(o.batch) + " generated segments in one pass";
    Q.batch = true;
    std::vector<std::string> names;
    for (int i = 0; i < o.batch; ++i) names.push_back("b" + std::to_string(i));
    const std::string src = BatchAud(batch);
    std::ofstream(dir + "/batch.aud") << src;
    std::string err;
    if (!Compile("batch", src, names, &Q.compiled, &err)) {
      std::fprintf(stderr, "error: batch.aud: %s\n", err.c_str());
      return 1;
    }
    Q.sql = BatchSql(batch, as_of);
    std::ofstream(dir + "/batch.sql") << Q.sql << "\n";
    Q.hand = [&batch, &bound]() { return HandBatch(bound, batch); };
    queries.push_back(std::move(Q));
  }
  std::printf("batch: %d segments over %zu distinct aggregates (written to %s/batch.aud, .sql)\n",
              o.batch, batch.aggs.size(), dir.c_str());
  if (!o.only.empty()) {
    std::erase_if(queries, [&](const Query& Q) { return !Selected(o.only, Q.id); });
    if (queries.empty()) {
      std::fprintf(stderr, "error: --only selects no query (Q1..Q5, B%d)\n", o.batch);
      return 2;
    }
  }

  // ---- engines per query.
  eval::Options eo;
  eo.threads = 1;
  std::vector<std::unique_ptr<eval::Evaluator>> keep;  // evaluators outlive the runs
  auto aud_engine = [&](const std::string& name, const eval::Evaluator* ev, const Query& Q) {
    Engine e;
    e.name = name;
    const std::vector<int32_t> formulas = Q.compiled.formulas;
    e.run = [ev, formulas, &profiles](double* ms, Summary* sum, bool want, std::string* error) {
      auto t = Clock::now();
      eval::Result r = ev->Run(profiles);
      *ms = MsSince(t);
      if (!r.ok()) {
        *error = r.error;
        return false;
      }
      if (want)
        for (int32_t f : formulas) AddSegment(sum, r.members[static_cast<size_t>(f)], profiles);
      return true;
    };
    return e;
  };
#ifdef AUD_BENCH_WITH_JIT
  std::filesystem::remove_all(o.jit_cache);
  const char* tier_names[] = {"fast", "o2"};
#endif
  for (Query& Q : queries) {
#ifdef AUD_BENCH_WITH_JIT
    for (int tier = 0; tier < 2; ++tier) {
      if (!Selected(o.engines, std::string("jit-") + tier_names[tier])) continue;
      jit::JitOptions jo;
      jo.tier = tier == 0 ? jit::Tier::Fast : jit::Tier::Full;
      jo.cache_dir = o.jit_cache;
      auto t = Clock::now();
      auto first = std::make_unique<jit::JitEvaluator>(Q.compiled.program, st, eo, jo);
      const double wall_first = MsSince(t);
      const std::string engine = std::string("jit-") + tier_names[tier];
      if (!first->error().empty()) {
        Engine e;
        e.name = engine;
        e.failed = true;
        e.error = first->error();
        Q.engines.push_back(std::move(e));
        continue;
      }
      jit::CompileStats a = first->stats();
      t = Clock::now();
      auto second = std::make_unique<jit::JitEvaluator>(Q.compiled.program, st, eo, jo);
      const double wall_second = MsSince(t);
      jit::CompileStats b = second->stats();
      char line[512];
      std::snprintf(line, sizeof line,
                    "COMPILE query=%s tier=%s segments=%zu codegen_ms=%.2f compile_ms=%.2f "
                    "wall_ms=%.2f ms_per_segment=%.3f object_bytes=%zu cache_hit=%d | again: "
                    "cache_hit=%d compile_ms=%.2f wall_ms=%.2f",
                    Q.id.c_str(), tier_names[tier], Q.compiled.formulas.size(), a.codegen_ms,
                    a.compile_ms, wall_first,
                    (a.codegen_ms + a.compile_ms) / static_cast<double>(Q.compiled.formulas.size()),
                    a.object_bytes, a.cache_hit ? 1 : 0, b.cache_hit ? 1 : 0, b.compile_ms,
                    wall_second);
      Q.compile_lines.push_back(line);
      Q.engines.push_back(aud_engine(engine, second.get(), Q));
      keep.push_back(std::move(first));
      keep.push_back(std::move(second));
    }
#endif
    if (Selected(o.engines, "interp")) {
      auto interp = std::make_unique<eval::Interpreter>(Q.compiled.program, st, eo);
      if (!interp->error().empty()) {
        std::fprintf(stderr, "error: %s: %s\n", Q.id.c_str(), interp->error().c_str());
        return 1;
      }
      Q.engines.push_back(aud_engine("interp", interp.get(), Q));
      keep.push_back(std::move(interp));
    }
    if (Selected(o.engines, "hand")) {
      Engine e;
      e.name = "hand";
      auto hand = Q.hand;
      e.run = [hand, &profiles](double* ms, Summary* sum, bool want, std::string*) {
        auto t = Clock::now();
        std::vector<eval::Bitset> bits = hand();
        *ms = MsSince(t);
        if (want)
          for (const auto& b : bits) AddSegment(sum, b, profiles);
        return true;
      };
      Q.engines.push_back(std::move(e));
    }
    // PostgreSQL: one server, and sharded (the DSNs come from the environment, never printed).
    const bool pg_here = Selected(o.engines, "postgres") &&
                         (o.pg_queries.empty() ||
                          ("," + o.pg_queries + ",").find("," + Q.id + ",") != std::string::npos);
    if (const char* dsn = std::getenv("AUD_BENCH_PG_DSN"); dsn && *dsn && pg_here) {
      sql_engine::EngineOptions en;
      en.dsn = dsn;
      en.dsn_var = "AUD_BENCH_PG_DSN";
      auto pg = sql_engine::MakePostgres(Q.compiled.program, st, eo, en);
      Q.engines.push_back(aud_engine("postgres", pg.get(), Q));
      Q.engines.back().max_runs = o.pg_runs;
      keep.push_back(std::move(pg));
      const char* n = std::getenv("AUD_BENCH_PG_SHARDS");
      const int shards = n && *n ? std::atoi(n) : 0;
      if (shards > 0) {
        sql_engine::ShardedOptions so;
        so.coordinator = en;
        for (int k = 1; k <= shards; ++k) {
          const std::string var = "AUD_BENCH_PG_SHARD_" + std::to_string(k);
          const char* v = std::getenv(var.c_str());
          sql_engine::EngineOptions s;
          s.dsn = v ? v : "";
          s.dsn_var = var;
          so.shards.push_back(s);
        }
        auto sh = sql_engine::MakePostgresSharded(Q.compiled.program, st, eo, so);
        Q.engines.push_back(aud_engine("pg-shard" + std::to_string(shards), sh.get(), Q));
        Q.engines.back().max_runs = o.pg_runs;
        keep.push_back(std::move(sh));
      }
    }
    if (duck) {
      for (int threads = 1; threads <= 2; ++threads) {
        if (!Selected(o.engines, "duckdb" + std::to_string(threads))) continue;
        Engine e;
        e.name = "duckdb" + std::to_string(threads);
        const bool is_batch = Q.batch;
        const std::string sql = Q.sql;
        DuckDb* d = duck.get();
        e.run = [d, sql, threads, is_batch, &profiles](double* ms, Summary* sum, bool want,
                                                       std::string* error) {
          json r = d->Call({{"cmd", "query"},
                            {"sql", sql},
                            {"threads", threads},
                            {"mode", is_batch ? "row" : "pids"},
                            {"want", want}});
          if (!r.value("ok", false)) {
            *error = r.value("error", "?");
            return false;
          }
          *ms = r.value("ms", 0.0);
          if (!want) return true;
          if (is_batch) {
            const json& row = r["row"];
            sum->has_keys = false;
            for (size_t i = 0; i + 1 < row.size(); i += 2) {
              sum->count.push_back(std::stoull(row[i].get<std::string>()));
              sum->pid_sum.push_back(std::stoull(row[i + 1].get<std::string>()));
              sum->key_hash.push_back(0);
            }
          } else {
            eval::Bitset b;
            b.Resize(profiles.count);
            for (const json& p : r["pids"]) {
              uint64_t pid = p.get<uint64_t>();
              if (pid >= profiles.count || b.Test(static_cast<uint32_t>(pid))) {
                *error = "pid " + std::to_string(pid) + " out of range or repeated";
                return false;
              }
              b.Set(static_cast<uint32_t>(pid));
            }
            AddSegment(sum, b, profiles);
          }
          return true;
        };
        Q.engines.push_back(std::move(e));
      }
    }
  }

  // ---- runs: one untimed warm-up run per engine (its members are checked),
  // then --runs timed runs, engines alternating (the starting engine rotates).
  for (Query& Q : queries) {
    std::printf("%s: %s\n", Q.id.c_str(), Q.what.c_str());
    std::fflush(stdout);
    for (Engine& e : Q.engines) {
      if (e.failed) continue;
      double ms;
      if (!e.run(&ms, &e.summary, true, &e.error))
        e.failed = true;
      else if (e.max_runs < (1 << 30))
        e.times.push_back(ms);  // a PostgreSQL run loads afresh: the checked run is timed too
    }
    for (int r = 0; r < o.runs; ++r) {
      const size_t n = Q.engines.size();
      for (size_t k = 0; k < n; ++k) {
        Engine& e = Q.engines[(k + static_cast<size_t>(r)) % n];
        if (e.failed || static_cast<int>(e.times.size()) >= e.max_runs) continue;
        double ms;
        Summary ignored;
        if (!e.run(&ms, &ignored, false, &e.error)) {
          e.failed = true;
          continue;
        }
        e.times.push_back(ms);
      }
    }
  }

  // ---- the table, the checks and the RESULT lines.
  std::printf(
      "\n%d timed runs per engine (medians; PostgreSQL engines: load + evaluate, %d runs); aud "
      "engines and the hand loop on 1 thread; "
      "%" PRIu64 " events, %u profiles\n\n",
      o.runs, o.pg_runs, events, profiles.count);
  std::printf("%-5s %-9s %11s %11s %12s %8s %10s %10s  %-16s %s\n", "query", "engine", "median_ms",
              "min_ms", "events/s", "vs_hand", "vs_duckdb1", "members", "hash", "check");
  std::vector<std::string> results;
  for (Query& Q : queries) {
    const Engine* ref = nullptr;
    const Engine* hand = nullptr;
    const Engine* duck1 = nullptr;
    for (const Engine& e : Q.engines) {
      if (e.name == "interp" && !e.failed) ref = &e;
      if (e.name == "hand" && !e.failed) hand = &e;
      if (e.name == "duckdb1" && !e.failed) duck1 = &e;
    }
    if (!ref) ref = hand;  // --engines without interp: check against the hand loop
    const double hand_ms = hand ? Median(hand->times) : NAN;
    const double duck_ms = duck1 ? Median(duck1->times) : NAN;
    for (const Engine& e : Q.engines) {
      std::string check = "ok";
      if (e.failed) {
        check = "FAILED: " + e.error.substr(0, 200);
        status = 1;
      } else if (ref) {
        std::string why;
        if (!Agrees(ref->summary, e.summary, &why)) {
          check = "MISMATCH vs " + ref->name + ": " + why;
          status = 1;
        }
      }
      const double med = Median(e.times);
      const double mn = e.times.empty() ? NAN : *std::min_element(e.times.begin(), e.times.end());
      const double eps = static_cast<double>(events) / (med / 1000.0);
      char hash[32] = "-";
      if (!e.failed && e.summary.has_keys)
        std::snprintf(hash, sizeof hash, "%016" PRIx64, CombinedHash(e.summary));
      else if (!e.failed)
        std::snprintf(hash, sizeof hash, "(pid checksum)");
      std::printf("%-5s %-9s %11s %11s %12s %8s %10s %10s  %-16s %s\n", Q.id.c_str(),
                  e.name.c_str(), Fixed(med, 2).c_str(), Fixed(mn, 2).c_str(), Sci(eps).c_str(),
                  Fixed(med / hand_ms, 2).c_str(), Fixed(duck_ms / med, 2).c_str(),
                  e.failed ? "-" : std::to_string(TotalCount(e.summary)).c_str(), hash,
                  check.c_str());
      if (!e.failed) {
        char line[512];
        std::snprintf(line, sizeof line,
                      "RESULT query=%s engine=%s events_per_s=%.4g vs_hand=%s vs_duckdb1=%s "
                      "median_ms=%.3f members=%" PRIu64,
                      Q.id.c_str(), e.name.c_str(), eps, Fixed(med / hand_ms, 3).c_str(),
                      Fixed(duck_ms / med, 3).c_str(), med, TotalCount(e.summary));
        results.push_back(line);
      }
    }
  }
  std::printf("\n");
  for (const Query& Q : queries)
    for (const std::string& l : Q.compile_lines) std::printf("%s\n", l.c_str());
#ifndef AUD_BENCH_WITH_JIT
  std::printf("COMPILE jit=unavailable (bench_queries was built without the JIT)\n");
#endif
  for (const std::string& l : results) std::printf("%s\n", l.c_str());
  std::printf("%s\n", status == 0 ? "bench_queries: every engine agrees"
                                  : "bench_queries: FAILED (see the check column)");
  return status;
}
