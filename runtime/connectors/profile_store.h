#pragma once
// Reading the profile store `.aud/profiles.db` (schema in
// runtime/connectors/README.md), for `aud profile show` and tests. Writing is
// the profile_store connector's job (MakeProfileStore in connector.h).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace aud::connectors {

// `<project_dir>/.aud/profiles.db`, or `<project_dir>/.aud/env/NAME/profiles.db`
// for the environment NAME.
std::string ProfileStorePath(const std::string& project_dir, const std::string& environment = "");

// One identity of a stored profile.
struct StoredIdentity {
  std::string ns;
  std::string value;
  bool visitor = false;  // kind: visitor (else declared)
};

// One trait: its name and its value as JSON text.
struct StoredTrait {
  std::string name;
  std::string value_json;
};

// A profile's membership of one audience.
struct StoredMembership {
  std::string audience;
  std::string status;        // realized | existing | exited
  int64_t qualified_at = 0;  // UTC ms: when it (last) entered
  std::optional<int64_t> exited_at;
  int64_t updated_at = 0;
  std::string attributes_json;      // a JSON object, `map`/attribute order
  std::vector<std::string> labels;  // the audience's labels (empty when the audience is gone)
  std::string description;          // the audience's description
};

// One profile with everything recorded about it.
struct StoredProfile {
  std::string key;
  int64_t updated_at = 0;
  std::vector<StoredIdentity> identities;     // by namespace, then value
  std::vector<StoredTrait> traits;            // by name
  std::vector<StoredMembership> memberships;  // by audience
};

// One audience as recorded.
struct StoredAudience {
  std::string name, description;
  std::vector<std::string> labels;
  int64_t updated_at = 0;
};

// A read-only connection to the store.
class ProfileStoreReader {
 public:
  // Opens `<project_dir>/.aud/profiles.db` read-only. Null with `error` when
  // it does not exist or is not a profile store.
  static std::unique_ptr<ProfileStoreReader> Open(const std::string& project_dir,
                                                  std::string* error,
                                                  const std::string& environment = "");
  virtual ~ProfileStoreReader() = default;

  // Profile keys matching `text`: the profile whose key it is (first), then
  // every other profile having it as an identity value (any namespace),
  // sorted. A profile whose key changed (stitched into another) is thus
  // found together with the profile that now holds its ids.
  virtual std::vector<std::string> FindProfiles(const std::string& text, std::string* error) = 0;
  // One profile by key; nullopt when absent (or on error, with `error` set).
  virtual std::optional<StoredProfile> GetProfile(const std::string& key, std::string* error) = 0;
  // The current (realized or existing) members of an audience, sorted.
  virtual std::vector<std::string> CurrentMembers(const std::string& audience,
                                                  std::string* error) = 0;
  // Every recorded audience, by name.
  virtual std::vector<StoredAudience> Audiences(std::string* error) = 0;
  // Every row of every table as text in a fixed order (tests compare dumps).
  virtual std::string Dump(std::string* error) = 0;
};

}  // namespace aud::connectors
