#include "coordinator/common/sha256.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "openssl/evp.h"

namespace eddy::cluster {
namespace {
std::string Hex(const unsigned char* md, unsigned int len) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}
}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return Hex(md, len);
}

struct Sha256::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr);
}
Sha256::~Sha256() = default;

void Sha256::Update(std::string_view data) { EVP_DigestUpdate(ctx_->md, data.data(), data.size()); }

std::string Sha256::FinalHex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md, md, &len);
  return Hex(md, len);
}

absl::StatusOr<std::string> Sha256FileHex(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  Sha256 h;
  std::string buf(1 << 16, '\0');
  while (f) {
    f.read(buf.data(), buf.size());
    h.Update(std::string_view(buf.data(), static_cast<size_t>(f.gcount())));
  }
  if (f.bad()) return absl::DataLossError(absl::StrCat("read error in ", path));
  return h.FinalHex();
}

bool IsSha256Hex(std::string_view d) {
  return d.size() == 64 && d.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace eddy::cluster
