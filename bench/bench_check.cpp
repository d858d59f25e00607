// bench_check: how long `aud check` takes on a large project (see README.md).
//
// Generates in memory a valid project of 1,000 segments and 100 audiences
// (events, traits, identities, labels, policies, consents, three destinations
// with connections in aud.toml, publish lines, std/ecommerce and
// std/governance imports), runs check::Check on it several times and prints
// the median and minimum wall time, the time spent parsing alone, and a
// final `RESULT ...` line. Exits non-zero when the project does not check
// cleanly (the generated project must be valid).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "compiler/base/diagnostics.h"
#include "compiler/check/check.h"
#include "compiler/parse/parse.h"
#include "stdlib/stdlib.h"

namespace {

using Clock = std::chrono::steady_clock;

// Options from the command line.
struct Options {
  int segments = 1000;
  int audiences = 100;
  int runs = 7;
  double goal_ms = 1000;
  std::string dump_dir;  // write the generated project here (for `aud check`)
};

// A small deterministic generator (the project is identical on every run).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  int Below(int n) { return n <= 0 ? 0 : static_cast<int>(Next() % static_cast<uint64_t>(n)); }

 private:
  uint64_t s_;
};

constexpr int kEvents = 30;
constexpr int kSegmentFiles = 20;

std::string Ev(int k) { return "ev_" + std::to_string(k); }
std::string Seg(int k) { return "seg_" + std::to_string(k); }
std::string Aud(int k) { return "aud_" + std::to_string(k); }

const char* kConfig = R"([project]
name = "bench"

[sources.web]
path = "data/events/*.jsonl"
format = "segment"

[connections.crm_files]
type = "file"
format = "csv"
dir = "exports/crm"

[connections.hook]
type = "http"
url = "https://example.com/audiences"
token = { env = "HOOK_TOKEN" }
batch_size = 500
rate_limit_per_sec = 20
timeout_s = 30

[connections.autopilot_prod]
type = "autopilot"
endpoint = "http://127.0.0.1:8089"
api_key = { env = "AUTOPILOT_API_KEY" }
batch_size = 100
rate_limit_per_sec = 10
)";

std::string MainFile() {
  return R"(# Shared declarations of the benchmark project.
import "std/governance"
import "std/ecommerce"

label PARTNER "Partner data: internal use only"
action crm_export "Export to the CRM"
action webhook_push "Send to the webhook"
action email_push "Email marketing"
policy partner_in_house "Partner data never leaves" {
  deny crm_export, webhook_push, email_push when PARTNER
}
policy no_sensitive_marketing { deny email_push, webhook_push when S1 or (S2 and not C12) }

trait email: string [I1]
trait first_name: string [I1]
trait last_name: string [I1]
trait country: string
trait tier: string
trait age: int
trait ltv_score: float
trait email_opt_in: bool
trait sms_opt_in: bool
trait signup_at: timestamp

identity user_id: declared from userId
identity ecid: visitor from anonymousId
identity email: declared from trait email normalize email

consent email_ok = email_opt_in == true
consent adult = age >= 18 and exists(country)

event partner_feed "Partner Feed" [PARTNER] { score: float }
)";
}

std::string EventsFile() {
  std::string out = "# Custom track events.\n";
  for (int k = 0; k < kEvents; ++k) {
    out += "event " + Ev(k) + " \"Custom Event " + std::to_string(k) + "\"";
    if (k % 5 == 0) out += " [C5]";
    out +=
        " {\n  amount: float\n  qty: int\n  category: string\n  channel: string\n"
        "  premium: bool\n  shipped_at: timestamp\n";
    if (k % 7 == 0) out += "  coupon: string [C9]\n";
    out += "}\n";
  }
  return out;
}

// One segment body; it only reads segments with a smaller index (acyclic).
std::string SegmentBody(int i, Rng& r) {
  auto ev = [&] { return Ev(r.Below(kEvents)); };
  auto earlier = [&] { return Seg(r.Below(i)); };
  int form = static_cast<int>(r.Next() % 13);
  if (i < 3 && (form == 4 || form == 7 || form == 12)) form = 0;
  std::string a = ev(), b = ev(), c = ev();
  std::string n = std::to_string(1 + r.Below(5));
  std::string d = std::to_string(1 + r.Below(90));
  std::string cat = "\"cat_" + std::to_string(r.Below(20)) + "\"";
  switch (form) {
    case 0:
      return "count(" + a + " where amount > " + std::to_string(r.Below(200)) + ".5 within " + d +
             "d) >= " + n;
    case 1:
      return "did(" + a + " where category == " + cat + " and channel != \"web\" within " + d +
             "d)\n    and country in [\"SE\", \"NO\", \"DK\", \"FI\"]";
    case 2:
      return "sum(" + a +
             ".amount where premium == true between @2026-01-01 and @2026-03-01T12:00:00Z) > " +
             std::to_string(r.Below(1000)) + ".0";
    case 3:
      return "sequence(" + a + ", " + b + " where qty >= 2 within 1h, not " + c + " within 1d)";
    case 4: return earlier() + " and not " + earlier() + " or (age >= 18 and tier == \"gold\")";
    case 5:
      return "avg(" + a + ".amount within 90d) > 10.0 or max(" + b + ".qty within " + d +
             "d) >= " + n;
    case 6: return "days_since(last(" + a + ".timestamp)) < " + d + " and exists(email)";
    case 7: return "count(order_completed within " + d + "d) >= " + n + " or " + earlier();
    case 8: return "sequence(product_added within 7d, not order_completed within 1d) and email_ok";
    case 9:
      return "count(" + a +
             " where amount * qty > 100 and starts_with(lower(category), \"cat\") "
             "and channel == profile.tier within 14d) >= 1";
    case 10:
      return "first(" + a + ".category) == " + cat + " or contains(upper(last_name), \"SON\")";
    case 11:
      return "first(" + a + ".shipped_at) < @2026-02-01T00:00:00Z and ltv_score * 2 + 1 > 10";
    default: return earlier() + " or " + earlier() + " or (" + earlier() + " and adult)";
  }
}

std::string SegmentFile(int file, int per_file, int total, Rng& r) {
  std::string out = "# Generated segments, part " + std::to_string(file) + ".\n";
  for (int i = file * per_file; i < std::min(total, (file + 1) * per_file); ++i) {
    out += "segment " + Seg(i) + " \"Segment " + std::to_string(i) + "\" =\n    " +
           SegmentBody(i, r) + "\n\n";
  }
  return out;
}

std::string AudiencesFile(int audiences, int segments, Rng& r) {
  std::string out = "# Generated audiences.\n";
  auto seg = [&] { return Seg(r.Below(segments)); };
  for (int k = 0; k < audiences; ++k) {
    out += "audience " + Aud(k) + " \"Audience " + std::to_string(k) + "\" {\n";
    out += "  members " + seg() + " and (" + seg() + " or " + seg() + ")";
    if (k % 3 == 0) out += " and country == \"SE\"";
    if (k % 4 == 1 && k > 0) out += " and not " + Aud(r.Below(k));
    if (k % 5 == 2) out += " and ltv_score >= 100";
    out += "\n  identities email, user_id\n";
    out += "  attributes {\n";
    out += "    lifetime_value = sum(" + Ev(r.Below(kEvents)) + ".amount)\n";
    out += "    last_seen      = last(" + Ev(r.Below(kEvents)) + ".timestamp)\n";
    out += "    orders_30d     = count(order_completed within 30d)\n";
    out += "  }\n";
    out += k % 10 == 9 ? "  refresh once\n" : "  refresh every 1d\n";
    out += "}\n\n";
  }
  return out;
}

std::string DestinationsFile(int audiences) {
  std::string out = R"(# Destinations and what is published to them.
destination crm "CRM files" {
  connection crm_files
  actions    crm_export
  key        user_id
  map        email -> "email" hashed, first_name -> "first_name", lifetime_value -> "ltv"
}

destination hook "Webhook" {
  connection hook
  actions    webhook_push
  key        user_id
  map        country -> "country", orders_30d -> "orders"
}

destination autopilot "Autopilot email" {
  connection   autopilot_prod
  actions      email_push
  consent      email_ok
  key          email
  map          email -> "Email", first_name -> "FirstName", last_name -> "LastName"
  max_profiles 100000
}

)";
  // Every audience goes to the CRM and the profile store; some also to the
  // webhook and to Autopilot.
  for (int start = 0; start < audiences; start += 10) {
    std::string list;
    for (int k = start; k < std::min(audiences, start + 10); ++k) {
      list += (list.empty() ? "" : ", ") + Aud(k);
    }
    out += "publish " + list + " to crm, profile_store\n";
  }
  std::string hook, email;
  for (int k = 0; k < audiences; ++k) {
    if (k % 2 == 0) hook += (hook.empty() ? "" : ", ") + Aud(k);
    if (k % 3 == 0) email += (email.empty() ? "" : ", ") + Aud(k);
  }
  if (!hook.empty()) out += "publish " + hook + " to hook\n";
  if (!email.empty()) out += "publish " + email + " to autopilot\n";
  return out;
}

aud::check::SourceTree Generate(const Options& o) {
  Rng r(0x5eedad12026ULL);
  aud::check::SourceTree tree;
  tree.files["aud.toml"] = kConfig;
  tree.files["main.aud"] = MainFile();
  tree.files["events.aud"] = EventsFile();
  int per_file = (o.segments + kSegmentFiles - 1) / kSegmentFiles;
  for (int f = 0; f * per_file < o.segments; ++f) {
    char name[64];
    std::snprintf(name, sizeof name, "segments/part_%02d.aud", f);
    tree.files[name] = SegmentFile(f, per_file, o.segments, r);
  }
  tree.files["audiences.aud"] = AudiencesFile(o.audiences, o.segments, r);
  tree.files["destinations.aud"] = DestinationsFile(o.audiences);
  return tree;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Parses every .aud file of the tree plus the imported std modules, alone.
bool ParseAll(const aud::check::SourceTree& tree, size_t* files) {
  aud::base::SourceManager sm;
  aud::base::Diagnostics diags(sm);
  *files = 0;
  for (const auto& [path, text] : tree.files) {
    if (!path.ends_with(".aud")) continue;
    aud::parse::ParseFile(sm.Add(path, text), diags);
    ++*files;
  }
  for (const char* mod : {"std/governance", "std/ecommerce"}) {
    if (auto text = aud::stdlib::StdModule(mod)) {
      aud::parse::ParseFile(sm.Add(std::string(mod) + ".aud", std::string(*text)), diags);
      ++*files;
    }
  }
  if (diags.HasErrors()) std::fputs(diags.Render(false).c_str(), stderr);
  return !diags.HasErrors();
}

bool WriteTree(const aud::check::SourceTree& tree, const std::string& dir) {
  namespace fs = std::filesystem;
  for (const auto& [path, text] : tree.files) {
    fs::path p = fs::path(dir) / path;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream out(p, std::ios::binary);
    out << text;
    if (!out) return false;
  }
  return true;
}

int Usage() {
  std::fputs(
      "usage: bench_check [--runs N] [--segments N] [--audiences N] [--goal-ms MS] "
      "[--dump DIR]\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return Usage();
    const char* v = argv[++i];
    if (a == "--runs")
      o.runs = std::max(1, std::atoi(v));
    else if (a == "--segments")
      o.segments = std::max(1, std::atoi(v));
    else if (a == "--audiences")
      o.audiences = std::max(1, std::atoi(v));
    else if (a == "--goal-ms")
      o.goal_ms = std::atof(v);
    else if (a == "--dump")
      o.dump_dir = v;
    else
      return Usage();
  }

  aud::check::SourceTree tree = Generate(o);
  size_t bytes = 0, lines = 0;
  for (const auto& [path, text] : tree.files) {
    bytes += text.size();
    lines += static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  }
  if (!o.dump_dir.empty()) {
    if (!WriteTree(tree, o.dump_dir)) {
      std::fprintf(stderr, "bench_check: cannot write %s\n", o.dump_dir.c_str());
      return 1;
    }
    std::printf("wrote the generated project to %s\n", o.dump_dir.c_str());
  }
  std::printf("project: %d segments, %d audiences, %zu files, %zu bytes, %zu lines\n", o.segments,
              o.audiences, tree.files.size(), bytes, lines);

  // A first run checks validity (and warms caches); it is not timed.
  {
    std::unique_ptr<aud::check::Project> p = aud::check::Check(tree);
    if (!p->ok()) {
      std::string text = p->diags.Render(false);
      std::fprintf(stderr, "bench_check: the generated project has %zu error(s):\n%.*s\n",
                   p->diags.error_count(), static_cast<int>(std::min<size_t>(text.size(), 6000)),
                   text.c_str());
      return 1;
    }
    if (!p->diags.all().empty()) {
      std::printf("note: %zu warning(s) on the generated project\n", p->diags.all().size());
    }
  }

  std::vector<double> check_ms, parse_ms;
  size_t parsed_files = 0;
  for (int run = 0; run < o.runs; ++run) {
    auto t0 = Clock::now();
    std::unique_ptr<aud::check::Project> p = aud::check::Check(tree);
    auto t1 = Clock::now();
    if (!p->ok()) {
      std::fprintf(stderr, "bench_check: errors on run %d\n", run);
      return 1;
    }
    p.reset();  // destruction is not part of the measurement
    auto t2 = Clock::now();
    if (!ParseAll(tree, &parsed_files)) {
      std::fprintf(stderr, "bench_check: parse errors\n");
      return 1;
    }
    auto t3 = Clock::now();
    check_ms.push_back(Ms(t1 - t0));
    parse_ms.push_back(Ms(t3 - t2));
  }

  double median = Median(check_ms);
  double min = *std::min_element(check_ms.begin(), check_ms.end());
  double parse_median = Median(parse_ms);
  std::printf("check (%d runs): median %.1f ms, min %.1f ms, %.1f MB/s\n", o.runs, median, min,
              median > 0 ? bytes / 1e3 / median : 0.0);
  std::printf("  parse alone (%zu files incl. std modules): median %.1f ms (%.0f%% of check)\n",
              parsed_files, parse_median, median > 0 ? 100 * parse_median / median : 0.0);
  std::printf("  everything else (load, config, resolve, types, graph, governance): %.1f ms\n",
              std::max(0.0, median - parse_median));
  std::printf(
      "RESULT bench=check segments=%d audiences=%d median_ms=%.1f goal_ms=%.0f ratio=%.3f\n",
      o.segments, o.audiences, median, o.goal_ms, median / o.goal_ms);
  return 0;
}
