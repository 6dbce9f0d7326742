#include "runtime/sockets/file_storage.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <system_error>

namespace amino::sockets {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTempSuffix = ".tmp";
// Two hex digits per byte; 240 characters stay below the usual 255-byte file name limit.
constexpr std::size_t kMaxKeyBytes = 120;

std::string hex_encode(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// nullopt for names that are not ours (temp files, strays).
std::optional<std::string> hex_decode(const std::string& name) {
  if (name.empty() || name.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < name.size(); i += 2) {
    const int hi = hex_digit(name[i]);
    const int lo = hex_digit(name[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

bool is_valid_key(const std::string& key) { return !key.empty() && key.size() <= kMaxKeyBytes; }

void check_key(const std::string& key) {
  if (!is_valid_key(key)) {
    throw std::invalid_argument("FileStorage keys must be 1.." + std::to_string(kMaxKeyBytes) + " bytes");
  }
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void fsync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) throw_errno("open " + path.string());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw_errno("fsync " + path.string());
}

void write_all(int fd, const std::string& bytes, const fs::path& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write " + path.string());
    done += static_cast<std::size_t>(n);
  }
}

// The file at `path` holds either its old bytes or `bytes`, never a mix, even across a crash.
void replace_file_durably(const fs::path& path, const std::string& bytes) {
  fs::path temp = path;
  temp += kTempSuffix;
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("open " + temp.string());
  try {
    write_all(fd, bytes, temp);
    if (::fsync(fd) != 0) throw_errno("fsync " + temp.string());
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) throw_errno("close " + temp.string());
  fs::rename(temp, path);
}

}  // namespace

FileStorage::FileStorage(fs::path directory) : directory_(std::move(directory)) {
  fs::create_directories(directory_);
  for (const auto& entry : fs::directory_iterator(directory_)) {
    if (entry.path().extension() == kTempSuffix) fs::remove(entry.path());
  }
}

void FileStorage::put(const std::string& key, std::string value) {
  check_key(key);
  unsynced_[key] = std::move(value);
}

std::optional<std::string> FileStorage::get(const std::string& key) const {
  if (!is_valid_key(key)) return std::nullopt;
  if (auto it = unsynced_.find(key); it != unsynced_.end()) return it->second;
  return read_synced(key);
}

void FileStorage::erase(const std::string& key) {
  check_key(key);
  unsynced_[key] = std::nullopt;
}

std::vector<std::string> FileStorage::keys(const std::string& prefix) const {
  std::set<std::string> present;
  for (const auto& entry : fs::directory_iterator(directory_)) {
    auto key = hex_decode(entry.path().filename().string());
    if (key && key->starts_with(prefix)) present.insert(std::move(*key));
  }
  for (const auto& [key, value] : unsynced_) {
    if (!key.starts_with(prefix)) continue;
    if (value) {
      present.insert(key);
    } else {
      present.erase(key);
    }
  }
  return {present.begin(), present.end()};
}

void FileStorage::sync() {
  if (unsynced_.empty()) return;
  while (!unsynced_.empty()) {
    auto it = unsynced_.begin();
    const fs::path path = path_of(it->first);
    if (it->second) {
      replace_file_durably(path, *it->second);
    } else {
      fs::remove(path);
    }
    unsynced_.erase(it);  // only once its change is on disk, so a failed sync() can be retried
  }
  // Renames and removals are directory updates: durable only once the directory itself is synced.
  fsync_path(directory_, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

fs::path FileStorage::path_of(const std::string& key) const { return directory_ / hex_encode(key); }

std::optional<std::string> FileStorage::read_synced(const std::string& key) const {
  std::ifstream in(path_of(key), std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace amino::sockets
