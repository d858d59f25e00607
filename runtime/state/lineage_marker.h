#pragma once
// The lineage marker `.aud/state.lineage` (runtime/state/README.md "Lineage
// trust"): the lineage and serial of the state as the last apply left it,
// kept outside the SQLite file. A state whose lineage differs, or whose
// serial is older, lost writes or was replaced: plan and apply refuse it
// until `aud state adopt` accepts it.

#include <cstdint>
#include <string>

namespace aud::state {

// The marker's contents.
struct LineageMarker {
  std::string lineage;
  uint64_t serial = 0;
};

// The marker's name in a file connection's folder (the destination keeps
// the lineage too, so a state lost with `.aud/` is noticed).
inline constexpr const char* kDirLineageMarker = ".aud-state.lineage";

// `<folder of state_path>/state.lineage`.
std::string LineageMarkerPath(const std::string& state_path);

// Reads the marker. False with `*missing` when there is none, or with
// `error` when it is not a marker aud writes.
bool ReadLineageMarker(const std::string& path, LineageMarker* out, bool* missing,
                       std::string* error);

// Writes the marker atomically (temp file, fsync, rename). Unless `force`, a
// marker of the same lineage at a higher serial is kept (a later apply won).
bool WriteLineageMarker(const std::string& path, const LineageMarker& m, bool force,
                        std::string* error);

// Why a state of `lineage` at `serial` cannot be trusted against `marker`
// ("" when it can). `shown` names the state file, `marker_shown` the marker.
std::string LineageDistrust(const LineageMarker& marker, const std::string& lineage,
                            uint64_t serial, const std::string& shown,
                            const std::string& marker_shown);

}  // namespace aud::state
