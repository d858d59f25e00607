// libFuzzer target for `aud.toml` (compiler/config, see tests/fuzz/README.md).
//
// The whole input is one aud.toml. It is read with config::ParseConfig and
// its diagnostics are rendered (plain and coloured). Properties, each an
// abort() with a message when violated:
//   - a diagnostic that prints a source line prints only a line that
//     config::ShowableLine accepts (no line that may hold a credential);
//   - a configuration returned without errors has only known connection
//     types, a `file` connection has `dir` and `format`, and every secret is
//     kept as an environment variable name;
//   - reading is deterministic: a second parse renders the same text.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "compiler/base/diagnostics.h"
#include "compiler/config/config.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view input, std::string_view detail) {
  std::fprintf(stderr, "config property violated: %s\n--- input ---\n%.*s\n--- detail ---\n%.*s\n",
               what, static_cast<int>(input.size()), input.data(), static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

struct Parsed {
  aud::base::SourceManager sm;
  aud::base::Diagnostics diags{sm};
  aud::base::FileId id = 0;
  std::optional<aud::config::ProjectConfig> cfg;
  explicit Parsed(std::string_view text) {
    id = sm.Add("aud.toml", std::string(text));
    cfg = aud::config::ParseConfig(id, diags);
  }
};

bool IsEnvName(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Parsed p(input);
  std::string plain = p.diags.Render(false);
  (void)p.diags.Render(true);

  for (const aud::base::Diagnostic& d : p.diags.all()) {
    if (!d.range.valid() || d.hide_source) continue;
    uint32_t line = p.sm.Position(d.range.file, d.range.begin).line;
    std::string_view text = p.sm.Line(d.range.file, line);
    if (!aud::config::ShowableLine(text))
      Fail("a line that may hold a secret is printed", input, plain);
    for (const aud::base::Note& n : d.notes)
      if (n.range.valid()) Fail("a note of aud.toml has a location", input, plain);
  }
  if (p.cfg && p.diags.HasErrors()) Fail("a configuration was returned with errors", input, plain);
  if (!p.cfg && !p.diags.HasErrors()) Fail("no configuration and no error", input, plain);
  if (p.cfg) {
    const auto& types = aud::config::ConnectionTypes();
    for (const auto& [name, c] : p.cfg->connections) {
      bool known = false;
      for (const auto& t : types) known = known || t == c.type;
      if (!known) Fail("unknown connection type accepted", input, c.type);
      if (c.type == "file" && (!c.values.count("dir") || !c.values.count("format")))
        Fail("a file connection without dir or format", input, name);
      for (const auto& [key, v] : c.values) {
        if (const auto* s = std::get_if<aud::config::SecretRef>(&v); s && !IsEnvName(s->env))
          Fail("a secret that is not a variable name", input, key);
      }
    }
    if (p.cfg->state_dsn && !IsEnvName(p.cfg->state_dsn->env))
      Fail("a state dsn that is not a variable name", input, p.cfg->state_dsn->env);
  }

  Parsed again(input);
  if (again.diags.Render(false) != plain) Fail("two parses render differently", input, plain);
  return 0;
}
