#pragma once
// The phases of MakePlan (planner.cpp), each a function with its own inputs
// and outputs so it can be tested alone (tests/unit/plan_phases_test.cpp):
//   1. selection: which publications (code, state, --target/--exclude) and
//      the keys an interrupted apply left in flight;
//   2. desired members: members ∩ the destination's consents;
//   3. keys: one row per member keyed by the destination's `key` identity
//      (what it may see, hashed where `hashed` says so), duplicates skipped;
//   4. diff: the rows against the confirmed members in state;
//   5. actions: create, update, no-op or replace;
//   6. caps and policies: `max_profiles` and the mass-exit guard;
//   7. expectations: the `expect` clauses of audiences and destinations.
// Internal to aud_plan (plan.h is the public header).

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/plan/plan.h"

namespace aud::plan {

// A publication: (audience, destination).
using PubKey = std::pair<std::string, std::string>;

// A destination as the planner needs it.
struct Dest {
  std::string name;
  const ast::DestinationDecl* decl = nullptr;  // null: the built-in profile store
  std::string connection, connection_type;
  std::vector<std::string> actions, consents;
  std::string key;          // identity namespace ("" for the profile store)
  bool key_hashed = false;  // written `key NAME hashed`
  std::vector<const ast::Mapping*> mappings;
  int64_t max_profiles = 0;  // 0: no cap
};

// The destination `name` of the project (the profile store when so named).
Dest DestOf(const check::Project& project, const std::string& name);

// `refresh every 1d` -> "every 1d" (`every_ms` set); `refresh once` -> "once"; none -> "".
std::string RefreshOf(const ast::AudienceDecl* a, int64_t* every_ms);

// What a destination receives in clear and what hashed (docs/language.md,
// "hashed"): identities (Program::identities) and traits (Program::traits)
// by index. An identity mapped `hashed` (or the key written `key NAME
// hashed`) is hashed everywhere it is sent, the key included; an identity
// taken from a trait shares the trait's treatment.
struct Exposure {
  std::set<uint32_t> sent_ids;  // identities the row carries: the key and mapped ones
  std::set<uint32_t> hashed_ids, clear_ids;
  std::set<uint32_t> hashed_traits, clear_traits;
  bool key_hashed = false;
};

// Resolves the destination's mappings for an audience; false with `error`
// when a value would be sent both hashed and in clear, or when the key of an
// autopilot destination would be hashed.
bool ExposureOf(const Dest& d, const ir::Program& prog, const ir::Audience& aud, Exposure* out,
                std::string* error);

// The aud type of a mapped value, as the planner resolves it (attribute,
// else identity, else trait); `hashed` values are strings.
std::string MappedType(const ir::Program& prog, const check::Module& module,
                       const ir::Audience& aud, const ast::Mapping& m);

// The value of row `i` of an evaluated column (missing when not valid or not finite).
connectors::Value ValueOf(const eval::Column& c, uint32_t i);

// ---- 1. Selection.

// The publications a plan considers.
struct Selection {
  std::map<PubKey, const check::Publication*> code;     // published in code
  std::map<PubKey, state::PublicationRecord> recorded;  // recorded in state
  std::map<PubKey, std::set<std::string>> uncertain;    // keys of batches left in flight
  std::vector<PubKey> planned;                          // selected code publications, sorted
};

// True when --target/--exclude select the publication `k`.
bool Selected(const PlanOptions& options, const PubKey& k);

// Keys of the pending journal entries (an interrupted apply), per publication.
std::map<PubKey, std::set<std::string>> InFlightKeys(
    const std::vector<state::JournalEntry>& pending);

// Reads code and state and applies --target/--exclude; false with one error
// per unknown target or exclude name (with a did-you-mean).
bool SelectPublications(const check::Module& module, state::State& st, const PlanOptions& options,
                        Selection* out, std::vector<std::string>* errors);

// ---- 2. Desired members.

// The profiles (ascending) that are in `members` and hold every consent;
// the others that are members count as `skipped->no_consent`.
std::vector<uint32_t> ConsentingMembers(const eval::Bitset& members,
                                        const std::vector<const eval::Bitset*>& consents,
                                        uint32_t profile_count, Skipped* skipped);

// ---- 3. Keys.

// What building a publication's rows reads.
struct RowInput {
  const ir::Program* program = nullptr;
  const store::Profiles* profiles = nullptr;
  const eval::Result* result = nullptr;
  const ir::Audience* audience = nullptr;
  const Dest* dest = nullptr;
  const Exposure* exposure = nullptr;
  std::vector<uint32_t> identities;  // identities each row carries, by name
  int32_t key_identity = ir::kNone;  // the destination's key (with a `decl`)
  // A profile's values per identity of the program.
  std::function<const std::vector<std::vector<std::string>>&(uint32_t)> identity_values;
  // A profile's value of trait `t` (only asked for profiles whose traits were read).
  std::function<connectors::Value(uint32_t, size_t)> trait_value;
};

// One row per member, keyed by the destination key (the profile key for the
// profile store), payload hash set; a member without a key value counts as
// `skipped->no_key`, one whose key an earlier member has as `duplicate_key`.
std::map<std::string, connectors::Row> KeyedRows(const RowInput& in,
                                                 const std::vector<uint32_t>& members,
                                                 Skipped* skipped);

// ---- 4. Diff.

// Fills pp->enter/update/exit from the desired rows (moved out of
// `desired`, whose keys stay) against the current members: with `replace`,
// every current member exits and every desired one enters (action Replace);
// otherwise new keys (all of them when pp->moved) enter, changed payloads
// update, keys no longer desired exit, and keys in `uncertain` that state
// cannot vouch for are sent again. Returns how many were sent again.
uint64_t Diff(const std::map<std::string, state::Member>& current,
              std::map<std::string, connectors::Row>& desired,
              const std::set<std::string>* uncertain, bool replace, PublicationPlan* pp);

// ---- 5. Actions.

// The action of a diffed code publication: Create when not in state, NoOp
// when nothing is sent, else Update (a Replace is kept).
Action ActionOf(bool exists, const PublicationPlan& pp);

// ---- 6. Caps and policies.

// The error when `desired` rows exceed the destination's `max_profiles`
// (0: no cap), else "".
std::string MaxProfilesError(const PubKey& k, int64_t max_profiles, uint64_t desired);

// The mass-exit message of one publication (docs/plan.md), or "" when it
// keeps enough of its `current` members: `limit` is its max exit fraction,
// `declared` whether the destination sets `max_exit_fraction`.
// `recorded` (0: current.size()) is the count the lost members are compared
// with (a partial plan: every recorded member, of which `current` holds the
// ones in scope).
std::string MassExitOf(const PublicationPlan& p, const std::set<std::string>& current, double limit,
                       bool declared, uint64_t recorded = 0);

// MassExits of a partial plan (PlanOptions::partial): each publication's
// exits against its recorded member count `recorded[(audience, destination)]`.
std::vector<std::string> PartialMassExits(const Plan& plan, const check::Project& project,
                                          const std::map<PubKey, uint64_t>& recorded);

// Mass exits become errors (with kMassExitHint) unless `allow`, then warnings.
void ApplyMassExitPolicy(const std::vector<std::string>& mass_exits, bool allow,
                         std::vector<std::string>* warnings, std::vector<std::string>* errors);

// ---- 7. Expectations.

// What an `expect` clause is checked against.
struct ExpectFacts {
  uint64_t size = 0;            // audience: its members; publication: the rows to send
  bool has_previous = false;    // the publication has a publish recorded in state
  uint64_t previous = 0;        // the members recorded at that publish
  uint64_t missing = 0;         // NotMissing: members without a value of the attribute
  uint64_t duplicate_keys = 0;  // UniqueKey: members whose key value an earlier member has
  std::string key;              // UniqueKey: the destination's key identity
};

// The `expect` clauses of an audience or destination (null: none).
std::vector<const ast::Expectation*> ExpectationsOf(const ast::AudienceDecl* a);
std::vector<const ast::Expectation*> ExpectationsOf(const ast::DestinationDecl* d);

// The error of a failed `expect` clause of `owner` ("audience `vip`",
// "publication vip -> crm"), naming the clause and the numbers; "" when it
// holds. `size_change` holds without a previous publish (or one of 0 members).
std::string ExpectationError(const ast::Expectation& e, const std::string& owner,
                             const ExpectFacts& facts);

}  // namespace aud::plan
