// ErasedValue: a type-erased, shared, immutable value of any C++ type (like std::any, but
// shareable and without the copyable requirement). The runtime fills envelopes with decoded
// keys/messages through it; OutgoingMessageEnvelope carries typed payloads in it.
#pragma once

#include <memory>
#include <typeinfo>
#include <utility>

namespace eddy {

class ErasedValue {
 public:
  ErasedValue() = default;

  template <class T>
  static ErasedValue Of(T value) {
    ErasedValue v;
    v.ptr_ = std::make_shared<const T>(std::move(value));
    v.type_ = &typeid(T);
    return v;
  }

  bool has_value() const { return ptr_ != nullptr; }
  // typeid(void) when empty.
  const std::type_info& type() const { return type_ ? *type_ : typeid(void); }

  // The value if it holds exactly a T, else nullptr.
  template <class T>
  const T* As() const {
    if (type_ == nullptr || *type_ != typeid(T)) return nullptr;
    return static_cast<const T*>(ptr_.get());
  }

  void reset() {
    ptr_.reset();
    type_ = nullptr;
  }

 private:
  std::shared_ptr<const void> ptr_;
  const std::type_info* type_ = nullptr;
};

}  // namespace eddy
