// JitEvaluator: binds the program to the store with the interpreter's own
// binding (eval::Bind: literals, columns, imported lists, so both executors
// agree on every lookup), generates the LLVM module (compiler/codegen),
// compiles it with the process-wide LLJIT (or loads the object from the
// on-disk cache) and runs the entry point over contiguous profile chunks.
// The helpers of abi.h are defined here.

#include "runtime/jit/jit.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "compiler/codegen/abi.h"
#include "compiler/codegen/codegen.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/Host.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SHA1.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "runtime/builtins/builtins.h"
#include "runtime/eval/bound.h"
#include "runtime/jit/builtin_abi.h"

namespace aud::jit {

namespace {

double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string ErrorText(llvm::Error e) { return llvm::toString(std::move(e)); }

// The process-wide JIT: one LLJIT for the host, one TargetMachine per tier.
struct Global {
  std::mutex mu;  // TargetMachines and dylib creation/removal
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::unique_ptr<llvm::TargetMachine> tm_fast, tm_full;
  std::string host_key;  // triple, CPU and features: part of the cache key
  std::string error;
  uint64_t next_dylib = 0;
};

Global& TheJit() {
  static Global* g = [] {
    auto* g = new Global;  // never destroyed: compiled code may run until exit
    if (const char* fail = std::getenv("AUD_JIT_DISABLE"); fail && *fail) {
      g->error = "the JIT is disabled (AUD_JIT_DISABLE)";
      return g;
    }
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb) {
      g->error = "cannot detect the host: " + ErrorText(jtmb.takeError());
      return g;
    }
    jtmb->setCodeGenOptLevel(llvm::CodeGenOpt::None);
    auto fast = jtmb->createTargetMachine();
    jtmb->setCodeGenOptLevel(llvm::CodeGenOpt::Default);
    auto full = jtmb->createTargetMachine();
    if (!fast || !full) {
      g->error = "cannot create a target machine: " +
                 (fast ? ErrorText(full.takeError()) : ErrorText(fast.takeError()));
      if (!full) llvm::consumeError(full.takeError());
      return g;
    }
    g->tm_fast = std::move(*fast);
    g->tm_full = std::move(*full);
    g->host_key = jtmb->getTargetTriple().str() + "|" + jtmb->getCPU() + "|" +
                  jtmb->getFeatures().getString();
    auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*jtmb)).create();
    if (!jit) {
      g->error = "cannot create the JIT: " + ErrorText(jit.takeError());
      return g;
    }
    g->jit = std::move(*jit);
    return g;
  }();
  return *g;
}

std::string Hex(llvm::ArrayRef<uint8_t> bytes) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += d[b >> 4];
    s += d[b & 15];
  }
  return s;
}

std::array<uint8_t, 20> Sha1(llvm::StringRef data) {
  llvm::SHA1 h;
  h.update(data);
  std::array<uint8_t, 20> out{};
  llvm::StringRef r = h.final();
  std::copy(r.bytes_begin(), r.bytes_end(), out.begin());
  return out;
}

// Cache file: magic, SHA-1 of the object, the object.
constexpr char kMagic[8] = {'A', 'U', 'D', 'J', 'I', 'T', 'O', '1'};

std::unique_ptr<llvm::MemoryBuffer> CompileObject(Global& g, llvm::Module& m, Tier tier,
                                                  std::string* error) {
  llvm::TargetMachine* tm = tier == Tier::Full ? g.tm_full.get() : g.tm_fast.get();
  if (tier == Tier::Full) {
    llvm::PassBuilder pb(tm);
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
    mpm.run(m, mam);
  }
  llvm::SmallVector<char, 0> buf;
  llvm::raw_svector_ostream os(buf);
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CGFT_ObjectFile)) {
    *error = "the target cannot emit object files";
    return nullptr;
  }
  pm.run(m);
  return llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(buf.data(), buf.size()), "aud-jit");
}

}  // namespace

// --- cache ---------------------------------------------------------------------

namespace {

std::unique_ptr<llvm::MemoryBuffer> ReadCachedObject(const std::string& path, bool* corrupt) {
  *corrupt = false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  if (data.size() < sizeof kMagic + 20 || data.compare(0, sizeof kMagic, kMagic, sizeof kMagic)) {
    *corrupt = true;
    return nullptr;
  }
  llvm::StringRef obj(data.data() + sizeof kMagic + 20, data.size() - sizeof kMagic - 20);
  auto sum = Sha1(obj);
  if (!std::equal(sum.begin(), sum.end(),
                  reinterpret_cast<const uint8_t*>(data.data() + sizeof kMagic))) {
    *corrupt = true;
    return nullptr;
  }
  return llvm::MemoryBuffer::getMemBufferCopy(obj, "aud-jit-cached");
}

bool WriteCachedObject(const std::string& path, llvm::StringRef obj) {
  std::error_code ec;
  std::filesystem::path p(path);
  std::filesystem::create_directories(p.parent_path(), ec);
  static std::atomic<uint64_t> counter{0};
  std::string tmp =
      path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    auto sum = Sha1(obj);
    out.write(kMagic, sizeof kMagic);
    out.write(reinterpret_cast<const char*>(sum.data()), 20);
    out.write(obj.data(), static_cast<std::streamsize>(obj.size()));
    out.flush();
    if (!out) {
      out.close();
      std::filesystem::remove(tmp, ec);
      return false;
    }
  }
  std::filesystem::rename(tmp, path, ec);  // atomic: readers see the old or the new file
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace

// --- run state -----------------------------------------------------------------

struct RunState {
  const eval::Bound* b = nullptr;
  const store::Profiles* ps = nullptr;
  eval::Result* r = nullptr;
};

struct ThreadState {
  const RunState* run = nullptr;
  std::vector<eval::Value> traits;
  std::vector<AudValue> abi_traits;
  std::deque<std::string> scratch;
  std::vector<std::vector<uint8_t>> matched;  // per import: entries matched
};

namespace {

const RunState& Run(const AudCtx* ctx) { return *static_cast<const RunState*>(ctx->host); }
ThreadState& Thread(AudThread* th) { return *static_cast<ThreadState*>(th->host); }

std::string_view View(const AudCtx* ctx, const AudStr* s) {
  if (s->ptr) return {s->ptr, s->len};
  if (s->code != AUD_NO_CODE) return Run(ctx).b->s.dict.Get(s->code);
  return {};
}

// A string builtin's result: the argument itself when unchanged (keeping its
// dictionary code), else `made`, kept in the thread's scratch.
void StringResult(AudThread* th, const AudStr* in, std::optional<std::string> made, AudStr* out) {
  *out = *in;
  if (!made) return;
  auto& scratch = Thread(th).scratch;
  scratch.push_back(std::move(*made));
  out->ptr = scratch.back().data();
  out->len = scratch.back().size();
  out->code = AUD_NO_CODE;
}

}  // namespace

}  // namespace aud::jit

using aud::jit::Thread;
using aud::jit::View;

extern "C" {

void aud_h_traits(const AudCtx* ctx, AudThread* th, uint32_t profile) {
  const auto& run = aud::jit::Run(ctx);
  auto& ts = Thread(th);
  aud::eval::ResolveTraits(*run.b, *run.ps, profile, ts.traits);
  for (size_t i = 0; i < ts.traits.size(); ++i) {
    const aud::eval::Value& v = ts.traits[i];
    AudValue& a = ts.abi_traits[i];
    a.present = v.present ? 1 : 0;
    a.i = v.i;
    a.f = v.f;
    a.s.ptr = v.s.data();
    a.s.len = v.s.size();
    a.s.code = v.code;
    if (v.present && !a.s.ptr) a.s.ptr = "";
  }
}

uint8_t aud_h_import(const AudCtx* ctx, AudThread* th, uint32_t profile, uint32_t import) {
  const auto& run = aud::jit::Run(ctx);
  auto& ts = Thread(th);
  const aud::eval::Bound& b = *run.b;
  bool member = false;
  for (const std::string& v :
       aud::eval::IdentityValues(b, *run.ps, profile, b.p.imports[import].identity, ts.traits)) {
    auto it = b.imports[import].index.find(v);
    if (it == b.imports[import].index.end()) continue;
    member = true;
    ts.matched[import][it->second] = 1;
  }
  return member ? 1 : 0;
}

uint8_t aud_h_str_eq(const AudCtx* ctx, const AudStr* a, const AudStr* b) {
  return View(ctx, a) == View(ctx, b) ? 1 : 0;
}

int32_t aud_h_str_cmp(const AudCtx* ctx, const AudStr* a, const AudStr* b) {
  int c = View(ctx, a).compare(View(ctx, b));
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// Builtin helpers (stdlib/builtins.def, Impl::Helper rows): the ABI glue
// around the one implementation in runtime/builtins, with the signature
// abi.h derives from the row (checked by BuiltinHelper below).

void aud_h_lower(const AudCtx* ctx, AudThread* th, const AudStr* s, AudStr* out) {
  aud::jit::StringResult(th, s, aud::builtins::Lower(View(ctx, s)), out);
}

void aud_h_upper(const AudCtx* ctx, AudThread* th, const AudStr* s, AudStr* out) {
  aud::jit::StringResult(th, s, aud::builtins::Upper(View(ctx, s)), out);
}

void aud_h_trim(const AudCtx* ctx, AudThread* th, const AudStr* s, AudStr* out) {
  std::string_view v = View(ctx, s);
  std::string_view t = aud::builtins::Trim(v);
  *out = *s;
  if (t.size() == v.size()) return;  // unchanged: keeps its dictionary code
  out->ptr = t.data();               // a view into the argument's storage
  out->len = t.size();
  out->code = AUD_NO_CODE;
}

uint8_t aud_h_contains(const AudCtx* ctx, AudThread* th, const AudStr* s, const AudStr* t) {
  return aud::builtins::Contains(View(ctx, s), View(ctx, t)) ? 1 : 0;
}

uint8_t aud_h_starts_with(const AudCtx* ctx, AudThread* th, const AudStr* s, const AudStr* t) {
  return aud::builtins::StartsWith(View(ctx, s), View(ctx, t)) ? 1 : 0;
}

uint8_t aud_h_ends_with(const AudCtx* ctx, AudThread* th, const AudStr* s, const AudStr* t) {
  return aud::builtins::EndsWith(View(ctx, s), View(ctx, t)) ? 1 : 0;
}

double aud_h_days_since(const AudCtx* ctx, AudThread* th, int64_t t) {
  return aud::builtins::DaysSince(ctx->as_of, t);
}

double aud_h_round(const AudCtx* ctx, AudThread* th, double x, int64_t digits) {
  return aud::builtins::Round(x, digits);
}

void aud_h_out_string(const AudCtx* ctx, uint32_t formula, uint32_t profile, const AudStr* s) {
  aud::jit::Run(ctx).r->values[formula].strings[profile] = std::string(View(ctx, s));
}

void aud_h_scratch_clear(AudThread* th) { Thread(th).scratch.clear(); }

}  // extern "C"

namespace aud::jit {

// Each case names the helper of exactly the type its registry row implies: a
// new builtin without a case here does not compile (-Werror=switch), nor does
// a helper of the wrong type (HelperAddress).
void* BuiltinHelper(stdlib::Builtin b) {
  using stdlib::Builtin;
  switch (b) {
    case Builtin::Lower: return HelperAddress<Builtin::Lower>(&aud_h_lower);
    case Builtin::Upper: return HelperAddress<Builtin::Upper>(&aud_h_upper);
    case Builtin::Trim: return HelperAddress<Builtin::Trim>(&aud_h_trim);
    case Builtin::Contains: return HelperAddress<Builtin::Contains>(&aud_h_contains);
    case Builtin::StartsWith: return HelperAddress<Builtin::StartsWith>(&aud_h_starts_with);
    case Builtin::EndsWith: return HelperAddress<Builtin::EndsWith>(&aud_h_ends_with);
    case Builtin::DaysSince: return HelperAddress<Builtin::DaysSince>(&aud_h_days_since);
    case Builtin::Round: return HelperAddress<Builtin::Round>(&aud_h_round);
    // Not helper rows: slots, or written out by codegen.
    case Builtin::Count:
    case Builtin::Did:
    case Builtin::Sum:
    case Builtin::Min:
    case Builtin::Max:
    case Builtin::Avg:
    case Builtin::First:
    case Builtin::Last:
    case Builtin::Sequence:
    case Builtin::Exists: break;
  }
  return nullptr;
}

struct JitEvaluator::Impl {
  eval::Bound b;
  std::string error;
  bool compile_failed = false;
  CompileStats stats;
  codegen::Binding binding;
  std::vector<double> fconsts;
  std::vector<AudColumn> columns;           // AUD_COLS_PER_PROP per property
  std::vector<std::vector<int64_t>> times;  // per Timestamp property: per row
  std::vector<std::vector<uint64_t>> time_valid;
  llvm::orc::JITDylib* dylib = nullptr;
  AudEntryFn entry = nullptr;

  Impl(const ir::Program& p, const store::EventStore& s) : b(p, s) {}
};

// The codegen binding of a bound program (what the store has), with the
// binding's analysis (the interpreter's own, compiler/ir/analysis.h).
codegen::Binding MakeBinding(const eval::Bound& b) {
  codegen::Binding cb;
  cb.event_type = b.event_type;
  cb.store_types = static_cast<uint32_t>(b.s.types.size());
  cb.props.resize(b.p.props.size());
  for (size_t i = 0; i < b.p.props.size(); ++i) {
    const eval::BoundProp& bp = b.props[i];
    cb.props[i].ints = bp.ints != nullptr;
    cb.props[i].floats = bp.floats != nullptr;
    cb.props[i].bools = bp.bools != nullptr;
    cb.props[i].strings = bp.strings != nullptr;
  }
  cb.const_codes.assign(b.p.nodes.size(), AUD_NO_CODE);
  for (size_t n = 0; n < b.p.nodes.size(); ++n)
    if (b.p.nodes[n].op == ir::Op::Const && b.p.nodes[n].type == ir::Type::String)
      cb.const_codes[n] = b.consts[n].code;
  cb.uses = b.analysis.uses;
  cb.passes = b.options.passes;
  cb.analysis = &b.analysis;
  return cb;
}

JitEvaluator::JitEvaluator(const ir::Program& program, const store::EventStore& store,
                           const eval::Options& options, const JitOptions& jit_options)
    : impl_(std::make_unique<Impl>(program, store)) {
  Impl& m = *impl_;
  m.b.options = options;
  eval::Bind(m.b);
  if (!m.b.error.empty()) {
    m.error = m.b.error;
    return;
  }

  // Per-run constant data: Float literals and Timestamp properties parsed per row.
  m.fconsts.assign(program.nodes.size(), 0.0);
  for (size_t n = 0; n < program.nodes.size(); ++n)
    if (program.nodes[n].op == ir::Op::Const && program.nodes[n].type == ir::Type::Float)
      m.fconsts[n] = program.nodes[n].f;
  m.columns.assign(program.props.size() * AUD_COLS_PER_PROP, AudColumn{});
  m.times.resize(program.props.size());
  m.time_valid.resize(program.props.size());
  for (size_t i = 0; i < program.props.size(); ++i) {
    const eval::BoundProp& bp = m.b.props[i];
    AudColumn* c = &m.columns[i * AUD_COLS_PER_PROP];
    auto set = [](AudColumn& col, const store::Column* sc, const void* data, size_t rows) {
      col.data = data;
      col.valid = sc->valid.data();
      col.rows = rows;
      col.valid_words = sc->valid.size();
    };
    if (program.props[i].type == ir::Type::Timestamp) {
      if (!bp.strings) continue;
      const store::Column& sc = *bp.strings;
      auto& t = m.times[i];
      auto& v = m.time_valid[i];
      t.assign(sc.codes.size(), 0);
      v.assign((sc.codes.size() + 63) / 64, 0);
      for (uint32_t r = 0; r < sc.codes.size(); ++r) {
        if ((r >> 6) >= sc.valid.size() || !sc.Valid(r)) continue;
        auto it = bp.times.find(sc.codes[r]);
        if (it == bp.times.end()) continue;
        t[r] = it->second;
        v[r >> 6] |= uint64_t{1} << (r & 63);
      }
      c[AUD_COL_INTS].data = t.data();
      c[AUD_COL_INTS].valid = v.data();
      c[AUD_COL_INTS].rows = t.size();
      c[AUD_COL_INTS].valid_words = v.size();
      continue;
    }
    if (bp.ints) set(c[AUD_COL_INTS], bp.ints, bp.ints->ints.data(), bp.ints->ints.size());
    if (bp.floats)
      set(c[AUD_COL_FLOATS], bp.floats, bp.floats->floats.data(), bp.floats->floats.size());
    if (bp.bools) set(c[AUD_COL_BOOLS], bp.bools, bp.bools->bools.data(), bp.bools->bools.size());
    if (bp.strings)
      set(c[AUD_COL_STRINGS], bp.strings, bp.strings->codes.data(), bp.strings->codes.size());
  }

  Global& g = TheJit();
  if (!g.jit) {
    m.error = g.error;
    m.compile_failed = true;
    return;
  }
  Tier tier = jit_options.tier;
  if (tier == Tier::Auto)
    tier = store.num_events() > jit_options.full_tier_events ? Tier::Full : Tier::Fast;
  m.stats.tier = tier;

  auto t0 = std::chrono::steady_clock::now();
  m.binding = MakeBinding(m.b);
  llvm::LLVMContext context;
  std::string cg_error;
  std::unique_ptr<llvm::Module> module = codegen::Generate(program, m.binding, context, &cg_error);
  if (!module) {
    m.error = "JIT codegen failed: " + cg_error;
    m.compile_failed = true;
    return;
  }
  std::lock_guard<std::mutex> lock(g.mu);
  module->setDataLayout(g.jit->getDataLayout());
  module->setTargetTriple(g.jit->getTargetTriple().str());
  std::string text = codegen::PrintModule(*module);
  std::string key_text = "aud-jit 1|" LLVM_VERSION_STRING "|" + g.host_key + "|" +
                         (tier == Tier::Full ? "full" : "fast") + "\n" + text;
  std::string key = Hex(Sha1(key_text));
  m.stats.codegen_ms = MsSince(t0);

  std::unique_ptr<llvm::MemoryBuffer> obj;
  std::string path;
  if (!jit_options.cache_dir.empty()) {
    path = jit_options.cache_dir + "/" + key + ".o";
    bool corrupt = false;
    obj = ReadCachedObject(path, &corrupt);
    m.stats.cache_hit = obj != nullptr;
  }
  if (!obj) {
    auto t1 = std::chrono::steady_clock::now();
    std::string err;
    obj = CompileObject(g, *module, tier, &err);
    m.stats.compile_ms = MsSince(t1);
    if (!obj) {
      m.error = "JIT compile failed: " + err;
      m.compile_failed = true;
      return;
    }
    if (!path.empty()) WriteCachedObject(path, obj->getBuffer());  // best effort
  }
  m.stats.object_bytes = obj->getBufferSize();

  auto jd = g.jit->createJITDylib("aud" + std::to_string(g.next_dylib++));
  if (!jd) {
    m.error = "JIT: " + ErrorText(jd.takeError());
    m.compile_failed = true;
    return;
  }
  m.dylib = &*jd;
  llvm::orc::SymbolMap syms;
  auto add = [&](const char* name, void* fn) {
    syms[g.jit->mangleAndIntern(name)] =
        llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(fn),
                                 llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
  };
  add("aud_h_traits", reinterpret_cast<void*>(&aud_h_traits));
  add("aud_h_import", reinterpret_cast<void*>(&aud_h_import));
  add("aud_h_str_eq", reinterpret_cast<void*>(&aud_h_str_eq));
  add("aud_h_str_cmp", reinterpret_cast<void*>(&aud_h_str_cmp));
  add("aud_h_out_string", reinterpret_cast<void*>(&aud_h_out_string));
  add("aud_h_scratch_clear", reinterpret_cast<void*>(&aud_h_scratch_clear));
  for (const stdlib::BuiltinInfo& info : stdlib::kBuiltins)
    if (info.impl == stdlib::Impl::Helper)
      add(std::string(info.helper).c_str(), BuiltinHelper(info.id));
  llvm::Error err = m.dylib->define(llvm::orc::absoluteSymbols(std::move(syms)));
  if (!err) {
    auto gen = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
        g.jit->getDataLayout().getGlobalPrefix());
    if (gen)
      m.dylib->addGenerator(std::move(*gen));
    else
      err = gen.takeError();
  }
  if (!err) err = g.jit->addObjectFile(*m.dylib, std::move(obj));
  if (!err) {
    auto sym = g.jit->lookup(*m.dylib, codegen::kEntryName);
    if (sym)
      m.entry = reinterpret_cast<AudEntryFn>(static_cast<uintptr_t>(sym->getAddress()));
    else
      err = sym.takeError();
  }
  if (err) {
    m.error = "JIT link failed: " + ErrorText(std::move(err));
    m.compile_failed = true;
    // A cached object that does not link is dropped so the next run recompiles.
    if (m.stats.cache_hit && !path.empty()) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  }
}

JitEvaluator::~JitEvaluator() {
  if (impl_ && impl_->dylib) {
    Global& g = TheJit();
    std::lock_guard<std::mutex> lock(g.mu);
    llvm::consumeError(g.jit->getExecutionSession().removeJITDylib(*impl_->dylib));
  }
}

const std::string& JitEvaluator::error() const { return impl_->error; }

const CompileStats& JitEvaluator::stats() const { return impl_->stats; }

eval::Result JitEvaluator::Run(const store::Profiles& ps) const {
  const Impl& m = *impl_;
  const eval::Bound& b = m.b;
  const ir::Program& p = b.p;
  eval::Result r;
  if (!m.error.empty() || !m.entry) {
    r.error = m.error.empty() ? "the JIT has no code" : m.error;
    return r;
  }
  const ir::Uses& uses = b.analysis.uses;
  const uint32_t n = ps.count;
  r.profiles = n;
  r.evaluated = uses.formulas;
  r.members.resize(p.formulas.size());
  r.values.resize(p.formulas.size());
  std::vector<uint64_t*> members(p.formulas.size(), nullptr), valid(p.formulas.size(), nullptr);
  std::vector<int64_t*> ints(p.formulas.size(), nullptr);
  std::vector<double*> floats(p.formulas.size(), nullptr);
  for (size_t f = 0; f < p.formulas.size(); ++f) {
    if (!uses.formulas[f]) continue;
    const ir::Formula& fm = p.formulas[f];
    if (fm.kind != ir::FormulaKind::Attribute) {
      r.members[f].Resize(n);
      members[f] = r.members[f].words.data();
      continue;
    }
    eval::Column& c = r.values[f];
    c.type = fm.type;
    c.valid.Resize(n);
    valid[f] = c.valid.words.data();
    switch (fm.type) {
      case ir::Type::Float:
        c.floats.assign(n, 0);
        floats[f] = c.floats.data();
        break;
      case ir::Type::String: c.strings.assign(n, std::string()); break;
      default:
        c.ints.assign(n, 0);
        ints[f] = c.ints.data();
        break;
    }
  }
  if (n == 0) {
    eval::CountImports(b, {}, r);  // nothing matched
    return r;
  }

  RunState run;
  run.b = &b;
  run.ps = &ps;
  run.r = &r;
  AudCtx ctx{};
  ctx.event_offsets = ps.event_offsets.data();
  ctx.events = ps.events.data();
  ctx.type = b.s.type.data();
  ctx.ts = b.s.ts.data();
  ctx.row = b.s.row.data();
  ctx.as_of = ps.as_of;
  ctx.props = m.columns.data();
  ctx.fconsts = m.fconsts.data();
  ctx.members = members.data();
  ctx.valid = valid.data();
  ctx.ints = ints.data();
  ctx.floats = floats.data();
  ctx.host = &run;
  // The per-type event index the `type-index` walks read (built here when
  // the profiles lack one).
  store::TypeIndex own_index;
  const store::TypeIndex* index = &ps.type_index;
  if (b.analysis.type_index && !store::HasTypeIndex(ps)) {
    own_index = store::BuildTypeIndex(b.s, ps);
    index = &own_index;
  }
  ctx.type_dir_offsets = index->dir_offsets.data();
  ctx.type_dir_type = index->dir_type.data();
  ctx.type_dir_begin = index->dir_begin.data();
  ctx.typed_events = index->events.data();
  {
    const __int128 lb = ir::EarliestTime(b.analysis.earliest, ps.as_of);
    ctx.earliest = lb < INT64_MIN   ? INT64_MIN
                   : lb > INT64_MAX ? INT64_MAX
                                    : static_cast<int64_t>(lb);
  }

  unsigned threads = std::max(1u, b.options.threads);
  const uint32_t chunk = 64 * 16;  // whole bitset words per chunk
  threads = std::min<unsigned>(threads, (n + chunk - 1) / chunk);
  std::atomic<uint32_t> next{0};
  std::vector<std::unique_ptr<ThreadState>> states;
  for (unsigned t = 0; t < threads; ++t) {
    auto ts = std::make_unique<ThreadState>();
    ts->run = &run;
    ts->abi_traits.assign(p.traits.size() + 1, AudValue{});
    ts->matched.resize(p.imports.size());
    for (size_t i = 0; i < p.imports.size(); ++i)
      ts->matched[i].assign(b.imports[i].entries.size(), 0);
    states.push_back(std::move(ts));
  }
  AudEntryFn entry = m.entry;
  auto work = [&](ThreadState& ts) {
    AudThread th{ts.abi_traits.data(), &ts};
    for (;;) {
      uint32_t begin = next.fetch_add(chunk);
      if (begin >= n) break;
      uint32_t end = std::min(n, begin + chunk);
      entry(&ctx, &th, begin, end);
      if (b.options.profiles_done) b.options.profiles_done->fetch_add(end - begin);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, std::ref(*states[t]));
  work(*states[0]);
  for (auto& t : pool) t.join();

  std::vector<const std::vector<std::vector<uint8_t>>*> matched;
  for (const auto& st : states) matched.push_back(&st->matched);
  eval::CountImports(b, matched, r);
  return r;
}

std::vector<std::vector<std::string>> JitEvaluator::Identities(const store::Profiles& ps,
                                                               uint32_t profile) const {
  return eval::AllIdentityValues(impl_->b, ps, profile);
}

}  // namespace aud::jit
