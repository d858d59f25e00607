// Sha256Hex (plan.h): SHA-256 through OpenSSL. In a file of its own so the
// plan-file reader (serialize.cpp) links without the rest of the planner
// (the plan-file fuzzer builds just these files).

#include <openssl/evp.h>

#include "runtime/plan/plan.h"

namespace aud::plan {

std::string Sha256Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(size_t{len} * 2);
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

}  // namespace aud::plan
