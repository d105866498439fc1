// IncomingMessageEnvelope (one input message handed to StreamTask::Process) and
// OutgoingMessageEnvelope (one message a task sends through MessageCollector::Send).
// Used by job authors; the runtime fills incoming envelopes and consumes outgoing ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eddy/erased_value.h"
#include "eddy/serde.h"
#include "eddy/system_stream.h"

namespace eddy {

// A record header as Kafka has them: a key and an optional (null-able) value.
struct HeaderView {
  std::string_view key;
  std::optional<std::string_view> value;
};

// One input message. Key, message and header bytes are views into the fetched batch: they are
// valid only during the Process() call that receives the envelope; copy what you keep.
//
// When the input stream has a serde (streams.<id>.samza.key.serde / .msg.serde, or the system's
// default), the runtime also decodes key and message: KeyAs<T>() / MessageAs<T>() return the
// decoded value when it is a T, else nullptr. The raw bytes are always available.
class IncomingMessageEnvelope {
 public:
  IncomingMessageEnvelope() = default;
  IncomingMessageEnvelope(SystemStreamPartition ssp, int64_t offset,
                          std::optional<std::string_view> key,
                          std::optional<std::string_view> message, int64_t timestamp_ms = -1)
      : ssp_(std::move(ssp)),
        offset_(offset),
        key_(key),
        message_(message),
        timestamp_ms_(timestamp_ms) {}

  const SystemStreamPartition& system_stream_partition() const { return ssp_; }
  SystemStream system_stream() const { return ssp_.system_stream(); }
  int32_t partition() const { return ssp_.partition; }
  int64_t offset() const { return offset_; }
  // Raw key bytes; nullopt for a null key.
  const std::optional<std::string_view>& key() const { return key_; }
  // Raw message bytes; nullopt for a null message (a tombstone).
  const std::optional<std::string_view>& message() const { return message_; }
  // Record timestamp in ms since the epoch (create or log-append time), -1 when unknown.
  int64_t timestamp() const { return timestamp_ms_; }
  // The record's headers in the order they were written (Kafka record headers on a kafka input,
  // RecordBatch v2 headers on an eddy input); views, like key() and message(). A header key
  // may repeat; a null value is nullopt.
  const std::vector<HeaderView>& headers() const { return headers_; }
  // Size of key plus message bytes.
  size_t size() const { return (key_ ? key_->size() : 0) + (message_ ? message_->size() : 0); }

  // Decoded key/message when the stream has a serde producing T; nullptr otherwise.
  template <class T>
  const T* KeyAs() const {
    return decoded_key_.As<T>();
  }
  template <class T>
  const T* MessageAs() const {
    return decoded_message_.As<T>();
  }
  const ErasedValue& decoded_key() const { return decoded_key_; }
  const ErasedValue& decoded_message() const { return decoded_message_; }

  // --- For the runtime (and tests): an envelope is reused record after record. ---
  void set_system_stream_partition(SystemStreamPartition ssp) { ssp_ = std::move(ssp); }
  void set_offset(int64_t offset) { offset_ = offset; }
  void set_key(std::optional<std::string_view> key) { key_ = key; }
  void set_message(std::optional<std::string_view> message) { message_ = message; }
  void set_timestamp(int64_t timestamp_ms) { timestamp_ms_ = timestamp_ms; }
  std::vector<HeaderView>* mutable_headers() { return &headers_; }
  void set_decoded_key(ErasedValue v) { decoded_key_ = std::move(v); }
  void set_decoded_message(ErasedValue v) { decoded_message_ = std::move(v); }

 private:
  SystemStreamPartition ssp_;
  int64_t offset_ = -1;
  std::optional<std::string_view> key_;
  std::optional<std::string_view> message_;
  int64_t timestamp_ms_ = -1;
  std::vector<HeaderView> headers_;
  ErasedValue decoded_key_;
  ErasedValue decoded_message_;
};

// A record header that owns its bytes.
struct Header {
  std::string key;
  std::optional<std::string> value;
};

// One output message. Key and message are either bytes (set directly, or serialized up front with
// a Serde via Serialized()), or typed values (Typed()) that the runtime serializes with the output
// stream's configured serdes at Send() time (a type that does not match the serde is an error
// naming the stream). The partition is, in order of precedence: `partition` when set, else the
// hash of `partition_key` when set, else the hash of the key bytes, else round-robin.
//
// Owning or viewing: the constructors copy/move the bytes into the envelope (safe to keep, queue
// or send later). View() makes a non-owning envelope for the hot path: it refers to the stream,
// key and message the caller passes, which must stay valid until MessageCollector::Send returns
// (the runtime copies the bytes straight into the producer's batch during Send, so e.g. the views
// of the IncomingMessageEnvelope being processed are fine). key_bytes()/message_bytes() read
// either form; key()/message() are the owned bytes only (nullopt in a view envelope).
class OutgoingMessageEnvelope {
 public:
  OutgoingMessageEnvelope() = default;
  // Message only (null key).
  OutgoingMessageEnvelope(SystemStream stream, std::string message)
      : system_stream_(std::move(stream)), message_(std::move(message)) {}
  // Key and message bytes. Pass std::nullopt as message for a tombstone.
  OutgoingMessageEnvelope(SystemStream stream, std::optional<std::string> key,
                          std::optional<std::string> message)
      : system_stream_(std::move(stream)), key_(std::move(key)), message_(std::move(message)) {}

  // Non-owning key and message (see the class comment): no copy is made; `stream`, `key` and
  // `message` must outlive the Send() call. Pass std::nullopt as message for a tombstone.
  static OutgoingMessageEnvelope View(const SystemStream& stream,
                                      std::optional<std::string_view> key,
                                      std::optional<std::string_view> message) {
    OutgoingMessageEnvelope e;
    e.stream_ref_ = &stream;
    e.is_view_ = true;
    e.key_view_ = key;
    e.message_view_ = message;
    return e;
  }

  // Typed key and message, serialized by the runtime with the stream's serdes.
  template <class K, class V>
  static OutgoingMessageEnvelope Typed(SystemStream stream, K key, V message) {
    OutgoingMessageEnvelope e;
    e.system_stream_ = std::move(stream);
    e.key_object_ = ErasedValue::Of<K>(std::move(key));
    e.message_object_ = ErasedValue::Of<V>(std::move(message));
    return e;
  }
  // Serializes now with the given serdes; errors are the serdes' errors.
  template <class K, class V>
  static absl::StatusOr<OutgoingMessageEnvelope> Serialized(SystemStream stream, const K& key,
                                                            const Serde<K>& key_serde,
                                                            const V& message,
                                                            const Serde<V>& message_serde) {
    std::string k, m;
    if (absl::Status s = key_serde.Serialize(key, &k); !s.ok()) return s;
    if (absl::Status s = message_serde.Serialize(message, &m); !s.ok()) return s;
    return OutgoingMessageEnvelope(std::move(stream), std::move(k), std::move(m));
  }

  OutgoingMessageEnvelope& WithPartition(int32_t partition) {
    partition_ = partition;
    return *this;
  }
  OutgoingMessageEnvelope& WithPartitionKey(std::string partition_key) {
    partition_key_ = std::move(partition_key);
    return *this;
  }
  OutgoingMessageEnvelope& WithTimestamp(int64_t timestamp_ms) {
    timestamp_ms_ = timestamp_ms;
    return *this;
  }
  // Adds a record header (sent as a Kafka record header on a kafka system, a RecordBatch v2
  // header on the eddy system; nullopt = a null value). Headers keep their order; keys may
  // repeat. The consumer's IncomingMessageEnvelope::headers() sees them.
  OutgoingMessageEnvelope& AddHeader(std::string key, std::optional<std::string> value) {
    headers_.push_back(Header{std::move(key), std::move(value)});
    return *this;
  }

  const SystemStream& system_stream() const { return stream_ref_ ? *stream_ref_ : system_stream_; }
  const std::optional<int32_t>& partition() const { return partition_; }
  const std::optional<std::string>& partition_key() const { return partition_key_; }
  // Owned key/message bytes (nullopt in a View() envelope: use key_bytes()/message_bytes()).
  const std::optional<std::string>& key() const { return key_; }
  const std::optional<std::string>& message() const { return message_; }
  // The key/message bytes of either form (views into this envelope or into the View() source).
  std::optional<std::string_view> key_bytes() const {
    if (is_view_) return key_view_;
    if (key_) return std::string_view(*key_);
    return std::nullopt;
  }
  std::optional<std::string_view> message_bytes() const {
    if (is_view_) return message_view_;
    if (message_) return std::string_view(*message_);
    return std::nullopt;
  }
  bool is_view() const { return is_view_; }
  // Typed payloads (set by Typed()); empty when the bytes are given.
  const ErasedValue& key_object() const { return key_object_; }
  const ErasedValue& message_object() const { return message_object_; }
  // -1 = let the producer stamp it.
  int64_t timestamp() const { return timestamp_ms_; }
  const std::vector<Header>& headers() const { return headers_; }

  // For the runtime: move the bytes out, or fill them in after serializing typed payloads (this
  // makes the envelope an owning one).
  std::optional<std::string>* mutable_key() {
    MakeOwning();
    return &key_;
  }
  std::optional<std::string>* mutable_message() {
    MakeOwning();
    return &message_;
  }

 private:
  void MakeOwning() {
    if (!is_view_) return;
    is_view_ = false;
    if (key_view_) key_.emplace(*key_view_);
    if (message_view_) message_.emplace(*message_view_);
    key_view_.reset();
    message_view_.reset();
  }

  const SystemStream* stream_ref_ = nullptr;  // View(): the caller's stream
  bool is_view_ = false;
  std::optional<std::string_view> key_view_;
  std::optional<std::string_view> message_view_;
  SystemStream system_stream_;
  std::optional<int32_t> partition_;
  std::optional<std::string> partition_key_;
  std::optional<std::string> key_;
  std::optional<std::string> message_;
  ErasedValue key_object_;
  ErasedValue message_object_;
  int64_t timestamp_ms_ = -1;
  std::vector<Header> headers_;
};

}  // namespace eddy
