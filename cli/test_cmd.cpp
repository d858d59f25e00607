// `aud test [NAME...] [--json] [--engine jit|interp]`: runs the project's
// `test` declarations on their fixtures only (runtime/testing), prints PASS /
// FAIL per test with a per-profile diff of every failed expectation, or one
// JSON document for CI (docs/aud-test.md). Exit 1 when a test fails or
// cannot run.

#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "compiler/base/diagnostics.h"
#include "compiler/base/escape.h"
#include "compiler/base/json_text.h"
#include "runtime/driver/driver.h"
#include "runtime/testing/testing.h"

namespace aud::cli {

namespace {

int Fail(const std::string& message) {
  std::cerr << "error: " << base::TerminalSafe(message) << "\n";
  return 1;
}

const char* Status(const testing::TestResult& t) {
  return !t.error.empty() ? "error" : t.passed ? "pass" : "fail";
}

std::string Json(const testing::Report& rep) {
  std::string out = "{\"format_version\":1,\"tests\":[";
  auto str = [&](const std::string& s) { base::AppendJsonString(s, &out); };
  for (size_t i = 0; i < rep.tests.size(); ++i) {
    const testing::TestResult& t = rep.tests[i];
    out += i ? ",{" : "{";
    out += "\"name\":";
    str(t.name);
    out += ",\"file\":";
    str(t.file);
    out += ",\"line\":" + std::to_string(t.line) + ",\"status\":\"" + Status(t) + "\",\"error\":";
    if (t.error.empty())
      out += "null";
    else
      str(t.error);
    out += ",\"as_of\":";
    str(ir::FormatTime(t.as_of));
    out += ",\"profiles\":" + std::to_string(t.profiles) + ",\"expectations\":[";
    for (size_t k = 0; k < t.outcomes.size(); ++k) {
      const testing::Outcome& o = t.outcomes[k];
      out += k ? ",{" : "{";
      out += "\"line\":" + std::to_string(o.line) + ",\"text\":";
      str(o.text);
      out += std::string(",\"passed\":") + (o.passed ? "true" : "false") + ",\"diff\":[";
      for (size_t d = 0; d < o.diff.size(); ++d) {
        out += d ? ",{" : "{";
        out += "\"profile\":";
        str(o.diff[d].profile);
        out += ",\"expected\":";
        str(o.diff[d].expected);
        out += ",\"got\":";
        str(o.diff[d].got);
        out += '}';
      }
      out += "]}";
    }
    out += "]}";
  }
  const size_t failed = rep.Failed();
  out += "],\"summary\":{\"tests\":" + std::to_string(rep.tests.size()) +
         ",\"passed\":" + std::to_string(rep.tests.size() - failed) +
         ",\"failed\":" + std::to_string(failed) + "}}\n";
  return out;
}

std::string Text(const testing::Report& rep) {
  std::ostringstream out;
  auto safe = [](const std::string& s) { return base::TerminalSafe(s); };
  for (const testing::TestResult& t : rep.tests) {
    const std::string where = safe(t.file) + ":" + std::to_string(t.line);
    if (!t.error.empty()) {
      out << "ERROR " << safe(t.name) << " (" << where << "): " << safe(t.error) << "\n";
      continue;
    }
    out << (t.passed ? "PASS " : "FAIL ") << safe(t.name) << " (" << where << ")\n";
    if (t.passed) continue;
    for (const testing::Outcome& o : t.outcomes) {
      if (o.passed) continue;
      out << "  " << safe(t.file) << ":" << o.line << ": " << safe(o.text) << "\n";
      size_t width = 0;
      for (const auto& d : o.diff) width = std::max(width, safe(d.profile).size());
      for (const auto& d : o.diff) {
        std::string p = safe(d.profile);
        out << "    profile \"" << p << "\"" << std::string(width - p.size(), ' ')
            << "  expected: " << safe(d.expected) << "\n"
            << std::string(width + 21, ' ') << "got: " << safe(d.got) << "\n";
      }
    }
  }
  const size_t failed = rep.Failed();
  out << rep.tests.size() << (rep.tests.size() == 1 ? " test" : " tests") << ": "
      << rep.tests.size() - failed << " passed, " << failed << " failed\n";
  return out.str();
}

}  // namespace

int RunTest(const GlobalOptions& g, const TestOptions& o) {
  if (!driver::KnownEngine(o.engine))
    return Fail("unknown engine `" + o.engine + "` (jit or interp)");
  driver::Options dopt = DriverOptions(g);
  dopt.engine = o.engine;
  driver::Compiled compiled = driver::Compile(dopt, driver::Until::Check);
  const auto& project = compiled.project;
  if (!ReportDiagnostics(g, *project)) return 1;
  for (const std::string& n : testing::UnknownTests(project->module, o.names)) {
    std::string hint;
    std::vector<std::string> names;
    for (const auto& [k, _] : project->module.tests) names.push_back(k);
    std::string s = base::Suggest(n, names);
    return Fail("unknown test `" + n + "`" + (s.empty() ? "" : "; did you mean `" + s + "`?") +
                " (`aud test` without names runs every test)");
  }
  std::string lower_error;
  if (!driver::Lower(*project, &compiled.program, &lower_error)) return Fail(lower_error);

  testing::Options to;
  to.project_dir = g.dir;
  to.engine = o.engine;
  to.names = o.names;
  testing::Report rep = testing::Run(*project, compiled.program, to);
  std::string notice;
  for (const auto& t : rep.tests)
    if (!t.notice.empty()) notice = t.notice;
  if (!notice.empty()) std::cerr << base::TerminalSafe(notice) << "\n";
  if (o.json) {
    std::cout << Json(rep);
  } else if (rep.tests.empty()) {
    std::cout
        << "no tests: declare one with `test NAME { as_of @TIME  given { ... }  expect ... }`\n";
  } else {
    std::cout << Text(rep);
  }
  return rep.Failed() ? 1 : 0;
}

}  // namespace aud::cli
