// The shared HTTP client (http_client.h): libcurl easy handles kept in a pool
// so connections stay alive, one thread per in-flight request in SendAll.
#include "runtime/connectors/http_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace aud::connectors {
namespace {

using Clock = std::chrono::steady_clock;

// A response body larger than this is cut (nothing we read needs more).
constexpr size_t kMaxBody = 16 << 20;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Capture {
  std::string body;
  std::string retry_after;
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Capture*>(user);
  size_t len = size * n;
  if (c->body.size() < kMaxBody) c->body.append(data, std::min(len, kMaxBody - c->body.size()));
  return len;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Capture*>(user);
  size_t len = size * n;
  std::string line(data, len);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (name == "retry-after") {
      std::string v = line.substr(colon + 1);
      auto b = v.find_first_not_of(" \t");
      auto e = v.find_last_not_of(" \t\r\n");
      c->retry_after = b == std::string::npos ? "" : v.substr(b, e - b + 1);
    }
  }
  // A new status line (e.g. after 100 Continue) starts a new header block.
  if (line.rfind("HTTP/", 0) == 0) c->retry_after.clear();
  return len;
}

void ReplaceAll(std::string& text, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + with.size()))
    text.replace(pos, what.size(), with);
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string Shorten(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s + "...";
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// `\uXXXX` at text[i] (i at the backslash): the code unit, or -1.
long JsonUnit(std::string_view text, size_t i) {
  if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return -1;
  long v = 0;
  for (size_t k = 2; k < 6; ++k) {
    int d = HexDigit(text[i + k]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// A decoded view of a text: the bytes after undoing percent-encoding (`%XX`,
// either case; `+` as a space when `plus_space`) and JSON string escapes
// (`\uXXXX` with surrogate pairs, `\/`, `\"`, `\\`, `\b\f\n\r\t`), each
// decoded byte remembering the span of the text it came from.
struct DecodedView {
  std::string bytes;
  std::vector<uint32_t> from;  // per decoded byte: where its escape starts in the text
  // Where the escape of decoded byte `k` ends in the text.
  size_t End(size_t k, size_t text_size) const {
    for (size_t j = k + 1; j < from.size(); ++j)
      if (from[j] != from[k]) return from[j];
    return text_size;
  }
};

DecodedView Decode(std::string_view text, bool plus_space) {
  DecodedView v;
  v.bytes.reserve(text.size());
  v.from.reserve(text.size());
  auto emit = [&](const std::string& out, size_t from, size_t) {
    for (char c : out) {
      v.bytes.push_back(c);
      v.from.push_back(static_cast<uint32_t>(from));
    }
  };
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 &&
        HexDigit(text[i + 2]) >= 0) {
      emit(std::string(1, static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2]))), i,
           i + 3);
      i += 3;
      continue;
    }
    if (c == '+' && plus_space) {
      emit(" ", i, i + 1);
      ++i;
      continue;
    }
    if (c == '\\' && i + 1 < text.size()) {
      char e = text[i + 1];
      const char* simple = nullptr;
      switch (e) {
        case '/': simple = "/"; break;
        case '"': simple = "\""; break;
        case '\\': simple = "\\"; break;
        case 'b': simple = "\b"; break;
        case 'f': simple = "\f"; break;
        case 'n': simple = "\n"; break;
        case 'r': simple = "\r"; break;
        case 't': simple = "\t"; break;
        default: break;
      }
      if (simple) {
        emit(simple, i, i + 2);
        i += 2;
        continue;
      }
      long unit = JsonUnit(text, i);
      if (unit >= 0) {
        size_t end = i + 6;
        uint32_t cp = static_cast<uint32_t>(unit);
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          long low = JsonUnit(text, end);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((static_cast<uint32_t>(unit) - 0xD800) << 10) +
                 (static_cast<uint32_t>(low) - 0xDC00);
            end += 6;
          }
        }
        std::string out;
        AppendUtf8(cp, &out);
        emit(out, i, end);
        i = end;
        continue;
      }
    }
    emit(std::string(1, c), i, i + 1);
    ++i;
  }
  return v;
}

// Replaces every span of `text` whose decoded form (per `view`) is one of
// `secrets` by `***`.
void ScrubView(std::string& text, const std::vector<std::string>& secrets, bool plus_space) {
  DecodedView view = Decode(text, plus_space);
  std::vector<std::pair<size_t, size_t>> spans;
  for (const std::string& s : secrets) {
    if (s.empty()) continue;
    for (size_t pos = view.bytes.find(s); pos != std::string::npos;
         pos = view.bytes.find(s, pos + 1))
      spans.emplace_back(view.from[pos], view.End(pos + s.size() - 1, text.size()));
  }
  if (spans.empty()) return;
  std::sort(spans.begin(), spans.end());
  std::vector<std::pair<size_t, size_t>> merged;
  for (const auto& sp : spans) {
    if (!merged.empty() && sp.first <= merged.back().second)
      merged.back().second = std::max(merged.back().second, sp.second);
    else
      merged.push_back(sp);
  }
  for (auto it = merged.rbegin(); it != merged.rend(); ++it)
    text.replace(it->first, it->second - it->first, "***");
}

}  // namespace

std::string UrlEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool RetryableStatus(long status) {
  return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

double ParseRetryAfter(const std::string& value, std::chrono::system_clock::time_point now) {
  if (value.empty()) return -1;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return -1;
    return std::stod(value);
  }
  time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return -1;
  double diff =
      std::chrono::duration<double>(std::chrono::system_clock::from_time_t(when) - now).count();
  return std::max(0.0, diff);
}

std::string ReasonFromBody(const std::string& body, size_t max) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object()) {
    for (const char* key : {"reason", "message", "error"}) {
      auto it = json.find(key);
      if (it != json.end() && it->is_string()) return Shorten(it->get<std::string>(), max);
    }
  }
  return ShortReason(body, max);
}

std::string ShortReason(std::string text, size_t max) {
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return Shorten(std::move(text), max);
}

Deadline DeadlineIn(double seconds) {
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

std::string Sha256Hex(const std::string& text, size_t chars) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out.substr(0, chars);
}

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
  GlobalInit();
  for (const std::string& s : options_.secrets) {
    if (s.empty()) continue;
    scrub_.push_back(s);
    scrub_.push_back(UrlEncode(s));
    std::string json = nlohmann::json(s).dump();  // as a server would echo it inside JSON
    scrub_.push_back(json.substr(1, json.size() - 2));
  }
  std::sort(scrub_.begin(), scrub_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  scrub_.erase(std::unique(scrub_.begin(), scrub_.end()), scrub_.end());
  uint64_t seed = options_.seed ? options_.seed
                                : static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  rng_.seed(seed);
  if (options_.concurrency == 0) options_.concurrency = 1;
  tokens_ = 1;
  refill_ = Clock::now();
}

HttpClient::~HttpClient() {
  for (void* h : handles_) curl_easy_cleanup(static_cast<CURL*>(h));
}

std::string HttpClient::Scrub(std::string text) const {
  for (const std::string& s : scrub_) ReplaceAll(text, s, "***");
  // A server may echo a secret in another encoding (lower-case hex, `+` for
  // a space, JSON \uXXXX or `\/` escapes): match on decoded views too.
  if (options_.secrets.empty() || text.find_first_of("%+\\") == std::string::npos) return text;
  ScrubView(text, options_.secrets, false);
  ScrubView(text, options_.secrets, true);
  return text;
}

void* HttpClient::TakeHandle() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!handles_.empty()) {
      void* h = handles_.back();
      handles_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void HttpClient::ReturnHandle(void* handle) {
  std::lock_guard<std::mutex> lock(mu_);
  handles_.push_back(handle);
}

double HttpClient::Jitter(double upper) {
  std::lock_guard<std::mutex> lock(mu_);
  std::uniform_real_distribution<double> dist(0, std::max(0.0, upper));
  return dist(rng_);
}

void HttpClient::AcquireToken(Deadline deadline) {
  double rate = options_.rate_limit_per_sec;
  if (rate <= 0) return;
  // Bounded: every pass either takes a token or sleeps until one is due; the
  // deadline check ends the wait when the batch has run out of time.
  for (;;) {
    double wait;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto now = Clock::now();
      // A bucket of one token: requests are spaced 1/rate apart, so no
      // one-second window ever holds more than `rate` requests (a bigger
      // bucket would let a fresh process send twice the rate in its first second).
      tokens_ =
          std::min(1.0, tokens_ + std::chrono::duration<double>(now - refill_).count() * rate);
      refill_ = now;
      if (tokens_ >= 1) {
        tokens_ -= 1;
        return;
      }
      wait = (1 - tokens_) / rate;
    }
    if (Clock::now() + std::chrono::duration<double>(wait) > deadline) return;
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
}

void HttpClient::Attempt(const HttpRequest& request, double timeout_s, long* status,
                         std::string* body, double* retry_after_s, std::string* transport_error) {
  CURL* curl = static_cast<CURL*>(TakeHandle());
  *status = 0;
  *retry_after_s = -1;
  if (!curl) {
    *transport_error = "cannot create an HTTP handle";
    return;
  }
  curl_easy_reset(curl);
  Capture capture;
  char errbuf[CURL_ERROR_SIZE] = {0};
  struct curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, "Expect:");
  if (!request.body.empty()) headers = curl_slist_append(headers, "Content-Type: application/json");
  for (const auto& [name, value] : request.headers)
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  long timeout_ms = std::max(1L, static_cast<long>(timeout_s * 1000));
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &capture);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &capture);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    if (request.method != "POST")
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "POST" || !request.body.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
    }
  }
  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    // A reply cut short (status line but not the whole body) counts as no
    // reply: the change may or may not have been applied.
    std::string what = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    *transport_error = rc == CURLE_OPERATION_TIMEDOUT ? "timed out" : Scrub(what);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    *body = Scrub(std::move(capture.body));
    *retry_after_s = ParseRetryAfter(capture.retry_after, std::chrono::system_clock::now());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  ReturnHandle(curl);
}

HttpResponse HttpClient::Send(const HttpRequest& request, Deadline deadline) {
  HttpResponse out;
  std::string last;  // the last failure, for the message
  // Bounded: each pass makes one attempt and the loop ends when an answer is
  // final or the next wait would pass the deadline.
  for (;;) {
    AcquireToken(deadline);
    double remaining = std::chrono::duration<double>(deadline - Clock::now()).count();
    if (remaining <= 0.001) break;
    long status = 0;
    std::string body, transport;
    double retry_after = -1;
    {
      // At most `concurrency` requests in flight, whichever thread sends them
      // (SendAll's workers or batches applied in parallel).
      std::unique_lock<std::mutex> lock(mu_);
      slot_free_.wait(lock, [&] { return in_flight_ < options_.concurrency; });
      ++in_flight_;
    }
    remaining = std::chrono::duration<double>(deadline - Clock::now()).count();
    Attempt(request, std::clamp(remaining, 0.001, std::max(0.001, options_.timeout_s)), &status,
            &body, &retry_after, &transport);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --in_flight_;
    }
    slot_free_.notify_one();
    ++out.attempts;
    out.status = status;
    out.body = std::move(body);
    if (transport.empty() && !RetryableStatus(status)) return out;
    last = transport.empty() ? "HTTP " + std::to_string(status) +
                                   (out.body.empty() ? "" : ": " + ReasonFromBody(out.body, 200))
                             : transport;
    double exp = options_.backoff_base_s * std::pow(2.0, std::min<uint32_t>(out.attempts - 1, 30));
    double wait = Jitter(std::min(options_.backoff_cap_s, exp));
    if (retry_after >= 0) wait = std::max(wait, retry_after);
    if (Clock::now() + std::chrono::duration<double>(wait) >= deadline) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
  if (last.empty()) last = "no time left before the batch deadline";
  out.error = "connection `" + options_.connection + "`: " + request.method +
              " request failed after " + std::to_string(out.attempts) + " attempt" +
              (out.attempts == 1 ? "" : "s") + " (batch deadline reached): " + last;
  out.error = Scrub(out.error);
  return out;
}

std::vector<HttpResponse> HttpClient::SendAll(const std::vector<HttpRequest>& requests,
                                              Deadline deadline) {
  std::vector<HttpResponse> out(requests.size());
  size_t workers = std::min<size_t>(options_.concurrency, requests.size());
  if (workers <= 1) {
    for (size_t i = 0; i < requests.size(); ++i) out[i] = Send(requests[i], deadline);
    return out;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < requests.size(); i = next++) out[i] = Send(requests[i], deadline);
    });
  }
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace aud::connectors
