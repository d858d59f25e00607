// IR -> LLVM IR. The generated code mirrors runtime/eval/interp.cpp step by
// step (the semantics are written on ir::Op, ir::Slot, ir::Step), with the
// per-profile loop, the event pass and the formulas unrolled for the
// program's slots. Mutable state lives in allocas (the Full tier's O2
// pipeline promotes them to registers; the Fast tier runs no passes).
// Floating-point operations carry no fast-math flags and Float constants are
// loaded from AudCtx::fconsts at run time, so nothing is constant-folded or
// reassociated: every NaN, -0 and rounding matches the interpreter's.

#include "compiler/codegen/codegen.h"

#include <algorithm>
#include <functional>
#include <map>

#include "compiler/codegen/abi.h"
#include "compiler/ir/analysis.h"
#include "compiler/ir/builtin_ops.h"
#include "compiler/ir/verify.h"
#include "llvm/IR/BasicBlock.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Metadata.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

namespace aud::codegen {

namespace {

using ir::Op;
using ir::Type;
using llvm::BasicBlock;
using llvm::Value;

constexpr int64_t kNever = INT64_MIN;  // sequence: no completion time

// A value in registers; which fields are set depends on the IR type:
// Bool/Int/Timestamp/Duration: i (i64); Float: f (double); String: ptr, len,
// code. `present` is i1. `coded`: a present string always has a code.
struct V {
  Value* present = nullptr;
  Value* i = nullptr;
  Value* f = nullptr;
  Value* ptr = nullptr;
  Value* len = nullptr;
  Value* code = nullptr;
  bool coded = false;
};

class Gen {
 public:
  Gen(const ir::Program& p, const Binding& b, llvm::LLVMContext& c, std::string* error)
      : p_(p), b_(b), C(c), B(c), error_(error) {}

  std::unique_ptr<llvm::Module> Run();

 private:
  const ir::Program& p_;
  const Binding& b_;
  llvm::LLVMContext& C;
  llvm::IRBuilder<> B;
  std::string* error_;
  std::unique_ptr<llvm::Module> M;
  llvm::Function* F = nullptr;
  BasicBlock* entry_ = nullptr;
  bool failed_ = false;

  // Types.
  llvm::Type *i1, *i8, *i16, *i32, *i64, *i128, *dbl, *voidT;
  llvm::PointerType* i8p;
  llvm::StructType *strT, *valT, *colT, *ctxT, *thT;

  // Helpers.
  llvm::FunctionCallee h_traits, h_import, h_str_eq, h_str_cmp, h_out_string, h_scratch_clear;
  // Per builtin (stdlib::kBuiltins order): its helper (Impl::Helper rows only).
  std::vector<llvm::FunctionCallee> h_builtins_;

  // Function-wide values.
  Value *ctx = nullptr, *th = nullptr;
  Value *c_offsets, *c_events, *c_type, *c_ts, *c_row, *c_as_of, *c_props, *c_fconsts;
  Value *c_members, *c_valid, *c_ints, *c_floats;
  Value* c_earliest = nullptr;  // i64 (AudCtx::earliest), loaded once at entry
  Value* c_traits = nullptr;    // AudValue*
  // The per-type index (AudCtx::type_dir_*, typed_events), loaded once per
  // call when the type-index walks are used.
  Value *c_dir_off_ = nullptr, *c_dir_type_ = nullptr, *c_dir_begin_ = nullptr, *c_typed_ = nullptr;
  // Per profile / per event.
  Value* prof = nullptr;  // i32
  Value* cur_ts = nullptr;
  Value* cur_row = nullptr;  // i64
  bool in_event_ = false;
  bool in_range_ = false;  // the event in scope is inside every running slot's window
  // Per slot, whether this profile needs its value (ir::Analysis::slot_guards),
  // computed once per profile; null: always.
  std::vector<Value*> need_;

  // Column descriptors, loaded once per call (per property and kind).
  struct ColRegs {
    Value *data = nullptr, *valid = nullptr, *rows = nullptr, *words = nullptr;
    // min(rows, 64 * words), saturated: row r is in bounds iff r < limit.
    Value* limit = nullptr;
  };
  std::vector<ColRegs> cols_;

  std::vector<V> slot_vals_, formula_vals_, import_vals_;
  std::vector<bool> slot_done_, formula_done_, import_done_;

  // Slot state.
  struct State {
    llvm::AllocaInst *count = nullptr, *isum = nullptr, *fsum = nullptr, *seen = nullptr;
    llvm::AllocaInst *bpresent = nullptr, *bi = nullptr, *bf = nullptr, *bptr = nullptr,
                     *blen = nullptr, *bcode = nullptr;
    llvm::AllocaInst *done = nullptr, *open = nullptr, *satisfied = nullptr, *completed = nullptr;
    bool best_coded = false;
  };
  std::vector<State> states_;
  // The shared analyses (compiler/ir/analysis.h): the binding's, or own_.
  const ir::Analysis* a_ = nullptr;
  ir::Analysis own_;

  void Fail(const std::string& why) {
    if (!failed_) *error_ = why;
    failed_ = true;
  }

  // --- small builders -------------------------------------------------------
  llvm::Constant* I1(bool v) { return llvm::ConstantInt::get(i1, v ? 1 : 0); }
  llvm::Constant* I32(uint32_t v) { return llvm::ConstantInt::get(i32, v); }
  llvm::Constant* I64(int64_t v) {
    return llvm::ConstantInt::get(i64, static_cast<uint64_t>(v), true);
  }
  llvm::Constant* I128(int64_t v) {
    return llvm::ConstantInt::get(i128, static_cast<uint64_t>(v), true);
  }
  llvm::Constant* F0() { return llvm::ConstantFP::get(dbl, 0.0); }
  llvm::Constant* NullStr() { return llvm::ConstantPointerNull::get(i8p); }

  llvm::AllocaInst* Alloca(llvm::Type* t, const char* name) {
    llvm::IRBuilder<> eb(entry_, entry_->begin());
    return eb.CreateAlloca(t, nullptr, name);
  }
  BasicBlock* Block(const char* name) { return BasicBlock::Create(C, name, F); }
  Value* Load(llvm::Type* t, Value* ptr) { return B.CreateLoad(t, ptr); }
  Value* CtxField(unsigned idx, llvm::Type* t) {
    return Load(t, B.CreateStructGEP(ctxT, ctx, idx));
  }
  Value* Wide(Value* v) { return B.CreateSExt(v, i128); }

  // if (cond) then(); — then() may create blocks.
  void If(Value* cond, const std::function<void()>& then) {
    BasicBlock* t = Block("if.then");
    BasicBlock* m = Block("if.end");
    B.CreateCondBr(cond, t, m);
    B.SetInsertPoint(t);
    then();
    B.CreateBr(m);
    B.SetInsertPoint(m);
  }

  V Zero(Type t) {
    V v;
    v.present = I1(false);
    if (t == Type::Float) {
      v.f = F0();
    } else if (t == Type::String) {
      v.ptr = NullStr();
      v.len = I64(0);
      v.code = I32(AUD_NO_CODE);
      v.coded = true;
    } else {
      v.i = I64(0);
    }
    return v;
  }
  V BoolV(Value* b) {
    V v;
    v.present = I1(true);
    v.i = B.CreateZExt(b, i64);
    return v;
  }
  Value* Truth(const V& v) { return B.CreateAnd(v.present, B.CreateICmpNE(v.i, I64(0))); }

  // cond ? a() : b(), both of type t, with short-circuit control flow.
  V Choose(Value* cond, Type t, const std::function<V()>& a, const std::function<V()>& b) {
    BasicBlock* ta = Block("c.a");
    BasicBlock* tb = Block("c.b");
    BasicBlock* m = Block("c.m");
    B.CreateCondBr(cond, ta, tb);
    B.SetInsertPoint(ta);
    V va = a();
    BasicBlock* ea = B.GetInsertBlock();
    B.CreateBr(m);
    B.SetInsertPoint(tb);
    V vb = b();
    BasicBlock* eb = B.GetInsertBlock();
    B.CreateBr(m);
    B.SetInsertPoint(m);
    auto phi = [&](Value* x, Value* y) -> Value* {
      if (!x || !y) return nullptr;
      llvm::PHINode* n = B.CreatePHI(x->getType(), 2);
      n->addIncoming(x, ea);
      n->addIncoming(y, eb);
      return n;
    };
    V r;
    r.present = phi(va.present, vb.present);
    r.i = phi(va.i, vb.i);
    r.f = phi(va.f, vb.f);
    r.ptr = phi(va.ptr, vb.ptr);
    r.len = phi(va.len, vb.len);
    r.code = phi(va.code, vb.code);
    r.coded = va.coded && vb.coded;
    (void)t;
    return r;
  }
  // v when present, else the missing value; f() runs only when v is present.
  V IfPresent(Value* present, Type t, const std::function<V()>& f) {
    return Choose(present, t, f, [&] { return Zero(t); });
  }
  // An i1 computed only when cond holds (false otherwise).
  Value* AndThen(Value* cond, const std::function<Value*()>& f) {
    V r = Choose(
        cond, Type::Bool, [&] { return BoolV(f()); }, [&] { return BoolV(I1(false)); });
    return B.CreateICmpNE(r.i, I64(0));
  }

  // A string value stored in a fresh AudStr alloca (for helper calls).
  Value* StrPtr(const V& v) {
    llvm::AllocaInst* a = Alloca(strT, "str");
    B.CreateStore(v.ptr, B.CreateStructGEP(strT, a, 0));
    B.CreateStore(v.len, B.CreateStructGEP(strT, a, 1));
    B.CreateStore(v.code, B.CreateStructGEP(strT, a, 2));
    B.CreateStore(I32(0), B.CreateStructGEP(strT, a, 3));
    return a;
  }
  V StrFrom(Value* a) {
    V v;
    v.present = I1(true);
    v.ptr = Load(i8p, B.CreateStructGEP(strT, a, 0));
    v.len = Load(i64, B.CreateStructGEP(strT, a, 1));
    v.code = Load(i32, B.CreateStructGEP(strT, a, 2));
    return v;
  }

  // --- values ---------------------------------------------------------------
  // Row `cur_row` of column (prop, kind): (present, value of `et`).
  std::pair<Value*, Value*> LoadCol(uint32_t prop, unsigned kind, llvm::Type* et) {
    const ColRegs& cr = cols_[size_t{prop} * AUD_COLS_PER_PROP + kind];
    if (!cr.rows) {
      Fail("column read that the binding lacks");
      return {I1(false), llvm::Constant::getNullValue(et)};
    }
    Value* word_index = B.CreateLShr(cur_row, 6);
    // r < rows && (r >> 6) < words, as one comparison.
    Value* in = B.CreateICmpULT(cur_row, cr.limit);
    // In bounds: the valid word and the value are both loadable (one branch).
    BasicBlock* from = B.GetInsertBlock();
    BasicBlock* ld = Block("col.ld");
    BasicBlock* m = Block("col.m");
    B.CreateCondBr(in, ld, m);
    B.SetInsertPoint(ld);
    Value* w = Load(i64, B.CreateGEP(i64, cr.valid, word_index));
    Value* bit = B.CreateTrunc(B.CreateLShr(w, B.CreateAnd(cur_row, I64(63))), i1);
    Value* typed = B.CreateBitCast(cr.data, llvm::PointerType::getUnqual(et));
    Value* x = Load(et, B.CreateGEP(et, typed, cur_row));
    Value* zero = llvm::Constant::getNullValue(et);
    x = B.CreateSelect(bit, x, zero);
    B.CreateBr(m);
    B.SetInsertPoint(m);
    llvm::PHINode* pp = B.CreatePHI(i1, 2);
    pp->addIncoming(I1(false), from);
    pp->addIncoming(bit, ld);
    llvm::PHINode* px = B.CreatePHI(et, 2);
    px->addIncoming(zero, from);
    px->addIncoming(x, ld);
    return {pp, px};
  }

  V Prop(const ir::Node& n) {
    if (!in_event_) {
      Fail("property read outside an event");
      return Zero(n.type);
    }
    const PropColumns& pc = b_.props[n.index];
    V v = Zero(n.type);
    switch (n.type) {
      case Type::Int:
      case Type::Timestamp: {
        bool has = n.type == Type::Int ? pc.ints : pc.strings;
        if (!has) return v;
        auto [pr, x] = LoadCol(n.index, AUD_COL_INTS, i64);
        v.present = pr;
        v.i = x;
        return v;
      }
      case Type::Float: {
        if (pc.floats && pc.ints) {
          // Not a structured binding: clang 14 (clang-tidy) cannot capture one.
          auto [pf, loaded] = LoadCol(n.index, AUD_COL_FLOATS, dbl);
          Value* xf = loaded;
          return Choose(
              pf, Type::Float,
              [&] {
                V a;
                a.present = I1(true);
                a.f = xf;
                return a;
              },
              [&] {
                auto [pi, xi] = LoadCol(n.index, AUD_COL_INTS, i64);
                V a;
                a.present = pi;
                a.f = B.CreateSIToFP(xi, dbl);
                return a;
              });
        }
        if (pc.floats) {
          auto [pf, xf] = LoadCol(n.index, AUD_COL_FLOATS, dbl);
          v.present = pf;
          v.f = xf;
        } else if (pc.ints) {
          auto [pi, xi] = LoadCol(n.index, AUD_COL_INTS, i64);
          v.present = pi;
          v.f = B.CreateSIToFP(xi, dbl);
        }
        return v;
      }
      case Type::Bool: {
        if (!pc.bools) return v;
        auto [pr, x] = LoadCol(n.index, AUD_COL_BOOLS, i8);
        v.present = pr;
        v.i = B.CreateZExt(B.CreateICmpNE(x, llvm::ConstantInt::get(i8, 0)), i64);
        return v;
      }
      case Type::String: {
        if (!pc.strings) return v;
        auto [pr, x] = LoadCol(n.index, AUD_COL_STRINGS, i32);
        v.present = pr;
        v.code = x;
        v.coded = true;
        return v;
      }
      case Type::Duration: return v;
    }
    return v;
  }

  V Trait(const ir::Node& n) {
    Value* tv = B.CreateGEP(valT, c_traits, I64(n.index));
    V v;
    v.present =
        B.CreateICmpNE(Load(i8, B.CreateStructGEP(valT, tv, 3)), llvm::ConstantInt::get(i8, 0));
    switch (n.type) {
      case Type::Float: v.f = Load(dbl, B.CreateStructGEP(valT, tv, 1)); break;
      case Type::String: {
        Value* s = B.CreateStructGEP(valT, tv, 2);
        v.ptr = Load(i8p, B.CreateStructGEP(strT, s, 0));
        v.len = Load(i64, B.CreateStructGEP(strT, s, 1));
        v.code = Load(i32, B.CreateStructGEP(strT, s, 2));
        v.coded = true;
        break;
      }
      default: v.i = Load(i64, B.CreateStructGEP(valT, tv, 0)); break;
    }
    return v;
  }

  V Const(uint32_t node) {
    const ir::Node& n = p_.nodes[node];
    V v;
    v.present = I1(true);
    switch (n.type) {
      case Type::Bool: v.i = I64(n.b ? 1 : 0); break;
      case Type::Float: v.f = Load(dbl, B.CreateGEP(dbl, c_fconsts, I64(node))); break;
      case Type::String: {
        llvm::Constant* data = llvm::ConstantDataArray::getString(C, n.s, true);
        auto* g = new llvm::GlobalVariable(*M, data->getType(), true,
                                           llvm::GlobalValue::PrivateLinkage, data, "lit");
        g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
        v.ptr = B.CreateBitCast(g, i8p);
        v.len = I64(static_cast<int64_t>(n.s.size()));
        uint32_t code = node < b_.const_codes.size() ? b_.const_codes[node] : AUD_NO_CODE;
        v.code = I32(code);
        v.coded = code != AUD_NO_CODE;
        break;
      }
      default: v.i = I64(n.i); break;
    }
    return v;
  }

  Value* StrEqual(const V& a, const V& c) {
    if (a.coded && c.coded) return B.CreateICmpEQ(a.code, c.code);
    Value* both = B.CreateAnd(B.CreateICmpNE(a.code, I32(AUD_NO_CODE)),
                              B.CreateICmpNE(c.code, I32(AUD_NO_CODE)));
    V r = Choose(
        both, Type::Bool, [&] { return BoolV(B.CreateICmpEQ(a.code, c.code)); },
        [&] {
          Value* x = B.CreateCall(h_str_eq, {ctx, StrPtr(a), StrPtr(c)});
          return BoolV(B.CreateICmpNE(x, llvm::ConstantInt::get(i8, 0)));
        });
    return B.CreateICmpNE(r.i, I64(0));
  }

  // Both present, of type t.
  Value* Equal(const V& a, const V& c, Type t) {
    switch (t) {
      case Type::Float: return B.CreateFCmpOEQ(a.f, c.f);
      case Type::String: return StrEqual(a, c);
      default: return B.CreateICmpEQ(a.i, c.i);
    }
  }

  // Order comparison `op` (Lt..Ge) of present operands of type t.
  Value* Compare(Op op, const V& a, const V& c, Type t) {
    if (t == Type::Float) {
      switch (op) {
        case Op::Lt: return B.CreateFCmpOLT(a.f, c.f);
        case Op::Le: return B.CreateFCmpOLE(a.f, c.f);
        case Op::Gt: return B.CreateFCmpOGT(a.f, c.f);
        default: return B.CreateFCmpOGE(a.f, c.f);
      }
    }
    Value *x, *y;
    if (t == Type::String) {
      x = B.CreateCall(h_str_cmp, {ctx, StrPtr(a), StrPtr(c)});
      y = I32(0);
    } else {
      x = a.i;
      y = c.i;
    }
    switch (op) {
      case Op::Lt: return B.CreateICmpSLT(x, y);
      case Op::Le: return B.CreateICmpSLE(x, y);
      case Op::Gt: return B.CreateICmpSGT(x, y);
      default: return B.CreateICmpSGE(x, y);
    }
  }

  V Eval(uint32_t node) {
    if (failed_) return Zero(Type::Bool);
    const ir::Node& n = p_.nodes[node];
    auto arg = [&](size_t k) { return n.args[k]; };
    auto argType = [&](size_t k) { return p_.nodes[n.args[k]].type; };
    switch (n.op) {
      case Op::Const: return Const(node);
      case Op::Prop: return Prop(n);
      case Op::EventTime: {
        if (!in_event_) {
          Fail("event time read outside an event");
          return Zero(Type::Timestamp);
        }
        V v;
        v.present = I1(true);
        v.i = cur_ts;
        return v;
      }
      case Op::Trait:
        if (n.index >= p_.traits.size() || !c_traits) {
          Fail("bad trait reference");
          return Zero(n.type);
        }
        return Trait(n);
      case Op::Slot:
        if (n.index >= slot_done_.size() || !slot_done_[n.index]) {
          Fail("slot read before it is computed");
          return Zero(n.type);
        }
        return slot_vals_[n.index];
      case Op::Formula:
        if (n.index >= formula_done_.size() || !formula_done_[n.index]) {
          Fail("formula read before it is computed");
          return Zero(n.type);
        }
        return formula_vals_[n.index];
      case Op::Import:
        if (n.index >= import_done_.size() || !import_done_[n.index]) {
          Fail("import read before it is computed");
          return Zero(n.type);
        }
        return import_vals_[n.index];
      case Op::ToFloat: {
        V a = Eval(arg(0));
        V v;
        v.present = a.present;
        v.f = B.CreateSIToFP(a.i, dbl);
        return v;
      }
      case Op::Not: return BoolV(B.CreateNot(Truth(Eval(arg(0)))));
      case Op::And:
      case Op::Or: {
        Value* a = Truth(Eval(arg(0)));
        if (Speculable(static_cast<int32_t>(arg(1)))) {
          // Both sides evaluated (no effect, no scratch string): no branch
          // on data, the same value as the short circuit.
          Value* b = Truth(Eval(arg(1)));
          return BoolV(n.op == Op::And ? B.CreateAnd(a, b) : B.CreateOr(a, b));
        }
        V r = Choose(
            a, Type::Bool,
            [&] { return n.op == Op::And ? BoolV(Truth(Eval(arg(1)))) : BoolV(I1(true)); },
            [&] { return n.op == Op::And ? BoolV(I1(false)) : BoolV(Truth(Eval(arg(1)))); });
        return r;
      }
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge: {
        V a = Eval(arg(0));
        V c = Eval(arg(1));
        Type t = argType(0);
        Value* both = B.CreateAnd(a.present, c.present);
        auto cmp = [&]() -> Value* {
          if (n.op == Op::Eq) return Equal(a, c, t);
          if (n.op == Op::Ne) return B.CreateNot(Equal(a, c, t));
          return Compare(n.op, a, c, t);
        };
        // Numbers compare branch-free (a missing operand's value is 0);
        // strings may call a helper, only with both present.
        if (t != Type::String || ((n.op == Op::Eq || n.op == Op::Ne) && a.coded && c.coded))
          return BoolV(B.CreateAnd(both, cmp()));
        return BoolV(AndThen(both, cmp));
      }
      case Op::In: {
        V a = Eval(arg(0));
        Type t = argType(0);
        auto any_of = [&]() -> Value* {
          Value* any = I1(false);
          for (size_t k = 1; k < n.args.size(); ++k) {
            V e = Eval(arg(k));
            Value* hit = t == Type::String && !(a.coded && e.coded)
                             ? AndThen(e.present, [&] { return Equal(a, e, t); })
                             : B.CreateAnd(e.present, Equal(a, e, t));
            any = B.CreateOr(any, hit);
          }
          return any;
        };
        if (t != Type::String) return BoolV(B.CreateAnd(a.present, any_of()));
        return BoolV(AndThen(a.present, any_of));
      }
      case Op::Neg: {
        V a = Eval(arg(0));
        if (n.type == Type::Float)
          a.f = B.CreateFNeg(a.f);
        else
          a.i = B.CreateSub(I64(0), a.i);
        return a;
      }
      case Op::Add:
      case Op::Sub:
      case Op::Mul:
      case Op::Div: {
        V a = Eval(arg(0));
        V c = Eval(arg(1));
        V v;
        Value* both = B.CreateAnd(a.present, c.present);
        if (n.op == Op::Div) {
          v.present = B.CreateAnd(both, B.CreateFCmpUNE(c.f, F0()));
          // Divide only when defined (keeps the missing value's f at 0).
          V q = IfPresent(v.present, Type::Float, [&] {
            V x;
            x.present = I1(true);
            x.f = B.CreateFDiv(a.f, c.f);
            return x;
          });
          return q;
        }
        v.present = both;
        if (n.type == Type::Float) {
          v.f = n.op == Op::Add   ? B.CreateFAdd(a.f, c.f)
                : n.op == Op::Sub ? B.CreateFSub(a.f, c.f)
                                  : B.CreateFMul(a.f, c.f);
        } else {
          v.i = n.op == Op::Add   ? B.CreateAdd(a.i, c.i)
                : n.op == Op::Sub ? B.CreateSub(a.i, c.i)
                                  : B.CreateMul(a.i, c.i);
        }
        return v;
      }
      case Op::Exists: return BoolV(Eval(arg(0)).present);
      case Op::Lower:
      case Op::Upper:
      case Op::Trim:
      case Op::Contains:
      case Op::StartsWith:
      case Op::EndsWith:
      case Op::DaysSince:
      case Op::Round: return CallBuiltin(*ir::BuiltinOf(n.op), n);
    }
    Fail("unknown operation");
    return Zero(n.type);
  }

  // A scalar builtin with one implementation (stdlib/builtins.def, Impl::Helper):
  // a call of its helper `aud_h_<name>` (compiler/codegen/abi.h: the ABI types of
  // its registry signature), made only when every argument is present;
  // otherwise the row's missing rule.
  V CallBuiltin(const stdlib::BuiltinInfo& info, const ir::Node& n) {
    std::vector<V> a;
    Value* all = nullptr;  // every argument present
    for (uint32_t x : n.args) {
      a.push_back(Eval(x));
      all = all ? B.CreateAnd(all, a.back().present) : a.back().present;
    }
    if (!all) all = I1(true);  // no arguments
    const Type rt = ir::TypeOfVal(info.result);
    auto call = [&]() -> V {
      std::vector<Value*> args{ctx, th};
      for (size_t k = 0; k < a.size(); ++k) {
        switch (ir::TypeOfVal(info.params[k])) {
          case Type::String: args.push_back(StrPtr(a[k])); break;
          case Type::Float: args.push_back(a[k].f); break;
          case Type::Bool: args.push_back(B.CreateTrunc(a[k].i, i8)); break;
          case Type::Int:
          case Type::Timestamp:
          case Type::Duration: args.push_back(a[k].i); break;
        }
      }
      llvm::FunctionCallee fn = h_builtins_[static_cast<size_t>(info.id)];
      V v;
      v.present = I1(true);
      if (rt == Type::String) {
        Value* out = Alloca(strT, "out");
        args.push_back(out);
        B.CreateCall(fn, args);
        return StrFrom(out);
      }
      Value* r = B.CreateCall(fn, args);
      switch (rt) {
        case Type::Bool:
          v.i = B.CreateZExt(B.CreateICmpNE(r, llvm::ConstantInt::get(i8, 0)), i64);
          break;
        case Type::Float: v.f = r; break;
        case Type::Int:
        case Type::Timestamp:
        case Type::Duration:
        case Type::String: v.i = r; break;
      }
      return v;
    };
    if (info.missing == stdlib::OnMissing::False)
      return BoolV(AndThen(all, [&] { return Truth(call()); }));
    V r = IfPresent(all, rt, call);
    r.coded = false;  // a string result may be a new string (no dictionary code)
    return r;
  }

  // A `where` on the current event (kNone: true).
  Value* Where(int32_t node) {
    if (node == ir::kNone) return I1(true);
    return Truth(Eval(static_cast<uint32_t>(node)));
  }

  Value* InWindow(const ir::Window& w, Value* ts) {
    if (in_range_) return I1(true);  // a ranged loop visits only its window's events
    Value* le = B.CreateICmpSLE(ts, c_as_of);
    switch (w.kind) {
      case ir::Window::All: return le;
      case ir::Window::Within:
        return B.CreateAnd(le,
                           B.CreateICmpSLT(B.CreateSub(Wide(c_as_of), I128(w.within)), Wide(ts)));
      case ir::Window::Between:
        return B.CreateAnd(
            le, B.CreateAnd(B.CreateICmpSLE(I64(w.from), ts), B.CreateICmpSLT(ts, I64(w.to))));
    }
    return le;
  }

  bool IsType(uint32_t program_event, uint32_t type) const {
    return b_.event_type[program_event] == static_cast<int32_t>(type);
  }

  // --- slots ----------------------------------------------------------------
  void MakeState(size_t si) {
    const ir::Slot& s = p_.slots[si];
    State& st = states_[si];
    if (s.agg == ir::Agg::Sequence) {
      size_t m = a_->sequences[si].positive.size();
      st.done = Alloca(llvm::ArrayType::get(i64, std::max<size_t>(m, 1)), "done");
      st.open = Alloca(i64, "open");
      st.satisfied = Alloca(i1, "satisfied");
      st.completed = Alloca(i1, "completed");
      return;
    }
    st.count = Alloca(i64, "count");
    st.isum = Alloca(i64, "isum");
    st.fsum = Alloca(dbl, "fsum");
    st.seen = Alloca(i1, "seen");
    st.bpresent = Alloca(i1, "bpresent");
    st.bi = Alloca(i64, "bi");
    st.bf = Alloca(dbl, "bf");
    st.bptr = Alloca(i8p, "bptr");
    st.blen = Alloca(i64, "blen");
    st.bcode = Alloca(i32, "bcode");
  }

  void ResetState(size_t si) {
    const ir::Slot& s = p_.slots[si];
    State& st = states_[si];
    if (s.agg == ir::Agg::Sequence) {
      size_t m = a_->sequences[si].positive.size();
      auto* at = llvm::ArrayType::get(i64, std::max<size_t>(m, 1));
      for (size_t k = 0; k < m; ++k)
        B.CreateStore(I64(kNever), B.CreateConstGEP2_32(at, st.done, 0, static_cast<unsigned>(k)));
      B.CreateStore(I64(kNever), st.open);
      B.CreateStore(I1(false), st.satisfied);
      return;
    }
    B.CreateStore(I64(0), st.count);
    B.CreateStore(I64(0), st.isum);
    B.CreateStore(F0(), st.fsum);
    B.CreateStore(I1(false), st.seen);
    B.CreateStore(I1(false), st.bpresent);
    B.CreateStore(I64(0), st.bi);
    B.CreateStore(F0(), st.bf);
    B.CreateStore(NullStr(), st.bptr);
    B.CreateStore(I64(0), st.blen);
    B.CreateStore(I32(AUD_NO_CODE), st.bcode);
  }

  V LoadBest(const State& st, Type t) {
    V v;
    v.present = Load(i1, st.bpresent);
    v.i = Load(i64, st.bi);
    v.f = Load(dbl, st.bf);
    v.ptr = Load(i8p, st.bptr);
    v.len = Load(i64, st.blen);
    v.code = Load(i32, st.bcode);
    v.coded = st.best_coded;
    (void)t;
    return v;
  }
  void StoreBest(const State& st, const V& v) {
    B.CreateStore(v.present, st.bpresent);
    if (v.i) B.CreateStore(v.i, st.bi);
    if (v.f) B.CreateStore(v.f, st.bf);
    if (v.ptr) B.CreateStore(v.ptr, st.bptr);
    if (v.len) B.CreateStore(v.len, st.blen);
    if (v.code) B.CreateStore(v.code, st.bcode);
    B.CreateStore(I1(true), st.seen);
  }

  // Whether the tree at `node` (kNone: none) may be evaluated on an event
  // whatever the window and `where` say: it makes no scratch string (every
  // other operation reads only bounds-checked columns, traits and constants
  // and has no effect).
  bool Speculable(int32_t node) const {
    if (node == ir::kNone) return true;
    const ir::Node& n = p_.nodes[static_cast<size_t>(node)];
    if (ir::Info(n.op).scratch) return false;
    for (uint32_t a : n.args)
      if (!Speculable(static_cast<int32_t>(a))) return false;
    return true;
  }

  // A count, sum or average whose `where` and value can be speculated is
  // updated without branches: the window test and `where` are computed on
  // every event of its walk and select the update, which is the same value
  // as the branching form (integer adds of 0, or the old float sum kept).
  bool Branchless(const ir::Slot& slot) const {
    if (slot.agg != ir::Agg::Count && slot.agg != ir::Agg::Sum && slot.agg != ir::Agg::Avg)
      return false;
    return Speculable(slot.where) && (slot.agg == ir::Agg::Count || Speculable(slot.value));
  }

  void AggregateBranchless(size_t si) {
    const ir::Slot& slot = p_.slots[si];
    State& st = states_[si];
    Value* take = B.CreateAnd(InWindow(slot.window, cur_ts), Where(slot.where));
    if (slot.agg == ir::Agg::Count) {
      B.CreateStore(B.CreateAdd(Load(i64, st.count), B.CreateZExt(take, i64)), st.count);
      return;
    }
    if (slot.value == ir::kNone) {
      Fail("aggregate without a value");
      return;
    }
    V v = Eval(static_cast<uint32_t>(slot.value));
    Type t = p_.nodes[slot.value].type;
    take = B.CreateAnd(take, v.present);
    if (slot.agg == ir::Agg::Sum && t != Type::Float) {
      Value* s = Load(i64, st.isum);
      B.CreateStore(B.CreateAdd(s, B.CreateSelect(take, v.i, I64(0))), st.isum);
      return;
    }
    Value* x = t == Type::Float ? v.f : B.CreateSIToFP(v.i, dbl);
    Value* s = Load(dbl, st.fsum);
    B.CreateStore(B.CreateSelect(take, B.CreateFAdd(s, x), s), st.fsum);
    if (slot.agg == ir::Agg::Avg)
      B.CreateStore(B.CreateAdd(Load(i64, st.count), B.CreateZExt(take, i64)), st.count);
  }

  void Aggregate(size_t si) {
    const ir::Slot& slot = p_.slots[si];
    State& st = states_[si];
    if (Branchless(slot)) {
      AggregateBranchless(si);
      return;
    }
    Value* inw = InWindow(slot.window, cur_ts);
    If(inw, [&] {
      If(Where(slot.where), [&] {
        if (slot.agg == ir::Agg::Count) {
          B.CreateStore(B.CreateAdd(Load(i64, st.count), I64(1)), st.count);
          return;
        }
        if (slot.value == ir::kNone) {
          Fail("aggregate without a value");
          return;
        }
        V v = Eval(static_cast<uint32_t>(slot.value));
        Type t = p_.nodes[slot.value].type;
        switch (slot.agg) {
          case ir::Agg::Sum:
            if (t == Type::Float) {
              Value* s = Load(dbl, st.fsum);
              B.CreateStore(B.CreateSelect(v.present, B.CreateFAdd(s, v.f), s), st.fsum);
            } else {
              Value* s = Load(i64, st.isum);
              B.CreateStore(B.CreateSelect(v.present, B.CreateAdd(s, v.i), s), st.isum);
            }
            break;
          case ir::Agg::Avg: {
            Value* x = t == Type::Float ? v.f : B.CreateSIToFP(v.i, dbl);
            Value* s = Load(dbl, st.fsum);
            B.CreateStore(B.CreateSelect(v.present, B.CreateFAdd(s, x), s), st.fsum);
            Value* c = Load(i64, st.count);
            B.CreateStore(B.CreateAdd(c, B.CreateZExt(v.present, i64)), st.count);
            break;
          }
          case ir::Agg::Min:
          case ir::Agg::Max:
            If(v.present, [&] {
              Value* seen = Load(i1, st.seen);
              Value* take = B.CreateOr(B.CreateNot(seen), AndThen(seen, [&]() -> Value* {
                                         V best = LoadBest(st, t);
                                         return Compare(slot.agg == ir::Agg::Min ? Op::Lt : Op::Gt,
                                                        v, best, t);
                                       }));
              If(take, [&] { StoreBest(st, v); });
            });
            break;
          case ir::Agg::First: If(B.CreateNot(Load(i1, st.seen)), [&] { StoreBest(st, v); }); break;
          case ir::Agg::Last: StoreBest(st, v); break;
          default: break;
        }
      });
    });
  }

  // One event of a sequence (docs/reference/language.md §6), as eval's Worker::Sequence.
  void Sequence(size_t si, uint32_t type) {
    const ir::Slot& slot = p_.slots[si];
    const ir::SequencePlan& plan = a_->sequences[si];
    State& st = states_[si];
    const size_t m = plan.positive.size();
    auto* at = llvm::ArrayType::get(i64, std::max<size_t>(m, 1));
    auto done = [&](size_t k) {
      return B.CreateConstGEP2_32(at, st.done, 0, static_cast<unsigned>(k));
    };
    If(B.CreateNot(Load(i1, st.satisfied)), [&] {
      BasicBlock* cont = Block("seq.cont");
      if (plan.last_not != ir::kNone) {
        const ir::Step& nt = slot.steps[static_cast<size_t>(plan.last_not)];
        Value* open = Load(i64, st.open);
        Value* has_open = B.CreateICmpNE(open, I64(kNever));
        Value* closed = B.CreateAnd(
            has_open,
            B.CreateICmpSGT(Wide(cur_ts), B.CreateAdd(Wide(open), I128(nt.window.within))));
        BasicBlock* sat = Block("seq.closed");
        BasicBlock* go = Block("seq.go");
        B.CreateCondBr(closed, sat, go);
        B.SetInsertPoint(sat);
        B.CreateStore(I1(true), st.satisfied);
        B.CreateBr(cont);
        B.SetInsertPoint(go);
        if (IsType(nt.event, type)) {
          If(has_open, [&] { If(Where(nt.where), [&] { B.CreateStore(I64(kNever), st.open); }); });
        }
      }
      B.CreateStore(I1(false), st.completed);
      for (size_t k = m; k-- > 0;) {
        if (plan.not_after[k] != ir::kNone) {
          const ir::Step& ns = slot.steps[static_cast<size_t>(plan.not_after[k])];
          if (IsType(ns.event, type))
            If(Where(ns.where), [&] { B.CreateStore(I64(kNever), done(k)); });
        }
        const ir::Step& step = slot.steps[plan.positive[k]];
        if (!IsType(step.event, type)) continue;
        Value* ok;
        if (k == 0) {
          ok = InWindow(step.window, cur_ts);
        } else {
          Value* prev = Load(i64, done(k - 1));
          ok = B.CreateICmpNE(prev, I64(kNever));
          if (step.window.kind == ir::Window::Within)
            ok = B.CreateAnd(ok, B.CreateICmpSLE(B.CreateSub(Wide(cur_ts), Wide(prev)),
                                                 I128(step.window.within)));
        }
        If(ok, [&] {
          If(Where(step.where), [&] {
            B.CreateStore(cur_ts, done(k));
            if (k + 1 == m) B.CreateStore(I1(true), st.completed);
          });
        });
      }
      If(Load(i1, st.completed), [&] {
        if (plan.last_not == ir::kNone) {
          B.CreateStore(I1(true), st.satisfied);
        } else {
          If(B.CreateICmpEQ(Load(i64, st.open), I64(kNever)),
             [&] { B.CreateStore(cur_ts, st.open); });
        }
      });
      B.CreateBr(cont);
      B.SetInsertPoint(cont);
    });
  }

  V Finish(size_t si) {
    const ir::Slot& slot = p_.slots[si];
    State& st = states_[si];
    V v;
    switch (slot.agg) {
      case ir::Agg::Count:
        v.present = I1(true);
        v.i = Load(i64, st.count);
        return v;
      case ir::Agg::Sum:
        v.present = I1(true);
        if (slot.type == Type::Float)
          v.f = Load(dbl, st.fsum);
        else
          v.i = Load(i64, st.isum);
        return v;
      case ir::Agg::Avg: {
        Value* c = Load(i64, st.count);
        Value* s = Load(dbl, st.fsum);
        return IfPresent(B.CreateICmpNE(c, I64(0)), Type::Float, [&] {
          V a;
          a.present = I1(true);
          a.f = B.CreateFDiv(s, B.CreateUIToFP(c, dbl));
          return a;
        });
      }
      case ir::Agg::Min:
      case ir::Agg::Max:
      case ir::Agg::First:
      case ir::Agg::Last: {
        V best = LoadBest(st, slot.type);
        Value* seen = Load(i1, st.seen);
        V out;
        out.present = B.CreateAnd(seen, best.present);
        if (slot.type == Type::Float) {
          out.f = best.f;
        } else if (slot.type == Type::String) {
          out.ptr = best.ptr;
          out.len = best.len;
          out.code = best.code;
          out.coded = best.coded;
        } else {
          out.i = best.i;
        }
        return out;
      }
      case ir::Agg::Sequence: {
        const ir::SequencePlan& plan = a_->sequences[si];
        Value* holds = Load(i1, st.satisfied);
        if (plan.last_not != ir::kNone) {
          const ir::Step& nt = slot.steps[static_cast<size_t>(plan.last_not)];
          Value* open = Load(i64, st.open);
          Value* late = B.CreateAnd(
              B.CreateICmpNE(open, I64(kNever)),
              B.CreateICmpSLE(B.CreateAdd(Wide(open), I128(nt.window.within)), Wide(c_as_of)));
          holds = B.CreateOr(holds, late);
        }
        return BoolV(holds);
      }
    }
    return Zero(slot.type);
  }

  // The earliest relevant event time (ir::Analysis::earliest), computed by
  // the runtime from the same analysis at this run's as_of (AudCtx::earliest,
  // clamped to int64), as i128; null when unbounded.
  Value* EarliestRelevantTime() {
    if (!a_->earliest.bounded) return nullptr;
    return Wide(c_earliest);
  }

  // The earliest relevant time of a walk at this run's as_of, exact (i128,
  // as ir::EarliestTime); null when unbounded.
  Value* WalkStart(const ir::TimeBound& bound) {
    if (!bound.bounded) return nullptr;
    Value* lb = nullptr;
    if (bound.has_within)
      lb = B.CreateAdd(B.CreateSub(Wide(c_as_of), I128(bound.max_within)), I128(1));
    if (bound.has_from) {
      Value* from = I128(bound.min_from);
      lb = lb ? B.CreateSelect(B.CreateICmpSLT(from, lb), from, lb) : from;
    }
    return lb;
  }

  // The first position in [lo, hi) of the typed events whose time is >= lb
  // (each type's events are time-ordered).
  Value* SearchTyped(Value* typed, Value* lo, Value* hi, Value* lb) {
    llvm::AllocaInst* la = Alloca(i64, "slo");
    llvm::AllocaInst* ha = Alloca(i64, "shi");
    B.CreateStore(lo, la);
    B.CreateStore(hi, ha);
    BasicBlock* sloop = Block("tsearch.loop");
    BasicBlock* sbody = Block("tsearch.body");
    BasicBlock* sdone = Block("tsearch.done");
    B.CreateBr(sloop);
    B.SetInsertPoint(sloop);
    Value* l = Load(i64, la);
    Value* h = Load(i64, ha);
    B.CreateCondBr(B.CreateICmpULT(l, h), sbody, sdone);
    B.SetInsertPoint(sbody);
    Value* mid = B.CreateAdd(l, B.CreateLShr(B.CreateSub(h, l), I64(1)));
    Value* me = B.CreateZExt(Load(i32, B.CreateGEP(i32, typed, mid)), i64);
    Value* before = B.CreateICmpSLT(Wide(Load(i64, B.CreateGEP(i64, c_ts, me))), lb);
    B.CreateStore(B.CreateSelect(before, B.CreateAdd(mid, I64(1)), l), la);
    B.CreateStore(B.CreateSelect(before, h, mid), ha);
    B.CreateBr(sloop);
    B.SetInsertPoint(sdone);
    return Load(i64, la);
  }

  // Runs `slots` (the consumers of store type t) on the event in scope.
  // Runs `slots` (the consumers of store type t) on the event in scope.
  void Consume(uint32_t t, const std::vector<uint32_t>& slots) {
    for (uint32_t si : slots) {
      if (p_.slots[si].agg == ir::Agg::Sequence)
        Sequence(si, t);
      else
        Aggregate(si);
    }
  }

  // Sets cur_ts and cur_row for event index `e` (i64).
  void EnterEvent(Value* e) {
    cur_ts = Load(i64, B.CreateGEP(i64, c_ts, e));
    cur_row = B.CreateZExt(Load(i32, B.CreateGEP(i32, c_row, e)), i64);
  }

  // The walks of the `type-index` pass (ir::TypeWalks) for profile `prof`,
  // as eval's Worker::Walks: the profile's directory gives each walked
  // type's range of the typed events; a walk of one type runs its consumers
  // over that range, a walk of several merges the ranges by event index (the
  // profile's event order); each starts at its earliest relevant time and
  // a walk of sequences stops once every one holds.
  // Whether used slot `si` runs over its own range of its type's events
  // (RangedSlots) instead of in a walk: an aggregate (not a sequence) over
  // all of history or `within D`, whose events are a suffix of the type's
  // time-ordered events up to as_of.
  bool Ranged(uint32_t si) const {
    const ir::Slot& s = p_.slots[si];
    return s.agg != ir::Agg::Sequence &&
           (s.window.kind == ir::Window::All ||
            (s.window.kind == ir::Window::Within && s.window.within >= 1));
  }
  static bool CountAll(const ir::Slot& s) {
    return s.agg == ir::Agg::Count && s.where == ir::kNone;
  }

  // Marks the back edge `br` of a loop over a profile's events: not
  // vectorized nor unrolled. A profile has a few dozen events of a type,
  // too few for vector loops, whose checks and remainders cost more than
  // they save (and grow the object several times).
  void NoVectorize(llvm::Instruction* br) {
    llvm::MDNode* vec = llvm::MDNode::get(C, {llvm::MDString::get(C, "llvm.loop.vectorize.enable"),
                                              llvm::ConstantAsMetadata::get(I1(false))});
    llvm::MDNode* unroll =
        llvm::MDNode::get(C, {llvm::MDString::get(C, "llvm.loop.unroll.disable")});
    llvm::TempMDTuple tmp = llvm::MDNode::getTemporary(C, {});
    llvm::MDNode* loop = llvm::MDNode::get(C, {tmp.get(), vec, unroll});
    loop->replaceOperandWith(0, loop);
    br->setMetadata(llvm::LLVMContext::MD_loop, loop);
  }

  // The time of typed event position `k` (i64).
  Value* TypedTs(Value* k) {
    Value* e = B.CreateZExt(Load(i32, B.CreateGEP(i32, c_typed_, k)), i64);
    return Load(i64, B.CreateGEP(i64, c_ts, e));
  }

  // The smallest c in [lo, from] such that keep(time of position j) holds
  // for every j in [c, from): scans back from `from` (the range is
  // time-ordered, so `keep`, a lower bound on time, holds on a suffix).
  Value* ScanBack(Value* lo, Value* from, const std::function<Value*(Value*)>& keep) {
    llvm::AllocaInst* ca = Alloca(i64, "scan");
    B.CreateStore(from, ca);
    BasicBlock* loop = Block("scan.loop");
    BasicBlock* test = Block("scan.test");
    BasicBlock* step = Block("scan.step");
    BasicBlock* done = Block("scan.done");
    B.CreateBr(loop);
    B.SetInsertPoint(loop);
    Value* c = Load(i64, ca);
    B.CreateCondBr(B.CreateICmpULT(lo, c), test, done);
    B.SetInsertPoint(test);
    Value* prev = B.CreateSub(c, I64(1));
    B.CreateCondBr(keep(TypedTs(prev)), step, done);
    B.SetInsertPoint(step);
    B.CreateStore(prev, ca);
    NoVectorize(B.CreateBr(loop));
    B.SetInsertPoint(done);
    return Load(i64, ca);
  }

  // The first position of each `within D` window (ds ascending, distinct,
  // D >= 1) in the time-ordered range [lo, ub) of events up to as_of: the
  // longest window's start by a scan back from ub, then one loop over that
  // window's events counting, per shorter window, the events inside it
  // (ts >= as_of - D + 1): without branches on the data, so one loop exit
  // mispredicted per type instead of one per window.
  std::vector<Value*> WindowStarts(const std::vector<int64_t>& ds, Value* lo, Value* ub) {
    const size_t n = ds.size();
    std::vector<Value*> out(n);
    if (n == 0) return out;
    // ts > as_of - D as ts >= as_of - D + 1, clamped to int64: D >= 1 keeps
    // it at most as_of, and below INT64_MIN every time is inside.
    Value* low = llvm::ConstantInt::get(i128, static_cast<uint64_t>(INT64_MIN), true);
    std::vector<Value*> bound(n);
    for (size_t j = 0; j < n; ++j) {
      Value* b = B.CreateAdd(B.CreateSub(Wide(c_as_of), I128(ds[j])), I128(1));
      bound[j] = B.CreateTrunc(B.CreateSelect(B.CreateICmpSLT(b, low), low, b), i64);
    }
    Value* first = ScanBack(lo, ub, [&](Value* ts) { return B.CreateICmpSGE(ts, bound[n - 1]); });
    out[n - 1] = first;
    if (n == 1) return out;
    std::vector<llvm::AllocaInst*> cnt(n - 1);
    for (size_t j = 0; j + 1 < n; ++j) {
      cnt[j] = Alloca(i64, "wcnt");
      B.CreateStore(I64(0), cnt[j]);
    }
    llvm::AllocaInst* ka = Alloca(i64, "wk");
    B.CreateStore(first, ka);
    BasicBlock* loop = Block("wcount.loop");
    BasicBlock* body = Block("wcount.body");
    BasicBlock* done = Block("wcount.done");
    B.CreateBr(loop);
    B.SetInsertPoint(loop);
    Value* k = Load(i64, ka);
    B.CreateCondBr(B.CreateICmpULT(k, ub), body, done);
    B.SetInsertPoint(body);
    Value* ts = TypedTs(k);
    for (size_t j = 0; j + 1 < n; ++j)
      B.CreateStore(
          B.CreateAdd(Load(i64, cnt[j]), B.CreateZExt(B.CreateICmpSGE(ts, bound[j]), i64)), cnt[j]);
    B.CreateStore(B.CreateAdd(k, I64(1)), ka);
    NoVectorize(B.CreateBr(loop));
    B.SetInsertPoint(done);
    for (size_t j = 0; j + 1 < n; ++j) out[j] = B.CreateSub(ub, Load(i64, cnt[j]));
    return out;
  }

  // Per slot, the bound B > 0 at which a count may stop counting: the slot
  // is a count (not a sequence) read only as `count >= T` with integer
  // constants T <= B (`did` is `count >= 1`), so min(count, B) gives every
  // reader the same value; 0: the exact count is needed.
  std::vector<int64_t> saturate_;
  void Saturation() {
    saturate_.assign(p_.slots.size(), 0);
    std::vector<bool> exact(p_.slots.size(), false);
    for (size_t i = 0; i < p_.slots.size(); ++i)
      exact[i] = p_.slots[i].agg != ir::Agg::Count || p_.slots[i].type != Type::Int;
    for (const ir::Formula& f : p_.formulas)
      if (p_.nodes[f.root].op == Op::Slot) exact[p_.nodes[f.root].index] = true;
    for (const ir::Node& n : p_.nodes) {
      for (size_t k = 0; k < n.args.size(); ++k) {
        const ir::Node& a = p_.nodes[n.args[k]];
        if (a.op != Op::Slot || a.index >= p_.slots.size()) continue;
        const ir::Node* c = n.args.size() == 2 ? &p_.nodes[n.args[1]] : nullptr;
        const bool ge = n.op == Op::Ge && k == 0 && c && c->op == Op::Const &&
                        c->type == Type::Int && c->i >= 1 && c->i <= (int64_t{1} << 40);
        if (!ge) {
          exact[a.index] = true;
          continue;
        }
        saturate_[a.index] = std::max(saturate_[a.index], c->i);
      }
    }
    for (size_t i = 0; i < p_.slots.size(); ++i)
      if (exact[i]) saturate_[i] = 0;
  }

  // need_ for this profile: a slot whose every direct reader has a false
  // trait-only conjunct is not needed (those formulas are false whatever it
  // holds), so its ranged loop can be skipped.
  void SlotNeeds() {
    need_.assign(p_.slots.size(), nullptr);
    if (a_->slot_guards.size() != p_.slots.size()) return;
    std::map<uint32_t, Value*> truth;
    auto holds = [&](uint32_t c) {
      auto it = truth.find(c);
      if (it != truth.end()) return it->second;
      Value* t = Truth(Eval(c));
      truth.emplace(c, t);
      return t;
    };
    for (size_t si = 0; si < p_.slots.size(); ++si) {
      const auto& g = a_->slot_guards[si];
      if (g.always || !b_.uses.slots[si] || !Ranged(static_cast<uint32_t>(si))) continue;
      Value* any = I1(false);
      for (const auto& conjuncts : g.formulas) {
        Value* all = I1(true);
        for (uint32_t c : conjuncts) all = B.CreateAnd(all, holds(c));
        any = B.CreateOr(any, all);
      }
      need_[si] = any;
    }
  }
  // Whether any of `slots` is needed (null: always).
  Value* AnyNeeded(const std::vector<uint32_t>& slots) {
    Value* any = I1(false);
    for (uint32_t si : slots) {
      if (need_.empty() || !need_[si]) return nullptr;
      any = B.CreateOr(any, need_[si]);
    }
    return any;
  }

  // Runs the ranged slots `slots` (Ranged) of store type `t` over the type's
  // events [lo, hi) of this profile. The events up to as_of end at `ub`
  // (scanned back from hi); the `within D` windows, shortest first, start
  // where a scan back from ub stops, each continuing the shorter one's, and
  // all of history starts at lo. Per distinct window, a count without
  // `where` is the range's length and the other slots share one loop over
  // the range, without window tests: each slot sees exactly the events of
  // its window in the order a walk gives it, so its value is the walk's.
  void RangedSlots(uint32_t t, const std::vector<uint32_t>& slots, Value* lo, Value* hi) {
    if (slots.empty()) return;
    if (Value* any = AnyNeeded(slots)) {
      If(any, [&] { RangedSlotsNeeded(t, slots, lo, hi); });
      return;
    }
    RangedSlotsNeeded(t, slots, lo, hi);
  }
  void RangedSlotsNeeded(uint32_t t, const std::vector<uint32_t>& slots, Value* lo, Value* hi) {
    Value* asof = c_as_of;
    Value* ub = ScanBack(lo, hi, [&](Value* ts) { return B.CreateICmpSGT(ts, asof); });
    // Windows: all of history, then the distinct `within` durations ascending.
    std::vector<int64_t> ds;
    for (uint32_t si : slots)
      if (p_.slots[si].window.kind == ir::Window::Within) ds.push_back(p_.slots[si].window.within);
    std::sort(ds.begin(), ds.end());
    ds.erase(std::unique(ds.begin(), ds.end()), ds.end());
    std::vector<Value*> start = WindowStarts(ds, lo, ub);
    for (size_t g = 0; g <= ds.size(); ++g) {
      Value* first = g == 0 ? lo : start[g - 1];
      std::vector<uint32_t> loop;
      for (uint32_t si : slots) {
        const ir::Window& w = p_.slots[si].window;
        const bool mine = g == 0 ? w.kind == ir::Window::All
                                 : w.kind == ir::Window::Within && w.within == ds[g - 1];
        if (!mine) continue;
        if (CountAll(p_.slots[si]))
          B.CreateStore(B.CreateSub(ub, first), states_[si].count);
        else
          loop.push_back(si);
      }
      if (loop.empty()) continue;
      if (Value* any = AnyNeeded(loop))
        If(any, [&] { RangeLoop(t, loop, first, ub); });
      else
        RangeLoop(t, loop, first, ub);
    }
  }

  // One loop over the typed events [first, ub) running `loop` (slots of type
  // t whose window is that range); a slot this profile does not need is
  // skipped on each event (a branch the same way every time).
  void RangeLoop(uint32_t t, const std::vector<uint32_t>& loop, Value* first, Value* ub) {
    {
      llvm::AllocaInst* ka = Alloca(i64, "rk");
      B.CreateStore(first, ka);
      BasicBlock* head = Block("range.loop");
      BasicBlock* body = Block("range.body");
      BasicBlock* after = Block("range.after");
      B.CreateBr(head);
      B.SetInsertPoint(head);
      Value* k = Load(i64, ka);
      Value* more = B.CreateICmpULT(k, ub);
      // Stop early once no slot of the loop can change a result: every one
      // is a saturable count that reached its bound, or is not needed.
      Value* open = I1(false);
      bool can_stop = true;
      for (uint32_t si : loop) {
        Value* need = need_.empty() ? nullptr : need_[si];
        if (saturate_[si] == 0) {
          if (!need) can_stop = false;
          open = B.CreateOr(open, need ? need : I1(true));
          continue;
        }
        Value* under = B.CreateICmpSLT(Load(i64, states_[si].count), I64(saturate_[si]));
        open = B.CreateOr(open, need ? B.CreateAnd(need, under) : under);
      }
      if (can_stop) more = B.CreateAnd(more, open);
      B.CreateCondBr(more, body, after);
      B.SetInsertPoint(body);
      EnterEvent(B.CreateZExt(Load(i32, B.CreateGEP(i32, c_typed_, k)), i64));
      in_event_ = true;
      in_range_ = true;
      for (uint32_t si : loop) {
        if (loop.size() > 1 && !need_.empty() && need_[si])
          If(need_[si], [&] { Consume(t, {si}); });
        else
          Consume(t, {si});
      }
      in_range_ = false;
      in_event_ = false;
      if (a_->makes_scratch) B.CreateCall(h_scratch_clear, {th});
      B.CreateStore(B.CreateAdd(Load(i64, ka), I64(1)), ka);
      NoVectorize(B.CreateBr(head));
      B.SetInsertPoint(after);
    }
  }

  // The walks to make, from `walks`: counts by range (CountedByRange) leave
  // each walk's consumers; a type left with none is not walked; each walk's
  // start is recomputed from the slots it still runs.
  std::vector<ir::TypeWalk> WalksToRun(const std::vector<ir::TypeWalk>& walks) const {
    std::vector<ir::TypeWalk> out;
    for (const ir::TypeWalk& w : walks) {
      ir::TypeWalk r;
      for (size_t j = 0; j < w.types.size(); ++j) {
        std::vector<uint32_t> rest;
        for (uint32_t si : w.consumers[j])
          if (!Ranged(si)) rest.push_back(si);
        if (rest.empty()) continue;
        r.types.push_back(w.types[j]);
        r.consumers.push_back(std::move(rest));
      }
      if (r.types.empty()) continue;
      std::vector<uint32_t> slots;
      for (const auto& c : r.consumers) slots.insert(slots.end(), c.begin(), c.end());
      std::sort(slots.begin(), slots.end());
      slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
      // As ir::TypeWalks: the widest of the slots' bounds, unbounded when
      // one is (or the `earliest-time` pass did not run).
      bool bounded = !a_->slot_earliest.empty();
      r.stop_when_satisfied = true;
      for (uint32_t si : slots) {
        r.stop_when_satisfied = r.stop_when_satisfied && p_.slots[si].agg == ir::Agg::Sequence;
        if (!bounded) continue;
        const ir::TimeBound& b = a_->slot_earliest[si];
        if (!b.bounded) {
          bounded = false;
          continue;
        }
        ir::TimeBound& e = r.earliest;
        if (b.has_within)
          e.max_within = e.has_within ? std::max(e.max_within, b.max_within) : b.max_within;
        e.has_within = e.has_within || b.has_within;
        if (b.has_from) e.min_from = e.has_from ? std::min(e.min_from, b.min_from) : b.min_from;
        e.has_from = e.has_from || b.has_from;
      }
      r.earliest.bounded = bounded && (r.earliest.has_within || r.earliest.has_from);
      if (!r.earliest.bounded) r.earliest = ir::TimeBound{};
      out.push_back(std::move(r));
    }
    return out;
  }

  void TypeWalks(const std::vector<ir::TypeWalk>& all_walks) {
    Value* c_dir_off = c_dir_off_;
    Value* c_dir_type = c_dir_type_;
    Value* c_dir_begin = c_dir_begin_;
    Value* c_typed = c_typed_;
    // Per walked type: its range in this profile (empty when absent).
    const std::vector<ir::TypeWalk> walks = WalksToRun(all_walks);
    std::vector<uint32_t> types;
    for (const ir::TypeWalk& w : all_walks)
      types.insert(types.end(), w.types.begin(), w.types.end());
    std::sort(types.begin(), types.end());
    types.erase(std::unique(types.begin(), types.end()), types.end());
    std::vector<llvm::AllocaInst*> lo(types.size()), hi(types.size());
    auto at = [&](uint32_t t) {
      return static_cast<size_t>(std::lower_bound(types.begin(), types.end(), t) - types.begin());
    };
    for (size_t j = 0; j < types.size(); ++j) {
      lo[j] = Alloca(i64, "tlo");
      hi[j] = Alloca(i64, "thi");
      B.CreateStore(I64(0), lo[j]);
      B.CreateStore(I64(0), hi[j]);
    }
    Value* p64 = B.CreateZExt(prof, i64);
    Value* d0 = Load(i64, B.CreateGEP(i64, c_dir_off, p64));
    Value* d1 = Load(i64, B.CreateGEP(i64, c_dir_off, B.CreateAdd(p64, I64(1))));
    llvm::AllocaInst* da = Alloca(i64, "d");
    B.CreateStore(d0, da);
    BasicBlock* dloop = Block("dir.loop");
    BasicBlock* dbody = Block("dir.body");
    BasicBlock* dnext = Block("dir.next");
    BasicBlock* ddone = Block("dir.done");
    B.CreateBr(dloop);
    B.SetInsertPoint(dloop);
    Value* d = Load(i64, da);
    B.CreateCondBr(B.CreateICmpULT(d, d1), dbody, ddone);
    B.SetInsertPoint(dbody);
    Value* dt = B.CreateZExt(Load(i16, B.CreateGEP(i16, c_dir_type, d)), i32);
    llvm::SwitchInst* sw = B.CreateSwitch(dt, dnext);
    for (size_t j = 0; j < types.size(); ++j) {
      BasicBlock* cb = Block("dir.type");
      sw->addCase(llvm::ConstantInt::get(llvm::cast<llvm::IntegerType>(i32), types[j]), cb);
      B.SetInsertPoint(cb);
      B.CreateStore(Load(i64, B.CreateGEP(i64, c_dir_begin, d)), lo[j]);
      B.CreateStore(Load(i64, B.CreateGEP(i64, c_dir_begin, B.CreateAdd(d, I64(1)))), hi[j]);
      B.CreateBr(dnext);
    }
    B.SetInsertPoint(dnext);
    B.CreateStore(B.CreateAdd(d, I64(1)), da);
    B.CreateBr(dloop);
    B.SetInsertPoint(ddone);

    for (const ir::TypeWalk& w : all_walks) {
      for (size_t j = 0; j < w.types.size(); ++j) {
        std::vector<uint32_t> ranged;
        for (uint32_t si : w.consumers[j])
          if (Ranged(si)) ranged.push_back(si);
        if (ranged.empty()) continue;
        const size_t x = at(w.types[j]);
        RangedSlots(w.types[j], ranged, Load(i64, lo[x]), Load(i64, hi[x]));
      }
    }

    for (const ir::TypeWalk& w : walks) {
      const size_t n = w.types.size();
      Value* lb = WalkStart(w.earliest);
      std::vector<llvm::AllocaInst*> k(n);
      std::vector<Value*> end(n);
      for (size_t j = 0; j < n; ++j) {
        const size_t x = at(w.types[j]);
        Value* first = Load(i64, lo[x]);
        end[j] = Load(i64, hi[x]);
        if (lb) first = SearchTyped(c_typed, first, end[j], lb);
        k[j] = Alloca(i64, "tk");
        B.CreateStore(first, k[j]);
      }
      std::vector<uint32_t> slots;
      for (const auto& c : w.consumers) slots.insert(slots.end(), c.begin(), c.end());
      std::sort(slots.begin(), slots.end());
      slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
      BasicBlock* loop = Block("walk.loop");
      BasicBlock* body = Block("walk.body");
      BasicBlock* next = Block("walk.next");
      BasicBlock* after = Block("walk.after");
      B.CreateBr(loop);
      B.SetInsertPoint(loop);
      Value* more = nullptr;
      if (n == 1) more = B.CreateICmpULT(Load(i64, k[0]), end[0]);
      if (w.stop_when_satisfied) {
        Value* all = I1(true);
        for (uint32_t si : slots) all = B.CreateAnd(all, Load(i1, states_[si].satisfied));
        more = more ? B.CreateAnd(more, B.CreateNot(all)) : B.CreateNot(all);
      }
      if (more) {
        BasicBlock* go = Block("walk.go");
        B.CreateCondBr(more, go, after);
        B.SetInsertPoint(go);
      }
      in_event_ = true;
      if (n == 1) {
        B.CreateBr(body);
        B.SetInsertPoint(body);
        Value* e = B.CreateZExt(Load(i32, B.CreateGEP(i32, c_typed, Load(i64, k[0]))), i64);
        EnterEvent(e);
        Consume(w.types[0], w.consumers[0]);
        B.CreateStore(B.CreateAdd(Load(i64, k[0]), I64(1)), k[0]);
        B.CreateBr(next);
      } else {
        // The cursor at the smallest event index; none left: done.
        const int64_t kNoEvent = int64_t{1} << 32;
        llvm::AllocaInst* best = Alloca(i64, "best");
        llvm::AllocaInst* which = Alloca(i32, "which");
        B.CreateStore(I64(kNoEvent), best);
        B.CreateStore(I32(static_cast<uint32_t>(n)), which);
        for (size_t j = 0; j < n; ++j) {
          Value* kj = Load(i64, k[j]);
          If(B.CreateICmpULT(kj, end[j]), [&] {
            Value* e = B.CreateZExt(Load(i32, B.CreateGEP(i32, c_typed, kj)), i64);
            Value* lt = B.CreateICmpULT(e, Load(i64, best));
            B.CreateStore(B.CreateSelect(lt, e, Load(i64, best)), best);
            B.CreateStore(B.CreateSelect(lt, I32(static_cast<uint32_t>(j)), Load(i32, which)),
                          which);
          });
        }
        Value* e = Load(i64, best);
        B.CreateCondBr(B.CreateICmpEQ(e, I64(kNoEvent)), after, body);
        B.SetInsertPoint(body);
        EnterEvent(e);
        llvm::SwitchInst* wsw = B.CreateSwitch(Load(i32, which), next);
        for (size_t j = 0; j < n; ++j) {
          BasicBlock* cb = Block("walk.type");
          wsw->addCase(llvm::ConstantInt::get(llvm::cast<llvm::IntegerType>(i32), j), cb);
          B.SetInsertPoint(cb);
          Consume(w.types[j], w.consumers[j]);
          B.CreateStore(B.CreateAdd(Load(i64, k[j]), I64(1)), k[j]);
          B.CreateBr(next);
        }
      }
      in_event_ = false;
      B.SetInsertPoint(next);
      if (a_->makes_scratch) B.CreateCall(h_scratch_clear, {th});
      NoVectorize(B.CreateBr(loop));
      B.SetInsertPoint(after);
    }
  }

  bool CheckProgram() {
    if (b_.uses.formulas.size() != p_.formulas.size() || b_.uses.slots.size() != p_.slots.size() ||
        b_.uses.imports.size() != p_.imports.size() || b_.event_type.size() != p_.events.size() ||
        b_.props.size() != p_.props.size()) {
      Fail("binding does not match the program");
      return false;
    }
    if (std::string why = ir::Verify(p_); !why.empty()) {
      Fail("invalid IR: " + why);
      return false;
    }
    if (!b_.analysis) own_ = ir::Analyze(p_, b_.uses, b_.passes);
    a_ = b_.analysis ? b_.analysis : &own_;
    if (std::string why = ir::VerifyAnalysis(p_, *a_); !why.empty() || !a_->error.empty()) {
      Fail(why.empty() ? a_->error : "analysis does not match the program: " + why);
      return false;
    }
    return true;
  }
};

std::unique_ptr<llvm::Module> Gen::Run() {
  if (!CheckProgram()) return nullptr;
  M = std::make_unique<llvm::Module>("aud", C);
  i1 = llvm::Type::getInt1Ty(C);
  i8 = llvm::Type::getInt8Ty(C);
  i16 = llvm::Type::getInt16Ty(C);
  i32 = llvm::Type::getInt32Ty(C);
  i64 = llvm::Type::getInt64Ty(C);
  i128 = llvm::Type::getInt128Ty(C);
  dbl = llvm::Type::getDoubleTy(C);
  voidT = llvm::Type::getVoidTy(C);
  i8p = llvm::PointerType::getUnqual(i8);
  auto ptr = [](llvm::Type* t) { return llvm::PointerType::getUnqual(t); };
  strT = llvm::StructType::create(C, {i8p, i64, i32, i32}, "AudStr");
  valT = llvm::StructType::create(C, {i64, dbl, strT, i8, llvm::ArrayType::get(i8, 7)}, "AudValue");
  colT = llvm::StructType::create(C, {i8p, ptr(i64), i64, i64}, "AudColumn");
  ctxT = llvm::StructType::create(C,
                                  {ptr(i64), ptr(i32), ptr(i16), ptr(i64), ptr(i32), i64, ptr(colT),
                                   ptr(dbl), ptr(ptr(i64)), ptr(ptr(i64)), ptr(ptr(i64)),
                                   ptr(ptr(dbl)), i8p, i64, ptr(i64), ptr(i16), ptr(i64), ptr(i32)},
                                  "AudCtx");
  thT = llvm::StructType::create(C, {ptr(valT), i8p}, "AudThread");
  llvm::Type* ctxP = ptr(ctxT);
  llvm::Type* thP = ptr(thT);
  llvm::Type* strP = ptr(strT);

  auto decl = [&](const char* name, llvm::Type* ret, const std::vector<llvm::Type*>& args) {
    return M->getOrInsertFunction(name, llvm::FunctionType::get(ret, args, false));
  };
  h_traits = decl("aud_h_traits", voidT, {ctxP, thP, i32});
  h_import = decl("aud_h_import", i8, {ctxP, thP, i32, i32});
  h_str_eq = decl("aud_h_str_eq", i8, {ctxP, strP, strP});
  h_str_cmp = decl("aud_h_str_cmp", i32, {ctxP, strP, strP});
  h_out_string = decl("aud_h_out_string", voidT, {ctxP, i32, i32, strP});
  h_scratch_clear = decl("aud_h_scratch_clear", voidT, {thP});
  // Builtin helpers: (ctx, th, arguments...) as their registry signature says;
  // a string result is written through a trailing AudStr* (abi.h).
  auto abi = [&](stdlib::Val v) -> llvm::Type* {
    switch (ir::TypeOfVal(v)) {
      case Type::String: return strP;
      case Type::Float: return dbl;
      case Type::Bool: return i8;
      case Type::Int:
      case Type::Timestamp:
      case Type::Duration: return i64;
    }
    return i64;
  };
  h_builtins_.assign(stdlib::kBuiltinCount, {});
  for (const stdlib::BuiltinInfo& info : stdlib::kBuiltins) {
    if (info.impl != stdlib::Impl::Helper) continue;
    std::vector<llvm::Type*> params{ctxP, thP};
    for (int k = 0; k < stdlib::ParamCount(info); ++k) params.push_back(abi(info.params[k]));
    llvm::Type* ret = abi(info.result);
    if (ir::TypeOfVal(info.result) == Type::String) {
      params.push_back(strP);
      ret = voidT;
    }
    h_builtins_[static_cast<size_t>(info.id)] = decl(std::string(info.helper).c_str(), ret, params);
  }

  F = llvm::Function::Create(llvm::FunctionType::get(voidT, {ctxP, thP, i32, i32}, false),
                             llvm::Function::ExternalLinkage, kEntryName, M.get());
  F->addFnAttr(llvm::Attribute::NoUnwind);
  auto ai = F->arg_begin();
  ctx = &*ai++;
  th = &*ai++;
  Value* begin = &*ai++;
  Value* end = &*ai++;
  ctx->setName("ctx");
  th->setName("th");

  entry_ = Block("entry");
  BasicBlock* start = Block("start");
  B.SetInsertPoint(start);
  c_offsets = CtxField(0, ptr(i64));
  c_events = CtxField(1, ptr(i32));
  c_type = CtxField(2, ptr(i16));
  c_ts = CtxField(3, ptr(i64));
  c_row = CtxField(4, ptr(i32));
  c_as_of = CtxField(5, i64);
  c_props = CtxField(6, ptr(colT));
  c_fconsts = CtxField(7, ptr(dbl));
  c_members = CtxField(8, ptr(ptr(i64)));
  c_valid = CtxField(9, ptr(ptr(i64)));
  c_ints = CtxField(10, ptr(ptr(i64)));
  c_floats = CtxField(11, ptr(ptr(dbl)));
  c_earliest = CtxField(13, i64);
  c_traits = Load(ptr(valT), B.CreateStructGEP(thT, th, 0));
  cols_.assign(p_.props.size() * AUD_COLS_PER_PROP, ColRegs{});
  for (size_t i = 0; i < p_.props.size(); ++i) {
    const PropColumns& pc = b_.props[i];
    bool ts = p_.props[i].type == Type::Timestamp;
    const bool has[AUD_COLS_PER_PROP] = {pc.ints || (ts && pc.strings), pc.floats, pc.bools,
                                         pc.strings && !ts};
    for (unsigned k = 0; k < AUD_COLS_PER_PROP; ++k) {
      if (!has[k]) continue;
      Value* col = B.CreateGEP(colT, c_props, I64(static_cast<int64_t>(i * AUD_COLS_PER_PROP + k)));
      ColRegs& cr = cols_[i * AUD_COLS_PER_PROP + k];
      cr.data = Load(i8p, B.CreateStructGEP(colT, col, 0));
      cr.valid = Load(ptr(i64), B.CreateStructGEP(colT, col, 1));
      cr.rows = Load(i64, B.CreateStructGEP(colT, col, 2));
      cr.words = Load(i64, B.CreateStructGEP(colT, col, 3));
      Value* bits = B.CreateSelect(B.CreateICmpUGT(cr.words, I64(int64_t{1} << 57)), I64(-1),
                                   B.CreateShl(cr.words, I64(6)));
      cr.limit = B.CreateSelect(B.CreateICmpULT(cr.rows, bits), cr.rows, bits);
    }
  }

  states_.assign(p_.slots.size(), State{});
  for (size_t i = 0; i < p_.slots.size(); ++i) {
    if (!b_.uses.slots[i]) continue;
    MakeState(i);
    const ir::Slot& s = p_.slots[i];
    states_[i].best_coded = s.value != ir::kNone && p_.nodes[s.value].op == Op::Prop;
  }

  // Which slots read each store type (shared with the interpreter).
  const std::vector<std::vector<uint32_t>> consumers =
      ir::SlotConsumers(*a_, b_.event_type, b_.store_types);
  // The walks of the `type-index` pass (shared with the interpreter); empty:
  // one pass over every event.
  const std::vector<ir::TypeWalk> walks = ir::TypeWalks(p_, *a_, b_.event_type, b_.store_types);
  if (!walks.empty()) {
    c_dir_off_ = CtxField(14, ptr(i64));
    c_dir_type_ = CtxField(15, ptr(i16));
    c_dir_begin_ = CtxField(16, ptr(i64));
    c_typed_ = CtxField(17, ptr(i32));
  }
  const bool need_traits = a_->reads_traits;
  const bool scratch = a_->makes_scratch;

  // Profile loop.
  llvm::AllocaInst* pa = Alloca(i32, "p");
  llvm::AllocaInst* ka = Alloca(i64, "k");
  B.CreateStore(begin, pa);
  BasicBlock* ploop = Block("profile.loop");
  BasicBlock* pbody = Block("profile.body");
  BasicBlock* exit = Block("exit");
  B.CreateBr(ploop);
  B.SetInsertPoint(ploop);
  prof = Load(i32, pa);
  B.CreateCondBr(B.CreateICmpULT(prof, end), pbody, exit);
  B.SetInsertPoint(pbody);
  if (need_traits) B.CreateCall(h_traits, {ctx, th, prof});
  if (const auto& guard = a_->trait_guard; !guard.empty()) {
    // skip = for every used formula, some trait-only conjunct is false.
    Value* skip = I1(true);
    for (const auto& conjuncts : guard) {
      Value* all_true = I1(true);
      for (uint32_t c : conjuncts) all_true = B.CreateAnd(all_true, Truth(Eval(c)));
      skip = B.CreateAnd(skip, B.CreateNot(all_true));
    }
    BasicBlock* skipped = Block("profile.skip");
    BasicBlock* scan = Block("profile.scan");
    B.CreateCondBr(skip, skipped, scan);
    B.SetInsertPoint(skipped);
    if (scratch) B.CreateCall(h_scratch_clear, {th});
    B.CreateStore(B.CreateAdd(prof, I32(1)), pa);
    B.CreateBr(ploop);
    B.SetInsertPoint(scan);
  }
  for (size_t i = 0; i < p_.slots.size(); ++i)
    if (b_.uses.slots[i]) ResetState(i);

  bool any_consumer = false;
  for (const auto& c : consumers) any_consumer = any_consumer || !c.empty();
  if (!walks.empty()) {
    Saturation();
    SlotNeeds();
    TypeWalks(walks);
  } else if (any_consumer) {
    Value* p64 = B.CreateZExt(prof, i64);
    Value* k0 = Load(i64, B.CreateGEP(i64, c_offsets, p64));
    Value* k1 = Load(i64, B.CreateGEP(i64, c_offsets, B.CreateAdd(p64, I64(1))));
    B.CreateStore(k0, ka);
    if (Value* lb = EarliestRelevantTime()) {
      // Binary search [k0, k1) for the first event with ts >= lb.
      llvm::AllocaInst* hi = Alloca(i64, "hi");
      B.CreateStore(k1, hi);
      BasicBlock* sloop = Block("search.loop");
      BasicBlock* sbody = Block("search.body");
      BasicBlock* sdone = Block("search.done");
      B.CreateBr(sloop);
      B.SetInsertPoint(sloop);
      Value* lo = Load(i64, ka);
      Value* h = Load(i64, hi);
      B.CreateCondBr(B.CreateICmpULT(lo, h), sbody, sdone);
      B.SetInsertPoint(sbody);
      Value* mid = B.CreateAdd(lo, B.CreateLShr(B.CreateSub(h, lo), I64(1)));
      Value* me = B.CreateZExt(Load(i32, B.CreateGEP(i32, c_events, mid)), i64);
      Value* mts = Load(i64, B.CreateGEP(i64, c_ts, me));
      Value* before = B.CreateICmpSLT(Wide(mts), lb);
      B.CreateStore(B.CreateSelect(before, B.CreateAdd(mid, I64(1)), lo), ka);
      B.CreateStore(B.CreateSelect(before, h, mid), hi);
      B.CreateBr(sloop);
      B.SetInsertPoint(sdone);
    }
    BasicBlock* eloop = Block("event.loop");
    BasicBlock* ebody = Block("event.body");
    BasicBlock* enext = Block("event.next");
    BasicBlock* eafter = Block("event.after");
    B.CreateBr(eloop);
    B.SetInsertPoint(eloop);
    Value* k = Load(i64, ka);
    B.CreateCondBr(B.CreateICmpULT(k, k1), ebody, eafter);
    B.SetInsertPoint(ebody);
    Value* e = B.CreateZExt(Load(i32, B.CreateGEP(i32, c_events, k)), i64);
    Value* type = B.CreateZExt(Load(i16, B.CreateGEP(i16, c_type, e)), i32);
    cur_ts = Load(i64, B.CreateGEP(i64, c_ts, e));
    cur_row = B.CreateZExt(Load(i32, B.CreateGEP(i32, c_row, e)), i64);
    llvm::SwitchInst* sw = B.CreateSwitch(type, enext);
    in_event_ = true;
    for (uint32_t t = 0; t < consumers.size(); ++t) {
      if (consumers[t].empty()) continue;
      BasicBlock* cb = Block("type");
      sw->addCase(llvm::ConstantInt::get(llvm::cast<llvm::IntegerType>(i32), t), cb);
      B.SetInsertPoint(cb);
      for (uint32_t si : consumers[t]) {
        if (p_.slots[si].agg == ir::Agg::Sequence)
          Sequence(si, t);
        else
          Aggregate(si);
      }
      B.CreateBr(enext);
    }
    in_event_ = false;
    B.SetInsertPoint(enext);
    if (scratch) B.CreateCall(h_scratch_clear, {th});
    B.CreateStore(B.CreateAdd(Load(i64, ka), I64(1)), ka);
    B.CreateBr(eloop);
    B.SetInsertPoint(eafter);
  }

  slot_vals_.assign(p_.slots.size(), V{});
  slot_done_.assign(p_.slots.size(), false);
  for (size_t i = 0; i < p_.slots.size(); ++i) {
    if (!b_.uses.slots[i]) continue;
    slot_vals_[i] = Finish(i);
    slot_done_[i] = true;
  }
  import_vals_.assign(p_.imports.size(), V{});
  import_done_.assign(p_.imports.size(), false);
  for (size_t i = 0; i < p_.imports.size(); ++i) {
    if (!b_.uses.imports[i]) continue;
    Value* x = B.CreateCall(h_import, {ctx, th, prof, I32(static_cast<uint32_t>(i))});
    import_vals_[i] = BoolV(B.CreateICmpNE(x, llvm::ConstantInt::get(i8, 0)));
    import_done_[i] = true;
  }
  formula_vals_.assign(p_.formulas.size(), V{});
  formula_done_.assign(p_.formulas.size(), false);
  Value* p64 = B.CreateZExt(prof, i64);
  Value* word = B.CreateLShr(p64, 6);
  Value* bit = B.CreateShl(I64(1), B.CreateAnd(p64, I64(63)));
  auto set_bit = [&](Value* table, uint32_t f) {
    Value* words = Load(ptr(i64), B.CreateGEP(ptr(i64), table, I64(f)));
    Value* wp = B.CreateGEP(i64, words, word);
    B.CreateStore(B.CreateOr(Load(i64, wp), bit), wp);
  };
  // Membership without a branch on the data: the word ORed with the bit or 0.
  auto or_bit = [&](Value* table, uint32_t f, Value* t) {
    Value* words = Load(ptr(i64), B.CreateGEP(ptr(i64), table, I64(f)));
    Value* wp = B.CreateGEP(i64, words, word);
    B.CreateStore(B.CreateOr(Load(i64, wp), B.CreateSelect(t, bit, I64(0))), wp);
  };
  for (uint32_t f = 0; f < p_.formulas.size(); ++f) {
    if (!b_.uses.formulas[f] || failed_) continue;
    const ir::Formula& fm = p_.formulas[f];
    V v = Eval(fm.root);
    if (fm.kind != ir::FormulaKind::Attribute) {
      Value* t = Truth(v);
      or_bit(c_members, f, t);
      formula_vals_[f] = BoolV(t);
      formula_done_[f] = true;
      continue;
    }
    If(v.present, [&] {
      set_bit(c_valid, f);
      switch (fm.type) {
        case Type::Float: {
          Value* col = Load(ptr(dbl), B.CreateGEP(ptr(dbl), c_floats, I64(f)));
          B.CreateStore(v.f, B.CreateGEP(dbl, col, p64));
          break;
        }
        case Type::String: B.CreateCall(h_out_string, {ctx, I32(f), prof, StrPtr(v)}); break;
        default: {
          Value* col = Load(ptr(i64), B.CreateGEP(ptr(i64), c_ints, I64(f)));
          B.CreateStore(v.i, B.CreateGEP(i64, col, p64));
          break;
        }
      }
    });
    formula_vals_[f] = v;
    formula_done_[f] = true;
  }
  if (scratch) B.CreateCall(h_scratch_clear, {th});
  B.CreateStore(B.CreateAdd(prof, I32(1)), pa);
  B.CreateBr(ploop);

  B.SetInsertPoint(exit);
  B.CreateRetVoid();
  B.SetInsertPoint(entry_);
  B.CreateBr(start);

  if (failed_) return nullptr;
  // Helpers this program does not call are not declared (shorter `--llvm` output).
  for (const std::string& name : HelperNames())
    if (llvm::Function* h = M->getFunction(name); h && h->use_empty()) h->eraseFromParent();
  std::string verify;
  llvm::raw_string_ostream os(verify);
  if (llvm::verifyModule(*M, &os)) {
    Fail("invalid LLVM module: " + os.str());
    return nullptr;
  }
  return std::move(M);
}

}  // namespace

std::unique_ptr<llvm::Module> Generate(const ir::Program& program, const Binding& binding,
                                       llvm::LLVMContext& context, std::string* error) {
  std::string local;
  Gen g(program, binding, context, error ? error : &local);
  return g.Run();
}

Binding SchemaBinding(const ir::Program& program, const ir::Uses& uses,
                      const ir::PassOptions& passes) {
  Binding b;
  b.store_types = static_cast<uint32_t>(program.events.size());
  for (size_t e = 0; e < program.events.size(); ++e)
    b.event_type.push_back(static_cast<int32_t>(e));
  for (const ir::Property& pr : program.props) {
    PropColumns c;
    c.ints = pr.type == Type::Int || pr.type == Type::Float;
    c.floats = pr.type == Type::Float;
    c.bools = pr.type == Type::Bool;
    c.strings = pr.type == Type::String || pr.type == Type::Timestamp;
    b.props.push_back(c);
  }
  uint32_t next = 0;
  b.const_codes.assign(program.nodes.size(), AUD_NO_CODE);
  for (size_t n = 0; n < program.nodes.size(); ++n)
    if (program.nodes[n].op == Op::Const && program.nodes[n].type == Type::String)
      b.const_codes[n] = next++;
  b.uses = uses;
  b.passes = passes;
  return b;
}

std::vector<std::string> HelperNames() {
  std::vector<std::string> names{"aud_h_traits",  "aud_h_import",     "aud_h_str_eq",
                                 "aud_h_str_cmp", "aud_h_out_string", "aud_h_scratch_clear"};
  for (const stdlib::BuiltinInfo& info : stdlib::kBuiltins)
    if (info.impl == stdlib::Impl::Helper) names.emplace_back(info.helper);
  return names;
}

std::string PrintModule(const llvm::Module& module) {
  std::string out;
  llvm::raw_string_ostream os(out);
  module.print(os, nullptr);
  os.flush();
  return out;
}

}  // namespace aud::codegen
