// MessageStream<M>, OutputStream<K, V> and Table<K, V>: the typed handles a stream application
// (eddy/stream/app.h) wires together in Describe. Each call adds an operator to the job's graph;
// nothing runs until the job's tasks do. Typed in C++, erased inside (internal/graph.h).
//
//   auto lines = app.GetInputStream<std::string, std::string>(Input("eddy", "lines"));
//   lines.FlatMap([](const KV<std::string, std::string>& m) { return Words(m.value); })
//        .PartitionBy([](const std::string& w) { return w; },
//                     [](const std::string&) { return std::string(); }, "words")
//        .Count("counts")
//        .Map([](const KV<std::string, int64_t>& c) { return MakeKV(c.key, std::to_string(c.value)); })
//        .SendTo(app.GetOutputStream<std::string, std::string>(Output("eddy", "counts", "string",
//                                                                      "string")));
//
// Operator ids. Stateful operators (PartitionBy, Count, Aggregate, Window, Join) take an id from
// the application: it names their stores (store = id; a stream-stream join: id-left, id-right),
// the intermediate stream (<job.name>-<job.id>-partition_by-<id>) and their metrics group
// (stream.<id>). Keep ids stable across versions of a job, or its state starts empty. An id may
// be used once per application. Stateless operators are numbered in build order.
//
// Serdes. Where a serde name is optional, "" means the default for the type: "string" for
// std::string, "int64", "int32", "json" for nlohmann::json; a type without one needs a name.
// Keys of keyed operators are compared as their serialized bytes.
//
// Errors from user functions: a function may throw; the runtime treats it as a failed message
// (task.h). Returned errors from serdes name the operator.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "eddy/stream/descriptors.h"
#include "eddy/stream/internal/graph.h"
#include "eddy/stream/kv.h"
#include "eddy/stream/windows.h"

namespace eddy::stream {

template <class M>
class MessageStream;

namespace internal {
// Key/Value of a non-KV message: names keyed operators' signatures, never instantiated.
struct NotKV {};
template <class T>
struct IsKV : std::false_type {
  using Key = NotKV;
  using Value = NotKV;
};
template <class K, class V>
struct IsKV<KV<K, V>> : std::true_type {
  using Key = K;
  using Value = V;
};

template <class T>
std::string SerdeOr(const std::string& name) {
  return name.empty() ? DefaultSerdeName<T>() : name;
}

// Sends KV<K, V> records to `stream` with the given serdes.
template <class K, class V>
class SendOperator final : public Operator {
 public:
  SendOperator(SystemStream stream, std::shared_ptr<const Serde<K>> ks,
               std::shared_ptr<const Serde<V>> vs)
      : stream_(std::move(stream)), ks_(std::move(ks)), vs_(std::move(vs)) {}
  absl::Status Process(int, const Record& r, Emitter& out) override {
    const KV<K, V>& kv = Value<KV<K, V>>(r);
    if (absl::Status s = ks_->Serialize(kv.key, &k_); !s.ok()) return Annotate(s, "key");
    if (absl::Status s = vs_->Serialize(kv.value, &v_); !s.ok()) return Annotate(s, "message");
    return out.collector().Send(
        OutgoingMessageEnvelope::View(stream_, k_, v_).WithTimestamp(r.event_time));
  }

 private:
  absl::Status Annotate(const absl::Status& s, const char* what) const {
    return absl::Status(s.code(), "send to " + stream_.ToString() + ": cannot serialize " + what +
                                      ": " + std::string(s.message()));
  }
  SystemStream stream_;
  std::shared_ptr<const Serde<K>> ks_;
  std::shared_ptr<const Serde<V>> vs_;
  std::string k_, v_;
};

// Decodes an input envelope into KV<K, V> (a null key or message reads as the serde's value of
// empty bytes; a table input treats a null message as a delete).
template <class K, class V>
class InputOperator final : public Operator {
 public:
  InputOperator(std::string what, std::shared_ptr<const Serde<K>> ks,
                std::shared_ptr<const Serde<V>> vs)
      : what_(std::move(what)), ks_(std::move(ks)), vs_(std::move(vs)) {}
  absl::Status Process(int, const Record& r, Emitter& out) override {
    const auto& e = Value<IncomingMessageEnvelope>(r);
    absl::StatusOr<K> k = ks_->Deserialize(e.key().value_or(std::string_view()));
    if (!k.ok()) return Annotate(e, k.status(), "key");
    absl::StatusOr<V> v = vs_->Deserialize(e.message().value_or(std::string_view()));
    if (!v.ok()) return Annotate(e, v.status(), "message");
    return out.Emit(0, MakeRecord(KV<K, V>{std::move(*k), std::move(*v)}, r.event_time));
  }

 private:
  absl::Status Annotate(const IncomingMessageEnvelope& e, const absl::Status& s,
                        const char* what) const {
    return absl::Status(s.code(), what_ + " " + e.system_stream_partition().ToString() +
                                      " offset " + std::to_string(e.offset()) +
                                      ": cannot deserialize " + what + ": " +
                                      std::string(s.message()));
  }
  std::string what_;
  std::shared_ptr<const Serde<K>> ks_;
  std::shared_ptr<const Serde<V>> vs_;
};

// Keeps a table's rows in its store, as bytes (the store's serdes are the stream's).
class TableInputOperator final : public Operator {
 public:
  explicit TableInputOperator(KeyValueStoreBytes* store) : store_(store) {}
  absl::Status Process(int, const Record& r, Emitter&) override {
    const auto& e = Value<IncomingMessageEnvelope>(r);
    std::string_view key = e.key().value_or(std::string_view());
    if (!e.message()) return store_->Delete(key);
    return store_->Put(key, *e.message());
  }

 private:
  KeyValueStoreBytes* store_;
};

template <class K, class V>
int AddTypedInput(Graph* g, const StreamDescriptor& d, EventTimeExtractor extractor,
                  const std::string& op_id) {
  std::string ksn = SerdeOr<K>(d.key_serde), vsn = SerdeOr<V>(d.msg_serde);
  if (ksn.empty() || vsn.empty()) {
    g->Fail(absl::InvalidArgumentError("input " + d.stream.ToString() +
                                       ": no serde named for its key or message type"));
  }
  std::string what = "input " + d.stream.ToString();
  int node = g->AddNode(
      "input", op_id,
      [ksn, vsn, what](Context& c) -> absl::StatusOr<std::unique_ptr<Operator>> {
        auto ks = ResolveTyped<K>(c.config(), ksn, what + " key");
        if (!ks.ok()) return ks.status();
        auto vs = ResolveTyped<V>(c.config(), vsn, what + " message");
        if (!vs.ok()) return vs.status();
        return std::unique_ptr<Operator>(new InputOperator<K, V>(what, *ks, *vs));
      });
  g->AddInput(d.stream, node, std::move(extractor));
  return node;
}

template <class F, class... Args>
using ResultOf = std::decay_t<std::invoke_result_t<F&, Args...>>;

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {
  using Element = T;
};

}  // namespace internal

// An output stream of KV<K, V>, from StreamAppDescriptor::GetOutputStream.
template <class K, class V>
class OutputStream {
 public:
  const StreamDescriptor& descriptor() const { return d_; }

 private:
  template <class M>
  friend class MessageStream;
  friend class StreamAppDescriptor;
  explicit OutputStream(StreamDescriptor d) : d_(std::move(d)) {}
  StreamDescriptor d_;
};

// A table of K → V kept in a store from a compacted input (StreamAppDescriptor::GetTable).
template <class K, class V>
class Table {
 public:
  const TableDescriptor& descriptor() const { return d_; }

 private:
  template <class M>
  friend class MessageStream;
  friend class StreamAppDescriptor;
  explicit Table(TableDescriptor d) : d_(std::move(d)) {}
  TableDescriptor d_;
};

// A stream of M. Copyable handle; every operator returns a new stream (the same stream may feed
// several operators: each gets every message).
template <class M>
class MessageStream {
 public:
  using Message = M;

  // f(const M&) -> R.
  template <class F>
  MessageStream<internal::ResultOf<F, const M&>> Map(F f) const {
    using R = internal::ResultOf<F, const M&>;
    int n = g_->AddNode("map", g_->AutoId("map"), [f](Context&) {
      return absl::StatusOr<std::unique_ptr<internal::Operator>>(
          std::make_unique<Fn>([f](const internal::Record& r, internal::Emitter& out) {
            return out.Emit(0, internal::MakeRecord<R>(f(internal::Value<M>(r)), r.event_time));
          }));
    });
    g_->Connect(node_, port_, n);
    return MessageStream<R>(g_, n, 0, KeySerdeIfSameKey<R>());
  }

  // f(const M&) -> std::vector<R>: zero or more messages per message.
  template <class F>
  MessageStream<typename internal::IsVector<internal::ResultOf<F, const M&>>::Element> FlatMap(
      F f) const {
    using R = typename internal::IsVector<internal::ResultOf<F, const M&>>::Element;
    int n = g_->AddNode("flat_map", g_->AutoId("flat_map"), [f](Context&) {
      return absl::StatusOr<std::unique_ptr<internal::Operator>>(
          std::make_unique<Fn>([f](const internal::Record& r, internal::Emitter& out) {
            std::vector<R> rs = f(internal::Value<M>(r));
            for (R& x : rs) {
              if (absl::Status s = out.Emit(0, internal::MakeRecord<R>(std::move(x), r.event_time));
                  !s.ok()) {
                return s;
              }
            }
            return absl::OkStatus();
          }));
    });
    g_->Connect(node_, port_, n);
    return MessageStream<R>(g_, n, 0, KeySerdeIfSameKey<R>());
  }

  // Keeps the messages for which pred(const M&) is true.
  template <class F>
  MessageStream<M> Filter(F pred) const {
    int n = g_->AddNode("filter", g_->AutoId("filter"), [pred](Context&) {
      return absl::StatusOr<std::unique_ptr<internal::Operator>>(
          std::make_unique<Fn>([pred](const internal::Record& r, internal::Emitter& out) {
            if (!pred(internal::Value<M>(r))) return absl::OkStatus();
            return out.Emit(0, r);
          }));
    });
    g_->Connect(node_, port_, n);
    return MessageStream<M>(g_, n, 0, key_serde_);
  }

  // This stream and `others` as one (order between them is the arrival order).
  MessageStream<M> Merge(const std::vector<MessageStream<M>>& others) const {
    int n = g_->AddNode("merge", g_->AutoId("merge"), [](Context&) {
      return absl::StatusOr<std::unique_ptr<internal::Operator>>(std::make_unique<Fn>(
          [](const internal::Record& r, internal::Emitter& out) { return out.Emit(0, r); }));
    });
    g_->Connect(node_, port_, n);
    for (const auto& o : others) g_->Connect(o.node_, o.port_, n);
    return MessageStream<M>(g_, n, 0, key_serde_);
  }

  // Writes every message (M must be KV<K, V>) to `output`.
  template <class K, class V>
  void SendTo(const OutputStream<K, V>& output) const {
    static_assert(std::is_same_v<M, KV<K, V>>, "SendTo: the stream's type is not KV<K, V>");
    StreamDescriptor d = output.d_;
    std::string ksn = internal::SerdeOr<K>(d.key_serde), vsn = internal::SerdeOr<V>(d.msg_serde);
    std::string what = "output " + d.stream.ToString();
    int n = g_->AddNode("send_to", g_->AutoId("send_to"),
                        [d, ksn, vsn, what](Context& c)
                            -> absl::StatusOr<std::unique_ptr<internal::Operator>> {
                          auto ks = internal::ResolveTyped<K>(c.config(), ksn, what + " key");
                          if (!ks.ok()) return ks.status();
                          auto vs = internal::ResolveTyped<V>(c.config(), vsn, what + " message");
                          if (!vs.ok()) return vs.status();
                          return std::unique_ptr<internal::Operator>(
                              new internal::SendOperator<K, V>(d.stream, *ks, *vs));
                        });
    g_->Connect(node_, port_, n);
  }

  // Repartitions by key_fn(const M&) -> K: every message becomes KV{key_fn(m), value_fn(m)} on
  // the intermediate stream <job.name>-<job.id>-partition_by-<op_id> (on the default system,
  // partitioned by the hash of the key bytes, record timestamp = event time), which this job
  // reads back: the returned stream holds, in each task, the messages of its keys.
  template <class KF, class VF>
  MessageStream<KV<internal::ResultOf<KF, const M&>, internal::ResultOf<VF, const M&>>>
  PartitionBy(KF key_fn, VF value_fn, const std::string& op_id, const std::string& key_serde = "",
              const std::string& msg_serde = "") const {
    using K = internal::ResultOf<KF, const M&>;
    using V = internal::ResultOf<VF, const M&>;
    g_->ClaimId(op_id);
    SystemStream topic(g_->DefaultSystem(),
                       g_->job_name() + "-" + g_->job_id() + "-partition_by-" + op_id);
    StreamDescriptor d{topic, internal::SerdeOr<K>(key_serde), internal::SerdeOr<V>(msg_serde)};
    if (d.key_serde.empty() || d.msg_serde.empty()) {
      g_->Fail(absl::InvalidArgumentError("partition_by " + op_id +
                                          ": no serde named for its key or value type"));
    }
    std::string what = "partition_by " + op_id;
    int n = g_->AddNode(
        "partition_by", op_id,
        [d, key_fn, value_fn, what](Context& c)
            -> absl::StatusOr<std::unique_ptr<internal::Operator>> {
          auto ks = internal::ResolveTyped<K>(c.config(), d.key_serde, what + " key");
          if (!ks.ok()) return ks.status();
          auto vs = internal::ResolveTyped<V>(c.config(), d.msg_serde, what + " value");
          if (!vs.ok()) return vs.status();
          auto send = std::make_shared<internal::SendOperator<K, V>>(d.stream, *ks, *vs);
          return std::unique_ptr<internal::Operator>(
              new Fn([send, key_fn, value_fn](const internal::Record& r, internal::Emitter& out) {
                const M& m = internal::Value<M>(r);
                return send->Process(
                    0, internal::MakeRecord(KV<K, V>{key_fn(m), value_fn(m)}, r.event_time), out);
              }));
        });
    g_->Connect(node_, port_, n);
    g_->AddIntermediate(topic);
    int in = internal::AddTypedInput<K, V>(g_, d, nullptr, op_id + "-input");
    return MessageStream<KV<K, V>>(g_, in, 0, d.key_serde);
  }

  // Keyed aggregate (M = KV<K, V>): per key, acc = fn(acc, value) starting from `init`, kept in
  // the store `op_id` (changelogged); emits KV{key, acc} after every message.
  template <class A, class F>
  MessageStream<KV<typename internal::IsKV<M>::Key, A>> Aggregate(
      const std::string& op_id, A init, F fn, const std::string& acc_serde = "",
      const std::string& key_serde = "") const {
    using K = typename internal::IsKV<M>::Key;
    using V = typename internal::IsKV<M>::Value;
    g_->ClaimId(op_id);
    std::string ksn = KeySerde<K>(key_serde), asn = internal::SerdeOr<A>(acc_serde);
    if (ksn.empty() || asn.empty()) {
      g_->Fail(absl::InvalidArgumentError("aggregate " + op_id +
                                          ": no serde named for its key or accumulator type"));
    }
    g_->AddStore(op_id, ksn, asn);
    int n = g_->AddNode(
        "aggregate", op_id,
        [op_id, init, fn](Context& c) -> absl::StatusOr<std::unique_ptr<internal::Operator>> {
          auto store = c.GetStore<K, A>(op_id);
          if (!store.ok()) return store.status();
          KeyValueStore<K, A>* st = *store;
          return std::unique_ptr<internal::Operator>(
              new Fn([st, init, fn](const internal::Record& r, internal::Emitter& out) {
                const KV<K, V>& kv = internal::Value<KV<K, V>>(r);
                absl::StatusOr<std::optional<A>> old = st->Get(kv.key);
                if (!old.ok()) return old.status();
                A acc = fn(old->has_value() ? std::move(**old) : init, kv.value);
                if (absl::Status s = st->Put(kv.key, acc); !s.ok()) return s;
                return out.Emit(0, internal::MakeRecord(KV<K, A>{kv.key, std::move(acc)},
                                                        r.event_time));
              }));
        });
    g_->Connect(node_, port_, n);
    return MessageStream<KV<K, A>>(g_, n, 0, ksn);
  }

  // Count of messages per key (Aggregate with int64 counts in the store `op_id`).
  MessageStream<KV<typename internal::IsKV<M>::Key, int64_t>> Count(
      const std::string& op_id, const std::string& key_serde = "") const {
    using V = typename internal::IsKV<M>::Value;
    return Aggregate<int64_t>(
        op_id, 0, [](int64_t acc, const V&) { return acc + 1; }, "int64", key_serde);
  }

  // The result of Window: panes, and the late events beyond the allowed lateness.
  template <class A>
  struct Windowed {
    MessageStream<WindowPane<typename internal::IsKV<M>::Key, A>> panes;
    MessageStream<M> late;
  };

  // Windows per key (M = KV<K, V>) with aggregate acc = fn(acc, value) from `init`; session
  // windows also need merge(acc, acc) -> acc. State in the store `op_id` (bytes, changelogged).
  // Time semantics: eddy/stream/windows.h.
  template <class A, class F, class MF = std::nullptr_t>
  Windowed<A> Window(const std::string& op_id, const WindowSpec& spec, A init, F fn,
                     MF merge = nullptr, const std::string& acc_serde = "",
                     const std::string& key_serde = "") const {
    using K = typename internal::IsKV<M>::Key;
    using V = typename internal::IsKV<M>::Value;
    g_->ClaimId(op_id);
    std::string ksn = KeySerde<K>(key_serde), asn = internal::SerdeOr<A>(acc_serde);
    if (ksn.empty() || asn.empty()) {
      g_->Fail(absl::InvalidArgumentError("window " + op_id +
                                          ": no serde named for its key or accumulator type"));
    }
    if constexpr (std::is_same_v<MF, std::nullptr_t>) {
      if (spec.kind == WindowKind::kSession) {
        g_->Fail(absl::InvalidArgumentError("window " + op_id +
                                            ": a session window needs a merge function"));
      }
    }
    if (absl::Status s = CheckSpec(op_id, spec); !s.ok()) g_->Fail(s);
    g_->AddStore(op_id, "bytes", "bytes");
    internal::WindowSpecData sd{static_cast<int>(spec.kind), spec.size_ms,
                                spec.advance_ms,            spec.gap_ms,
                                spec.count,                 spec.allowed_lateness_ms,
                                static_cast<int>(spec.trigger)};
    int n = g_->AddNode(
        "window", op_id,
        [op_id, sd, ksn, asn, init, fn, merge](
            Context& c) -> absl::StatusOr<std::unique_ptr<internal::Operator>> {
          auto ks = internal::ResolveTyped<K>(c.config(), ksn, "window " + op_id + " key");
          if (!ks.ok()) return ks.status();
          auto as = internal::ResolveTyped<A>(c.config(), asn, "window " + op_id + " accumulator");
          if (!as.ok()) return as.status();
          std::shared_ptr<const Serde<K>> kser = *ks;
          std::shared_ptr<const Serde<A>> aser = *as;
          internal::WindowFunctions wf;
          wf.key_bytes = [kser](const internal::Record& r, std::string* out) {
            return kser->Serialize(internal::Value<KV<K, V>>(r).key, out);
          };
          wf.add = [aser, init, fn](const std::string* acc, const internal::Record& r,
                                    std::string* out) -> absl::Status {
            A a = init;
            if (acc != nullptr) {
              absl::StatusOr<A> d = aser->Deserialize(*acc);
              if (!d.ok()) return d.status();
              a = std::move(*d);
            }
            A next = fn(std::move(a), internal::Value<KV<K, V>>(r).value);
            return aser->Serialize(next, out);
          };
          if constexpr (!std::is_same_v<MF, std::nullptr_t>) {
            wf.merge = [aser, merge](const std::string& a, const std::string& b,
                                     std::string* out) -> absl::Status {
              absl::StatusOr<A> x = aser->Deserialize(a);
              if (!x.ok()) return x.status();
              absl::StatusOr<A> y = aser->Deserialize(b);
              if (!y.ok()) return y.status();
              return aser->Serialize(merge(std::move(*x), std::move(*y)), out);
            };
          }
          wf.make_pane = [kser, aser](std::string_view key, const std::string& acc,
                                      const internal::WindowFunctions::PaneInfo& info)
              -> absl::StatusOr<internal::Record> {
            absl::StatusOr<K> k = kser->Deserialize(key);
            if (!k.ok()) return k.status();
            absl::StatusOr<A> a = aser->Deserialize(acc);
            if (!a.ok()) return a.status();
            WindowPane<K, A> p{std::move(*k), info.start, info.end, std::move(*a),
                               info.count,    info.max_event_time, info.sequence,
                               static_cast<PaneKind>(info.kind)};
            return internal::MakeRecord(std::move(p), info.max_event_time);
          };
          return internal::NewWindowOperator(c, op_id, sd, std::move(wf));
        },
        2);
    g_->Connect(node_, port_, n);
    return Windowed<A>{MessageStream<WindowPane<K, A>>(g_, n, 0, ksn),
                       MessageStream<M>(g_, n, 1, key_serde_)};
  }

  // Stream-table join (M = KV<K, V>): fn(const KV<K, V>&, const std::optional<TV>&) -> R with the
  // table's current row for the key (nullopt when absent: a left join; filter afterwards for an
  // inner one).
  template <class TV, class F>
  MessageStream<internal::ResultOf<F, const M&, const std::optional<TV>&>> Join(
      const Table<typename internal::IsKV<M>::Key, TV>& table, F fn) const {
    using K = typename internal::IsKV<M>::Key;
    using V = typename internal::IsKV<M>::Value;
    using R = internal::ResultOf<F, const M&, const std::optional<TV>&>;
    TableDescriptor td = table.d_;
    std::string ksn = internal::SerdeOr<K>(td.input.key_serde);
    std::string vsn = internal::SerdeOr<TV>(td.input.msg_serde);
    int n = g_->AddNode(
        "join_table", g_->AutoId("join_table"),
        [td, ksn, vsn, fn](Context& c) -> absl::StatusOr<std::unique_ptr<internal::Operator>> {
          auto st = internal::OpenStore(c, td.store);
          if (!st.ok()) return st.status();
          auto ks = internal::ResolveTyped<K>(c.config(), ksn, "table " + td.store + " key");
          if (!ks.ok()) return ks.status();
          auto vs = internal::ResolveTyped<TV>(c.config(), vsn, "table " + td.store + " value");
          if (!vs.ok()) return vs.status();
          KeyValueStoreBytes* store = *st;
          std::shared_ptr<const Serde<K>> kser = *ks;
          std::shared_ptr<const Serde<TV>> vser = *vs;
          return std::unique_ptr<internal::Operator>(new Fn(
              [store, kser, vser, fn, td](const internal::Record& r,
                                          internal::Emitter& out) -> absl::Status {
                const KV<K, V>& kv = internal::Value<KV<K, V>>(r);
                std::string k;
                if (absl::Status s = kser->Serialize(kv.key, &k); !s.ok()) return s;
                absl::StatusOr<std::optional<std::string>> row = store->Get(k);
                if (!row.ok()) return row.status();
                std::optional<TV> tv;
                if (row->has_value()) {
                  absl::StatusOr<TV> d = vser->Deserialize(**row);
                  if (!d.ok()) {
                    return absl::Status(d.status().code(), "table " + td.store +
                                                               ": cannot deserialize row: " +
                                                               std::string(d.status().message()));
                  }
                  tv = std::move(*d);
                }
                return out.Emit(0, internal::MakeRecord<R>(fn(kv, tv), r.event_time));
              }));
        });
    g_->Connect(node_, port_, n);
    return MessageStream<R>(g_, n, 0, "");
  }

  // Stream-stream join (M = KV<K, V>, other = KV<K, V2>): for every pair of messages with the same
  // key whose event times are at most `window_ms` apart, fn(const K&, const V&, const V2&) -> R,
  // emitted when the second of the two arrives (event time = the later one). Both sides are kept
  // in the stores <op_id>-left / <op_id>-right (changelogged) until the watermark passes their
  // event time + window_ms; a message arriving after that is dropped and counted
  // (stream.<op_id> late-events-dropped). Values are stored with the serdes given (or defaults).
  template <class V2, class F>
  MessageStream<internal::ResultOf<F, const typename internal::IsKV<M>::Key&,
                                   const typename internal::IsKV<M>::Value&, const V2&>>
  Join(const MessageStream<KV<typename internal::IsKV<M>::Key, V2>>& other, F fn,
       int64_t window_ms, const std::string& op_id, const std::string& key_serde = "",
       const std::string& left_serde = "", const std::string& right_serde = "") const {
    using K = typename internal::IsKV<M>::Key;
    using V = typename internal::IsKV<M>::Value;
    using R = internal::ResultOf<F, const K&, const V&, const V2&>;
    g_->ClaimId(op_id);
    std::string ksn = KeySerde<K>(key_serde);
    std::string lsn = internal::SerdeOr<V>(left_serde), rsn = internal::SerdeOr<V2>(right_serde);
    if (ksn.empty() || lsn.empty() || rsn.empty()) {
      g_->Fail(absl::InvalidArgumentError("join " + op_id +
                                          ": no serde named for its key or value types"));
    }
    g_->AddStore(internal::JoinStoreName(op_id, 0), "bytes", "bytes");
    g_->AddStore(internal::JoinStoreName(op_id, 1), "bytes", "bytes");
    int n = g_->AddNode(
        "join_stream", op_id,
        [op_id, window_ms, ksn, lsn, rsn, fn](
            Context& c) -> absl::StatusOr<std::unique_ptr<internal::Operator>> {
          std::string what = "join " + op_id;
          auto ks = internal::ResolveTyped<K>(c.config(), ksn, what + " key");
          if (!ks.ok()) return ks.status();
          auto ls = internal::ResolveTyped<V>(c.config(), lsn, what + " left value");
          if (!ls.ok()) return ls.status();
          auto rs = internal::ResolveTyped<V2>(c.config(), rsn, what + " right value");
          if (!rs.ok()) return rs.status();
          std::shared_ptr<const Serde<K>> kser = *ks;
          std::shared_ptr<const Serde<V>> lser = *ls;
          std::shared_ptr<const Serde<V2>> rser = *rs;
          internal::JoinFunctions jf;
          jf.key_bytes = [kser](const internal::Record& r, std::string* out) {
            return kser->Serialize(internal::Value<KV<K, V>>(r).key, out);
          };
          jf.value_bytes = [lser, rser](int side, const internal::Record& r, std::string* out) {
            if (side == 0) return lser->Serialize(internal::Value<KV<K, V>>(r).value, out);
            return rser->Serialize(internal::Value<KV<K, V2>>(r).value, out);
          };
          jf.join = [kser, lser, rser, fn](std::string_view key, std::string_view l,
                                           std::string_view r,
                                           int64_t ts) -> absl::StatusOr<internal::Record> {
            absl::StatusOr<K> k = kser->Deserialize(key);
            if (!k.ok()) return k.status();
            absl::StatusOr<V> lv = lser->Deserialize(l);
            if (!lv.ok()) return lv.status();
            absl::StatusOr<V2> rv = rser->Deserialize(r);
            if (!rv.ok()) return rv.status();
            return internal::MakeRecord<R>(fn(*k, *lv, *rv), ts);
          };
          return internal::NewStreamJoinOperator(c, op_id, window_ms, std::move(jf));
        },
        2);
    g_->Connect(node_, port_, n, 0);
    g_->Connect(other.node_, other.port_, n, 1);
    return MessageStream<R>(g_, n, 0, "");
  }

 private:
  template <class T>
  friend class MessageStream;
  friend class StreamAppDescriptor;

  MessageStream(internal::Graph* g, int node, int port, std::string key_serde)
      : g_(g), node_(node), port_(port), key_serde_(std::move(key_serde)) {}

  // A function operator: f(record, emitter).
  class Fn final : public internal::Operator {
   public:
    using Body = std::function<absl::Status(const internal::Record&, internal::Emitter&)>;
    explicit Fn(Body body) : body_(std::move(body)) {}
    absl::Status Process(int, const internal::Record& r, internal::Emitter& out) override {
      return body_(r, out);
    }

   private:
    Body body_;
  };

  // The key serde of this stream's messages when known (from its input), else the type default.
  template <class K>
  std::string KeySerde(const std::string& given) const {
    if (!given.empty()) return given;
    if (!key_serde_.empty()) return key_serde_;
    return internal::DefaultSerdeName<K>();
  }
  // A Map keeping the key type keeps nothing known about the key's serde (the key may change),
  // except by type default.
  template <class R>
  std::string KeySerdeIfSameKey() const {
    return "";
  }
  static absl::Status CheckSpec(const std::string& op_id, const WindowSpec& w) {
    auto bad = [&](const std::string& what) {
      return absl::InvalidArgumentError("window " + op_id + ": " + what);
    };
    if (w.allowed_lateness_ms < 0) return bad("allowed lateness must be >= 0");
    switch (w.kind) {
      case WindowKind::kTumbling:
      case WindowKind::kHopping:
        if (w.size_ms <= 0 || w.advance_ms <= 0) return bad("size and advance must be > 0");
        if (w.advance_ms > w.size_ms) return bad("advance must be <= size");
        if (w.size_ms / w.advance_ms > 1000) return bad("size / advance must be <= 1000");
        break;
      case WindowKind::kSession:
        if (w.gap_ms <= 0) return bad("gap must be > 0");
        break;
      case WindowKind::kCount:
        if (w.count <= 0) return bad("count must be > 0");
        break;
    }
    return absl::OkStatus();
  }

  internal::Graph* g_;
  int node_;
  int port_;
  std::string key_serde_;
};

}  // namespace eddy::stream
