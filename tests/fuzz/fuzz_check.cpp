// libFuzzer target for the front end (see tests/fuzz/README.md).
//
// The first input byte picks the mode:
//   even: the rest is `main.aud` of a project with a fixed, valid aud.toml;
//   odd:  the rest is `aud.toml` of a project with a fixed, small main.aud.
// The project is checked in memory (parse, config, resolve, types,
// governance) and its diagnostics rendered. When main.aud parses without
// errors, the formatter's contract is verified on it too:
//   fmt(fmt(x)) == fmt(x), ast::Dump(parse(fmt(x))) == ast::Dump(parse(x)),
//   and every comment of x survives formatting.
// A violated property calls abort() with a message, which libFuzzer reports
// as a crash and saves the input.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/dump.h"
#include "compiler/base/diagnostics.h"
#include "compiler/check/check.h"
#include "compiler/fmt/format.h"
#include "compiler/parse/parse.h"

namespace {

constexpr std::string_view kFixedConfig =
    "[project]\n"
    "name = \"fuzz\"\n"
    "\n"
    "[connections.files]\n"
    "type = \"file\"\n"
    "format = \"csv\"\n"
    "dir = \"out\"\n";

constexpr std::string_view kFixedMain =
    "import \"std/governance\"\n"
    "event order_completed \"Order Completed\" [C5] { revenue: float  order_id: string [I2] }\n"
    "trait email: string [I1]\n"
    "trait email_opt_in: bool\n"
    "identity user_id: declared from userId\n"
    "identity email: declared from trait email normalize email\n"
    "action file_export \"Export to files\"\n"
    "consent email_ok = email_opt_in == true\n"
    "segment buyers = count(order_completed where revenue > 50 within 30d) >= 3\n"
    "audience vip { members buyers identities email attributes { ltv = "
    "sum(order_completed.revenue) } refresh every 1d }\n"
    "destination crm { connection files actions file_export consent email_ok key user_id "
    "map email -> \"email\" hashed, ltv -> \"ltv\" }\n"
    "publish vip to crm\n";

[[noreturn]] void Fail(const char* what, std::string_view input, std::string_view a,
                       std::string_view b) {
  std::fprintf(stderr,
               "\n=== formatter property violated: %s ===\n"
               "--- input (main.aud) ---\n%.*s\n"
               "--- first ---\n%.*s\n"
               "--- second ---\n%.*s\n",
               what, static_cast<int>(input.size()), input.data(), static_cast<int>(a.size()),
               a.data(), static_cast<int>(b.size()), b.data());
  std::abort();
}

// A parsed file together with the sources and diagnostics it points into.
struct Parsed {
  std::unique_ptr<aud::base::SourceManager> sm = std::make_unique<aud::base::SourceManager>();
  std::unique_ptr<aud::base::Diagnostics> diags = std::make_unique<aud::base::Diagnostics>(*sm);
  std::unique_ptr<aud::ast::File> file;
};

Parsed Parse(std::string_view text) {
  Parsed p;
  aud::base::FileId id = p.sm->Add("main.aud", std::string(text));
  p.file = aud::parse::ParseFile(id, *p.diags);
  if (p.diags->HasErrors()) p.file.reset();
  return p;
}

std::string TrimRight(std::string_view s) {
  size_t e = s.find_last_not_of(" \t\r");
  return e == std::string_view::npos ? std::string() : std::string(s.substr(0, e + 1));
}

std::string Comments(const aud::ast::File& f) {
  std::string out;
  for (const aud::ast::Comment& c : f.comments) out += TrimRight(c.text) + "\n";
  return out;
}

void CheckFormatter(std::string_view x) {
  Parsed px = Parse(x);
  if (!px.file) return;
  std::string fx = aud::fmt::FormatFile(*px.file, *px.sm);

  Parsed pfx = Parse(fx);
  if (!pfx.file) Fail("fmt(x) does not parse", x, fx, pfx.diags->Render(false));

  std::string dump_x = aud::ast::Dump(*px.file);
  std::string dump_fx = aud::ast::Dump(*pfx.file);
  if (dump_x != dump_fx) Fail("Dump(parse(fmt(x))) != Dump(parse(x))", x, dump_x, dump_fx);

  std::string comments_x = Comments(*px.file);
  std::string comments_fx = Comments(*pfx.file);
  if (comments_x != comments_fx)
    Fail("fmt(x) lost or changed comments", x, comments_x, comments_fx);

  std::string ffx = aud::fmt::FormatFile(*pfx.file, *pfx.sm);
  if (ffx != fx) Fail("fmt(fmt(x)) != fmt(x)", x, fx, ffx);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool config_mode = (data[0] & 1) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

  aud::check::SourceTree tree;
  tree.files["aud.toml"] = std::string(config_mode ? rest : kFixedConfig);
  tree.files["main.aud"] = std::string(config_mode ? kFixedMain : rest);
  std::unique_ptr<aud::check::Project> project = aud::check::Check(tree);
  // Rendering walks every range the checker reported: exercise it too.
  (void)project->diags.Render(false);
  (void)project->diags.Render(true);

  if (!config_mode) CheckFormatter(rest);
  return 0;
}
