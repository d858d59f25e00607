// aud-test-server: the local webhook + Autopilot server (tests/support/
// test_server.h) as a process, for CLI-level tests and manual runs. Prints
// `PORT=<n>` once listening, then serves until killed or stdin closes.
//
//   aud-test-server [--token-env VAR] [--api-key-env VAR] [--threads N] [--seed N]
//                   [--rate N]   (Autopilot requests/s before 429; default 5, 0: unlimited)
//
// Secrets come from environment variables (named, never given on the command
// line). Faults and state: POST/GET http://127.0.0.1:<n>/_control/... (README.md).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "tests/support/test_server.h"

int main(int argc, char** argv) {
  aud::testing::TestServer::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "aud-test-server: " << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    auto env = [](const std::string& name) {
      const char* v = std::getenv(name.c_str());
      if (!v) {
        std::cerr << "aud-test-server: environment variable `" << name << "` is not set\n";
        std::exit(2);
      }
      return std::string(v);
    };
    if (arg == "--token-env") {
      options.token = env(value());
    } else if (arg == "--api-key-env") {
      options.api_key = env(value());
    } else if (arg == "--threads") {
      options.threads = std::strtoul(value().c_str(), nullptr, 10);
    } else if (arg == "--seed") {
      options.seed = std::strtoull(value().c_str(), nullptr, 10);
    } else if (arg == "--rate") {
      options.rate_limit_per_sec = std::strtod(value().c_str(), nullptr);
    } else {
      std::cerr << "usage: aud-test-server [--token-env VAR] [--api-key-env VAR] [--threads N] "
                   "[--seed N] [--rate N]\n";
      return 2;
    }
  }
  try {
    aud::testing::TestServer server(options);
    std::printf("PORT=%d\n", server.port());
    std::fflush(stdout);
    // Serve until stdin reaches end of file (the parent closed it or died).
    char buf[256];
    while (read(0, buf, sizeof buf) > 0) {
    }
  } catch (const std::exception& e) {
    std::cerr << "aud-test-server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
