#pragma once
// Benchmark data for bench_queries: synthetic e-commerce events generated
// straight into a StoreBuilder (100M events as JSON would be ~48 GB), and the
// same data written as CSV for DuckDB. Deterministic for a seed.

#include <cstdint>
#include <string>

#include "runtime/store/profiles.h"
#include "runtime/store/store.h"

namespace aud::bench {

// 2026-11-01T00:00:00Z: the evaluation instant; events span the 180 days before.
inline constexpr int64_t kAsOf = 1793491200000;
inline constexpr int64_t kDayMs = 86'400'000;

// What to generate.
struct DataOptions {
  uint64_t profiles = 10'000;
  uint64_t events = 1'000'000;  // track/page events (identify calls come on top)
  uint64_t seed = 1;
};

// Event types of the data, by Segment name (`track:<name>`, or `page`).
// Their order is the DuckDB ENUM order and the CSV's type code.
inline constexpr const char* kEventTypes[] = {
    "page",        "Products Searched", "Product Viewed",  "Product Added",
    "Cart Viewed", "Checkout Started",  "Order Completed", "Signed Up",
    "Signed In",   "Unsubscribed"};
inline constexpr int kNumEventTypes = 10;

// Generates the store: Zipf–Mandelbrot activity per person, sessions shaped
// like e-commerce funnels (page, search, product views, adds within minutes
// or hours, checkout, order), sign-up and identify (country, tier,
// email_opt_in; some people change country later), sign-ins, unsubscribes;
// 30% of people stay anonymous. Prices and revenues are multiples of 0.25 so
// every sum of them is exact in binary floating point: engines that add in
// different orders (DuckDB) then agree bit for bit on `sum(...) >= 500`.
store::EventStore GenerateStore(const DataOptions& options);

// Writes `events.csv` (pid, seq, ts, type code, revenue, price, quantity,
// category, currency, query, page_name, method) and `profiles.csv` (pid, key,
// country, tier, email_opt_in: traits resolved at as_of) into `dir`: the
// profiles and their events exactly as the aud engines see them (pid = profile
// index, seq = position in event order). False with `error` on failure.
bool WriteDuckDbCsv(const store::EventStore& store, const store::Profiles& profiles,
                    const std::string& dir, std::string* error);

}  // namespace aud::bench
