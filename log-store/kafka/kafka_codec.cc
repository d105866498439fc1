#include "log-store/kafka/kafka_codec.h"

#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace eddy::kafka {

bool Reader::Need(size_t n) {
  if (!ok_) return false;
  if (data_.size() - pos_ < n) {
    Fail(absl::StrCat("need ", n, " bytes, have ", data_.size() - pos_));
    return false;
  }
  return true;
}

void Reader::Fail(std::string_view why) {
  if (!ok_) return;
  ok_ = false;
  error_ = absl::StrCat(absl::string_view(why.data(), why.size()), " at byte ", pos_);
}

absl::Status Reader::status(std::string_view what) const {
  if (ok_) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("malformed ", absl::string_view(what.data(), what.size()), ": ", error_));
}

int8_t Reader::Int8() {
  if (!Need(1)) return 0;
  return static_cast<int8_t>(data_[pos_++]);
}

int16_t Reader::Int16() {
  if (!Need(2)) return 0;
  uint16_t v = static_cast<uint16_t>((static_cast<uint8_t>(data_[pos_]) << 8) |
                                     static_cast<uint8_t>(data_[pos_ + 1]));
  pos_ += 2;
  return static_cast<int16_t>(v);
}

int32_t Reader::Int32() {
  if (!Need(4)) return 0;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_ + i]);
  pos_ += 4;
  return static_cast<int32_t>(v);
}

int64_t Reader::Int64() {
  if (!Need(8)) return 0;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(data_[pos_ + i]);
  pos_ += 8;
  return static_cast<int64_t>(v);
}

uint32_t Reader::UVarint() {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (!Need(1)) return 0;
    uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    v |= static_cast<uint32_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  Fail("unsigned varint longer than 5 bytes");
  return 0;
}

std::string_view Reader::Raw(size_t n) {
  if (!Need(n)) return {};
  std::string_view s = data_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::optional<std::string_view> Reader::NullableString() {
  int16_t len = Int16();
  if (!ok_) return std::string_view();
  if (len == -1) return std::nullopt;
  if (len < 0) {
    Fail("negative string length");
    return std::string_view();
  }
  return Raw(static_cast<size_t>(len));
}

std::string_view Reader::String() { return NullableString().value_or(std::string_view()); }

std::optional<std::string_view> Reader::NullableBytes() {
  int32_t len = Int32();
  if (!ok_) return std::string_view();
  if (len == -1) return std::nullopt;
  if (len < 0) {
    Fail("negative bytes length");
    return std::string_view();
  }
  return Raw(static_cast<size_t>(len));
}

std::string_view Reader::Bytes() { return NullableBytes().value_or(std::string_view()); }

int32_t Reader::ArrayCount(size_t min_elem_size) {
  int32_t n = Int32();
  if (!ok_) return 0;
  if (n == -1) return -1;
  if (n < 0) {
    Fail("negative array count");
    return 0;
  }
  if (static_cast<uint64_t>(n) * min_elem_size > data_.size() - pos_) {
    Fail(absl::StrCat("array count ", n, " exceeds the remaining bytes"));
    return 0;
  }
  return n;
}

std::optional<std::string_view> Reader::CompactNullableString() {
  uint32_t n = UVarint();
  if (!ok_) return std::string_view();
  if (n == 0) return std::nullopt;
  return Raw(n - 1);
}

std::string_view Reader::CompactString() {
  return CompactNullableString().value_or(std::string_view());
}

int32_t Reader::CompactArrayCount(size_t min_elem_size) {
  uint32_t n = UVarint();
  if (!ok_) return 0;
  if (n == 0) return -1;
  uint64_t count = n - 1;
  if (count * min_elem_size > data_.size() - pos_) {
    Fail(absl::StrCat("compact array count ", count, " exceeds the remaining bytes"));
    return 0;
  }
  return static_cast<int32_t>(count);
}

void Reader::SkipTaggedFields() {
  uint32_t n = UVarint();
  for (uint32_t i = 0; i < n && ok_; ++i) {
    UVarint();  // tag
    uint32_t size = UVarint();
    Raw(size);
  }
}

void Writer::Int16(int16_t v) {
  uint16_t u = static_cast<uint16_t>(v);
  out_.push_back(static_cast<char>(u >> 8));
  out_.push_back(static_cast<char>(u & 0xff));
}

void Writer::Int32(int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  char b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8),
               static_cast<char>(u)};
  out_.append(b, 4);
}

void Writer::Int64(int64_t v) {
  uint64_t u = static_cast<uint64_t>(v);
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(u >> (56 - 8 * i));
  out_.append(b, 8);
}

void Writer::UVarint(uint32_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void Writer::String(std::string_view s) {
  Int16(static_cast<int16_t>(s.size()));
  out_.append(s);
}

void Writer::NullableString(const std::optional<std::string_view>& s) {
  if (!s) {
    Int16(-1);
    return;
  }
  String(*s);
}

void Writer::Bytes(std::string_view b) {
  Int32(static_cast<int32_t>(b.size()));
  out_.append(b);
}

void Writer::NullableBytes(const std::optional<std::string_view>& b) {
  if (!b) {
    Int32(-1);
    return;
  }
  Bytes(*b);
}

void Writer::CompactString(std::string_view s) {
  UVarint(static_cast<uint32_t>(s.size() + 1));
  out_.append(s);
}

void Writer::CompactNullableString(const std::optional<std::string_view>& s) {
  if (!s) {
    UVarint(0);
    return;
  }
  CompactString(*s);
}

void Writer::CompactArrayCount(int32_t n) { UVarint(n < 0 ? 0u : static_cast<uint32_t>(n) + 1); }

void Writer::BytesRef(std::string_view b) {
  Int32(static_cast<int32_t>(b.size()));
  if (!b.empty()) refs_.push_back(Ref{out_.size(), b});
}

void Writer::BytesFileRef(int fd, uint64_t position, size_t length,
                          std::shared_ptr<const void> owner) {
  Int32(static_cast<int32_t>(length));
  if (length > 0) refs_.push_back(Ref{out_.size(), {}, fd, position, length, std::move(owner)});
}

void Writer::Gather(std::vector<iovec>* iov, std::vector<FilePiece>* files) const {
  iov->clear();
  if (files != nullptr) files->clear();
  size_t from = 0;
  for (const Ref& r : refs_) {
    if (r.at > from) iov->push_back({const_cast<char*>(out_.data() + from), r.at - from});
    if (r.fd >= 0) {
      if (files != nullptr) files->push_back({iov->size(), r.fd, r.position});
      iov->push_back({nullptr, r.length});
    } else {
      iov->push_back({const_cast<char*>(r.bytes.data()), r.bytes.size()});
    }
    from = r.at;
  }
  if (out_.size() > from)
    iov->push_back({const_cast<char*>(out_.data() + from), out_.size() - from});
}

std::string Writer::Flatten() const {
  std::string s;
  s.reserve(total_size());
  size_t from = 0;
  for (const Ref& r : refs_) {
    s.append(out_, from, r.at - from);
    if (r.fd >= 0) {
      const size_t at = s.size();
      s.resize(at + r.length);
      size_t done = 0;
      while (done < r.length) {
        const ssize_t got = ::pread(r.fd, s.data() + at + done, r.length - done,
                                    static_cast<off_t>(r.position + done));
        if (got <= 0) break;  // short: the caller sees the wrong size
        done += static_cast<size_t>(got);
      }
      s.resize(at + done);
    } else {
      s.append(r.bytes);
    }
    from = r.at;
  }
  s.append(out_, from, std::string::npos);
  return s;
}

size_t Writer::ReserveInt32() {
  size_t pos = out_.size();
  Int32(0);
  return pos;
}

void Writer::PatchInt32(size_t pos, int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  out_[pos] = static_cast<char>(u >> 24);
  out_[pos + 1] = static_cast<char>(u >> 16);
  out_[pos + 2] = static_cast<char>(u >> 8);
  out_[pos + 3] = static_cast<char>(u);
}

}  // namespace eddy::kafka
