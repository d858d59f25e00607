#pragma once
// The connector schema: each connector's `aud.toml` settings and caps, as
// data (connectors.def). Header-only, so the config reader, the checker and
// the runtime connectors read one table without the compiler depending on
// the runtime.

#include <cstdint>
#include <limits>
#include <string_view>

namespace aud::config {

// How a setting's value is typed and checked.
enum class SettingKind : uint8_t {
  String,    // a non-empty string
  Url,       // an http:// or https:// URL (never echoed: it may hold credentials)
  Secret,    // { env = "VAR" }
  Count,     // an integer >= 1
  Number,    // an integer or float > 0, stored as double
  Format,    // csv | jsonl
  SqlTable,  // name or schema.name
  Bool,      // true | false
};

// "No default" for an integer / a number setting.
inline constexpr int64_t kNoInt = std::numeric_limits<int64_t>::min();
inline constexpr double kNoNum = -1.0;

// One setting of a connector.
struct SettingSpec {
  std::string_view type;  // the connector
  std::string_view key;
  SettingKind kind;
  bool required;
  bool plain;  // its line may be shown in diagnostics
  int64_t default_int;
  double default_num;
  std::string_view default_str;
  bool has_default() const {
    return default_int != kNoInt || default_num != kNoNum || !default_str.empty();
  }
};

// One connector.
struct ConnectorSpec {
  std::string_view type;
  std::string_view shown;  // its name in messages ("Autopilot")
  std::string_view description;
  int64_t max_batch_size;  // 0: no cap
  int64_t max_profiles;    // 0: no cap
};

inline constexpr ConnectorSpec kConnectors[] = {
#define AUD_CONNECTOR(type, shown, description, max_batch_size, max_profiles) \
  {#type, shown, description, max_batch_size, max_profiles},
#include "compiler/config/connectors.def"
};

inline constexpr SettingSpec kSettings[] = {
#define AUD_SETTING(type, key, kind, required, plain, dint, dnum, dstr) \
  {#type, #key, SettingKind::kind, required, plain, dint, dnum, dstr},
#include "compiler/config/connectors.def"
};

// The connector of `type = "..."`, or null.
constexpr const ConnectorSpec* FindConnector(std::string_view type) {
  for (const auto& c : kConnectors)
    if (c.type == type) return &c;
  return nullptr;
}

// The setting `key` of connector `type`, or null.
constexpr const SettingSpec* FindSetting(std::string_view type, std::string_view key) {
  for (const auto& s : kSettings)
    if (s.type == type && s.key == key) return &s;
  return nullptr;
}

// The integer default of a setting (`fallback` when it has none).
constexpr int64_t DefaultInt(std::string_view type, std::string_view key, int64_t fallback) {
  const SettingSpec* s = FindSetting(type, key);
  return s && s->default_int != kNoInt ? s->default_int : fallback;
}

// The number default of a setting (`fallback` when it has none).
constexpr double DefaultNumber(std::string_view type, std::string_view key, double fallback) {
  const SettingSpec* s = FindSetting(type, key);
  if (!s) return fallback;
  if (s->default_num != kNoNum) return s->default_num;
  if (s->default_int != kNoInt) return static_cast<double>(s->default_int);
  return fallback;
}

// The string default of a setting ("" when it has none).
constexpr std::string_view DefaultString(std::string_view type, std::string_view key) {
  const SettingSpec* s = FindSetting(type, key);
  return s ? s->default_str : std::string_view();
}

// Autopilot fixes a custom field's type when it is created, and a field name
// may carry it (`float--LTV`): the type prefix of `name` ("string",
// "integer", "float", "boolean" or "date"), or "" when it has none.
constexpr std::string_view AutopilotTypePrefix(std::string_view name) {
  const size_t sep = name.find("--");
  if (sep == std::string_view::npos || sep + 2 >= name.size()) return {};
  const std::string_view prefix = name.substr(0, sep);
  for (std::string_view t : {"string", "integer", "float", "boolean", "date"})
    if (prefix == t) return t;
  return {};
}

// The Autopilot field type of a value of aud type `aud_type` ("int" ->
// "integer", "timestamp" -> "date", a duration as whole milliseconds in a
// string), or "" for a type Autopilot cannot hold.
constexpr std::string_view AutopilotFieldType(std::string_view aud_type) {
  if (aud_type == "int") return "integer";
  if (aud_type == "float") return "float";
  if (aud_type == "bool") return "boolean";
  if (aud_type == "timestamp") return "date";
  if (aud_type == "string" || aud_type == "duration") return "string";
  return {};
}

}  // namespace aud::config
