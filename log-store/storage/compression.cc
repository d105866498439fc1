// Kafka batch codecs over zlib, snappy, lz4 (frame format) and zstd.
#include "log-store/storage/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "log-store/storage/encoding.h"

namespace eddy::logstore {
namespace {

constexpr size_t kMaxOutput = 256u << 20;

absl::Status TooBig(const char* codec) {
  return absl::InvalidArgumentError(
      absl::StrCat(codec, ": decompressed records exceed ", kMaxOutput, " bytes"));
}

absl::StatusOr<std::string> GzipCompress(std::string_view in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return absl::InternalError("gzip: deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return absl::InternalError(absl::StrCat("gzip: deflate failed: ", rc));
  out.resize(produced);
  return out;
}

absl::StatusOr<std::string> GzipDecompress(std::string_view in, size_t hint) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return absl::InternalError("gzip: inflateInit2 failed");
  std::string out(std::max<size_t>(hint, in.size() * 4 + 64), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
    zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if (zs.avail_out == 0) {
      if (out.size() >= kMaxOutput) {
        inflateEnd(&zs);
        return TooBig("gzip");
      }
      out.resize(std::min(out.size() * 2, kMaxOutput));
    } else if (zs.avail_in == 0 || rc == Z_BUF_ERROR) {
      rc = Z_DATA_ERROR;  // input ended before the stream did
      break;
    }
  }
  const size_t produced = zs.total_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END)
    return absl::InvalidArgumentError(absl::StrCat("gzip: corrupt data (", rc, ")"));
  out.resize(produced);
  return out;
}

absl::StatusOr<std::string> SnappyRaw(std::string_view in, std::string* out) {
  size_t n = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &n)) {
    return absl::InvalidArgumentError("snappy: corrupt length");
  }
  if (out->size() + n > kMaxOutput) return TooBig("snappy");
  // A snappy block expands at most ~22x (a 64-byte copy in 3 bytes); a bigger claim is corrupt,
  // caught here before allocating for it.
  if (n > in.size() * 32 + 64) return absl::InvalidArgumentError("snappy: corrupt length");
  const size_t at = out->size();
  out->resize(at + n);
  if (!snappy::RawUncompress(in.data(), in.size(), out->data() + at)) {
    return absl::InvalidArgumentError("snappy: corrupt data");
  }
  return std::string();
}

// Java clients frame snappy the xerial way: 8-byte magic, version, compat, then
// (u32 big-endian length, raw snappy block)*.
absl::StatusOr<std::string> SnappyDecompress(std::string_view in) {
  static constexpr char kXerial[8] = {'\x82', 'S', 'N', 'A', 'P', 'P', 'Y', '\0'};
  std::string out;
  if (in.size() >= 16 && std::memcmp(in.data(), kXerial, 8) == 0) {
    in.remove_prefix(16);
    while (!in.empty()) {
      if (in.size() < 4)
        return absl::InvalidArgumentError("snappy (xerial): truncated block length");
      const uint32_t len = enc::LoadBe32(in.data());
      in.remove_prefix(4);
      if (len > in.size()) return absl::InvalidArgumentError("snappy (xerial): truncated block");
      auto s = SnappyRaw(in.substr(0, len), &out);
      if (!s.ok()) return s.status();
      in.remove_prefix(len);
    }
    return out;
  }
  auto s = SnappyRaw(in, &out);
  if (!s.ok()) return s.status();
  return out;
}

absl::StatusOr<std::string> Lz4Compress(std::string_view in) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.contentSize = in.size();
  std::string out(LZ4F_compressFrameBound(in.size(), &prefs), '\0');
  const size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) return absl::InternalError(absl::StrCat("lz4: ", LZ4F_getErrorName(n)));
  out.resize(n);
  return out;
}

absl::StatusOr<std::string> Lz4Decompress(std::string_view in, size_t hint) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
    return absl::InternalError("lz4: cannot create context");
  }
  std::string out(std::max<size_t>(hint, in.size() * 4 + 64), '\0');
  size_t produced = 0;
  const char* src = in.data();
  size_t left = in.size();
  absl::Status st;
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= kMaxOutput) {
        st = TooBig("lz4");
        break;
      }
      out.resize(std::min(out.size() * 2, kMaxOutput));
    }
    size_t dst_n = out.size() - produced;
    size_t src_n = left;
    const size_t rc = LZ4F_decompress(ctx, out.data() + produced, &dst_n, src, &src_n, nullptr);
    if (LZ4F_isError(rc)) {
      st = absl::InvalidArgumentError(absl::StrCat("lz4: ", LZ4F_getErrorName(rc)));
      break;
    }
    produced += dst_n;
    src += src_n;
    left -= src_n;
    if (rc == 0) break;  // frame complete
    if (left == 0 && dst_n == 0) {
      st = absl::InvalidArgumentError("lz4: truncated frame");
      break;
    }
  }
  LZ4F_freeDecompressionContext(ctx);
  if (!st.ok()) return st;
  out.resize(produced);
  return out;
}

absl::StatusOr<std::string> ZstdCompress(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  if (ZSTD_isError(n)) return absl::InternalError(absl::StrCat("zstd: ", ZSTD_getErrorName(n)));
  out.resize(n);
  return out;
}

absl::StatusOr<std::string> ZstdDecompress(std::string_view in, size_t hint) {
  ZSTD_DStream* ds = ZSTD_createDStream();
  if (ds == nullptr) return absl::InternalError("zstd: cannot create stream");
  ZSTD_initDStream(ds);
  unsigned long long known = ZSTD_getFrameContentSize(in.data(), in.size());
  size_t initial = std::max<size_t>(hint, in.size() * 4 + 64);
  if (known != ZSTD_CONTENTSIZE_UNKNOWN && known != ZSTD_CONTENTSIZE_ERROR && known <= kMaxOutput) {
    initial = std::min<size_t>(static_cast<size_t>(known) + 1, in.size() * 64 + (1u << 20));
  }
  std::string out(initial, '\0');
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  size_t produced = 0;
  absl::Status st;
  size_t rc = 1;
  while (true) {
    if (produced == out.size()) {
      if (out.size() >= kMaxOutput) {
        st = TooBig("zstd");
        break;
      }
      out.resize(std::min(out.size() * 2, kMaxOutput));
    }
    ZSTD_outBuffer ob{out.data(), out.size(), produced};
    rc = ZSTD_decompressStream(ds, &ob, &ib);
    if (ZSTD_isError(rc)) {
      st = absl::InvalidArgumentError(absl::StrCat("zstd: ", ZSTD_getErrorName(rc)));
      break;
    }
    const bool progressed = ob.pos > produced;
    produced = ob.pos;
    if (rc == 0 && ib.pos == ib.size) break;  // all frames done
    if (ib.pos == ib.size && !progressed && produced < out.size()) {
      st = absl::InvalidArgumentError("zstd: truncated frame");
      break;
    }
  }
  ZSTD_freeDStream(ds);
  if (!st.ok()) return st;
  out.resize(produced);
  return out;
}

}  // namespace

absl::StatusOr<std::string> Compress(Compression codec, std::string_view data) {
  switch (codec) {
    case Compression::kNone:
      return std::string(data);
    case Compression::kGzip:
      return GzipCompress(data);
    case Compression::kSnappy: {
      std::string out;
      snappy::Compress(data.data(), data.size(), &out);
      return out;
    }
    case Compression::kLz4:
      return Lz4Compress(data);
    case Compression::kZstd:
      return ZstdCompress(data);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown compression codec ", static_cast<int>(codec)));
}

absl::StatusOr<std::string> Decompress(Compression codec, std::string_view data, size_t size_hint) {
  if (size_hint > kMaxOutput) size_hint = kMaxOutput;
  switch (codec) {
    case Compression::kNone:
      return std::string(data);
    case Compression::kGzip:
      return GzipDecompress(data, size_hint);
    case Compression::kSnappy:
      return SnappyDecompress(data);
    case Compression::kLz4:
      return Lz4Decompress(data, size_hint);
    case Compression::kZstd:
      return ZstdDecompress(data, size_hint);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown compression codec ", static_cast<int>(codec)));
}

}  // namespace eddy::logstore
