// The progress line (progress.h).

#include "cli/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace aud::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kRedraw = std::chrono::milliseconds(100);  // at most this often on updates
constexpr auto kTick = std::chrono::milliseconds(200);    // redraw period of a phase

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Columns of the terminal on stderr (80 when unknown).
size_t Columns() {
  struct winsize ws {};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

Progress& Progress::Get() {
  static Progress progress;
  return progress;
}

Progress::Progress() : start_(Clock::now()) {
  const char* off = std::getenv("AUD_PROGRESS");
  const char* term = std::getenv("TERM");
  enabled_ = ::isatty(STDOUT_FILENO) && ::isatty(STDERR_FILENO) &&
             !(off && std::strcmp(off, "0") == 0) && !(term && std::strcmp(term, "dumb") == 0);
  if (const char* after = std::getenv("AUD_PROGRESS_AFTER_MS"); after && *after) {
    char* end = nullptr;
    long ms = std::strtol(after, &end, 10);
    if (*end == '\0' && ms >= 0) after_ = std::chrono::milliseconds(ms);
  }
}

Progress::~Progress() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    status_ = nullptr;
    EraseLocked();
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void Progress::Phase(std::function<std::string()> status) {
  if (!enabled_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = std::move(status);
    if (!ticker_.joinable() && status_) ticker_ = std::thread([this] { Tick(); });
    DrawLocked(true);
  }
}

void Progress::Set(std::string line, bool now) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  status_ = [line = std::move(line)] { return line; };
  if (!ticker_.joinable()) ticker_ = std::thread([this] { Tick(); });
  DrawLocked(now);
}

void Progress::Update(bool now) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  DrawLocked(now);
}

void Progress::Print(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  EraseLocked();
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

void Progress::Done() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  status_ = nullptr;
  EraseLocked();
}

void Progress::DrawLocked(bool now) {
  if (!status_ || stop_) return;
  const auto t = Clock::now();
  if (t - start_ < after_) return;
  if (!now && drawn_ && t - last_draw_ < kRedraw) return;
  std::string line = status_();
  if (line.empty()) return;
  // One terminal row: a wrapped line could not be erased with `\r`.
  size_t width = Columns();
  if (width > 1 && line.size() > width - 1) {
    size_t cut = width - 1;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    line.resize(cut);  // on a character boundary
  }
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
  last_draw_ = t;
}

void Progress::EraseLocked() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

void Progress::Tick() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, kTick);
    if (!stop_) DrawLocked(false);
  }
}

std::string Progress::Bytes(double bytes) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  size_t u = 0;
  while (bytes >= 1000 && u + 1 < sizeof kUnits / sizeof *kUnits) {
    bytes /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 || bytes >= 100 ? "%.0f %s" : "%.1f %s", bytes, kUnits[u]);
  return buf;
}

std::string Progress::Count(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::function<void(uint64_t, uint64_t, uint64_t)> StartIngestProgress() {
  Progress& p = Progress::Get();
  if (!p.enabled()) return nullptr;
  struct State {
    Clock::time_point start = Clock::now();
    std::atomic<uint64_t> done{0}, total{0}, lines{0};
    std::atomic<bool> reading{false};
  };
  auto st = std::make_shared<State>();
  p.Phase([st] {
    if (!st->reading) return std::string("ingest: reading events");
    const uint64_t done = st->done, total = st->total;
    const double secs = Seconds(st->start);
    std::string line = "ingest: " + Progress::Bytes(static_cast<double>(done));
    if (total) {
      line += " of " + Progress::Bytes(static_cast<double>(total)) + " (" +
              std::to_string(std::min<uint64_t>(100, done * 100 / total)) + "%)";
    }
    line += ", " + Progress::Count(st->lines) + " lines";
    if (secs >= 0.5) {
      const double rate = static_cast<double>(done) / secs;
      line += ", " + Progress::Bytes(rate) + "/s, " +
              Progress::Count(static_cast<uint64_t>(static_cast<double>(st->lines) / secs)) +
              " lines/s";
      if (total > done && rate > 0)
        line += ", about " + std::to_string(static_cast<uint64_t>((total - done) / rate) + 1) +
                " s left";
    }
    return line;
  });
  return [st](uint64_t done, uint64_t total, uint64_t lines) {
    st->done = done;
    st->total = total;
    st->lines = lines;
    // The first figures and the last are drawn at once, the rest when due.
    const bool first = !st->reading.exchange(true);
    Progress::Get().Update(first || (total && done >= total));
  };
}

std::shared_ptr<std::atomic<uint64_t>> EvalProgressCounter() {
  if (!Progress::Get().enabled()) return nullptr;
  return std::make_shared<std::atomic<uint64_t>>(0);
}

void ShowEvalProgress(const std::shared_ptr<std::atomic<uint64_t>>& done, uint64_t profiles,
                      std::string then) {
  if (!done) return;
  Progress::Get().Phase([done, profiles, then = std::move(then)] {
    const uint64_t d = done->load(std::memory_order_relaxed);
    if (d >= profiles && !then.empty()) return then;
    const uint64_t pct = profiles ? std::min<uint64_t>(100, d * 100 / profiles) : 100;
    return "evaluating: " + Progress::Count(d) + " of " + Progress::Count(profiles) +
           " profiles (" + std::to_string(pct) + "%)";
  });
}

}  // namespace aud::cli
