// Kafka wire codec: a bounds-checked reader and an appending writer for the classic types
// (int8..int64, STRING, BYTES, ARRAY) and the flexible ("compact") types (unsigned varints,
// COMPACT_STRING/BYTES/ARRAY, tagged fields). Malformed input never crashes: the reader latches
// an error and every later read returns a zero value, so a handler checks ok() once at the end.
// Used by every API handler of the Kafka listener and by the request-decoder fuzz target.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace eddy::kafka {

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  int8_t Int8();
  int16_t Int16();
  int32_t Int32();
  int64_t Int64();
  bool Bool() { return Int8() != 0; }
  uint32_t UVarint();

  // Classic: int16 length, -1 = null.
  std::optional<std::string_view> NullableString();
  std::string_view String();  // null reads as ""
  // Classic: int32 length, -1 = null.
  std::optional<std::string_view> NullableBytes();
  std::string_view Bytes();
  // Classic: int32 count, -1 = null (returned as -1). Checks that `count * min_elem_size` bytes
  // can still follow, so a huge bogus count fails fast instead of looping.
  int32_t ArrayCount(size_t min_elem_size = 1);

  // Compact: uvarint N+1, 0 = null.
  std::optional<std::string_view> CompactNullableString();
  std::string_view CompactString();
  int32_t CompactArrayCount(size_t min_elem_size = 1);  // -1 = null
  void SkipTaggedFields();

  std::string_view Raw(size_t n);
  size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  size_t position() const { return pos_; }
  bool ok() const { return ok_; }
  // InvalidArgument naming `what` and the byte position of the first failure.
  absl::Status status(std::string_view what) const;
  void Fail(std::string_view why);

 private:
  bool Need(size_t n);
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
  std::string error_;
};

class Writer {
 public:
  void Int8(int8_t v) { out_.push_back(static_cast<char>(v)); }
  void Int16(int16_t v);
  void Int32(int32_t v);
  void Int64(int64_t v);
  void Bool(bool v) { Int8(v ? 1 : 0); }
  void UVarint(uint32_t v);

  void String(std::string_view s);
  void NullableString(const std::optional<std::string_view>& s);
  void Bytes(std::string_view b);
  void NullableBytes(const std::optional<std::string_view>& b);
  void ArrayCount(int32_t n) { Int32(n); }

  void CompactString(std::string_view s);
  void CompactNullableString(const std::optional<std::string_view>& s);
  void CompactArrayCount(int32_t n);  // -1 = null
  void EmptyTaggedFields() { UVarint(0); }

  void Raw(std::string_view b) { out_.append(b); }
  // Reserves an int32 slot and returns its position (for sizes patched later).
  size_t ReserveInt32();
  void PatchInt32(size_t pos, int32_t v);

  // BYTES whose content is not copied: the writer remembers the view and Gather() hands it to
  // writev in place. The bytes must stay alive and unchanged until the response is sent.
  void BytesRef(std::string_view b);
  // BYTES whose content is `length` bytes of the file `fd` from `position`, sent by
  // SendResponse (response_sender.h) with sendfile(2), never read into memory. `owner` keeps
  // the file open until Clear(). The bytes must not change until the response is sent.
  void BytesFileRef(int fd, uint64_t position, size_t length, std::shared_ptr<const void> owner);

  // Empties the writer but keeps its capacity (one writer per connection, reused).
  void Clear() {
    out_.clear();
    refs_.clear();
  }
  // Bytes written by value only (references are not in buffer()).
  std::string& buffer() { return out_; }
  size_t size() const { return out_.size(); }
  // Whole encoded size, references included.
  size_t total_size() const { return out_.size() + ref_bytes_(); }
  // A file piece of Gather's output: iov[iov_index] is {nullptr, length} in the iovec list.
  struct FilePiece {
    size_t iov_index;
    int fd;
    uint64_t position;
  };
  // The encoding as iovecs in order: pieces of buffer() interleaved with the referenced bytes.
  // File references (BytesFileRef) become {nullptr, length} entries described in *files; with
  // files == nullptr there must be none.
  void Gather(std::vector<iovec>* iov, std::vector<FilePiece>* files = nullptr) const;
  // The encoding as one string (copies the references, file references read with pread; for
  // tests and small responses).
  std::string Flatten() const;

 private:
  struct Ref {
    size_t at;  // position in out_ where the referenced bytes go
    std::string_view bytes;
    int fd = -1;  // >= 0: a file reference of `length` bytes at `position`, not `bytes`
    uint64_t position = 0;
    size_t length = 0;
    std::shared_ptr<const void> owner;
    size_t size() const { return fd >= 0 ? length : bytes.size(); }
  };
  size_t ref_bytes_() const {
    size_t n = 0;
    for (const Ref& r : refs_) n += r.size();
    return n;
  }
  std::string out_;
  std::vector<Ref> refs_;
};

}  // namespace eddy::kafka
