#pragma once
// Crash-safe file writes for the file connector: a file is replaced whole or
// not at all, and the replacement is durable once the call returns.

#include <string>

namespace aud::connectors {

// Writes `data` to `dir/name` through a temp file `dir/.name.<24 random
// hex>.tmp` created with O_EXCL|O_NOFOLLOW and mode 0600: write, fsync,
// rename over the target (a symbolic link there is replaced, never
// followed), fsync the folder. On failure the target is unchanged, the temp
// file is removed and `error` says why (naming `shown`, the path as the user
// wrote it).
bool WriteFileAtomic(const std::string& dir, const std::string& name, const std::string& data,
                     const std::string& shown, std::string* error);

// Removes `dir/name` if it exists and fsyncs the folder.
bool RemoveFileDurable(const std::string& dir, const std::string& name, const std::string& shown,
                       std::string* error);

// Reads a whole file. Returns false with `*missing` set when it does not
// exist, or with `error` set on another failure.
bool ReadWholeFile(const std::string& path, std::string* data, bool* missing,
                   const std::string& shown, std::string* error);

// A fresh temp-file name for `name`: `.name.<24 random hex>.tmp`.
std::string TempFileName(const std::string& name);

}  // namespace aud::connectors
