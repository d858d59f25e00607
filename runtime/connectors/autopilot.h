#pragma once
// Autopilot's naming of custom contact fields (docs/destinations/autopilot.md):
// `"<type>--<Name>"`, spaces in the name written `--`, the type one of
// `string`, `integer`, `float`, `boolean`, `date`.

#include <string>

namespace aud::connectors {

// The Autopilot field type of an aud type name (`int` -> `integer`, `bool` ->
// `boolean`, `timestamp` -> `date`, `float` -> `float`, others `string`).
std::string AutopilotType(const std::string& aud_type);
// The Autopilot type a field name is already written with (`float--LTV` ->
// `float`), or "" when it is not in `type--Name` form.
std::string AutopilotTypePrefix(const std::string& name);
// The `custom` key of a mapped field: `name` as is when already typed, else
// `<type>--<Name>` with spaces written `--`.
std::string AutopilotCustomKey(const std::string& name, const std::string& aud_type);

}  // namespace aud::connectors
