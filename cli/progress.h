#pragma once
// Progress of long work (ingest, evaluation, planning, apply): one line on
// stderr, redrawn in place and erased when the work ends or before anything
// else is printed. Shown only when stdout and stderr are both terminals,
// `TERM` is not `dumb` and `AUD_PROGRESS` is not `0`, and only once the
// command has run `AUD_PROGRESS_AFTER_MS` milliseconds (default 1500), so
// short commands and anything piped or redirected never show it
// (docs/runtime.md, "Progress").

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace aud::cli {

// The progress line of this process.
class Progress {
 public:
  // The one display of the process (created on first use; erased at exit).
  static Progress& Get();

  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // True when progress is shown at all (terminals, environment).
  bool enabled() const { return enabled_; }
  // Starts a phase whose line is `status()`, redrawn about 5 times a second
  // (and by Update); `status` must only read values safe across threads.
  void Phase(std::function<std::string()> status);
  // A phase with a fixed line; `now`: draw it at once, not throttled.
  void Set(std::string line, bool now = false);
  // Redraws the current phase when due (at most every 100 ms unless `now`).
  void Update(bool now = false);
  // Writes `text` to stderr with the progress line erased first (it is
  // redrawn by the next update): for notices printed during a phase.
  void Print(const std::string& text);
  // Erases the line and ends the phase: call before printing results.
  void Done();

  // "812 MB", "2.1 GB", "930 B" (decimal units).
  static std::string Bytes(double bytes);
  // 1234567 -> "1,234,567".
  static std::string Count(uint64_t n);

 private:
  Progress();
  ~Progress();
  void DrawLocked(bool now);
  void EraseLocked();
  void Tick();

  bool enabled_ = false;
  std::chrono::milliseconds after_{1500};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::function<std::string()> status_;
  bool drawn_ = false;
  bool stop_ = false;
  std::thread ticker_;
};

// Starts the phase "ingest": until the first callback, "reading events";
// then bytes of the source files read (of their total), lines and rate.
// Returns the callback for ingest::Options::progress (empty when progress
// is off, so ingest does no extra work).
std::function<void(uint64_t bytes_done, uint64_t bytes_total, uint64_t lines)>
StartIngestProgress();

// A counter for eval::Options::profiles_done: null when progress is off.
std::shared_ptr<std::atomic<uint64_t>> EvalProgressCounter();

// Starts the phase "evaluating": `done` (EvalProgressCounter) of `profiles`
// profiles; once every profile is evaluated the line shows `then` (e.g.
// "planning"). Nothing when `done` is null.
void ShowEvalProgress(const std::shared_ptr<std::atomic<uint64_t>>& done, uint64_t profiles,
                      std::string then);

}  // namespace aud::cli
