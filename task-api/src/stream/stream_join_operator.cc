// The stream-stream join of the stream API (MessageStream::Join(other, fn, window, id)): both
// sides kept in stores until the watermark passes their event time + window; every pair with
// the same key and event times at most `window` apart is joined when its second message comes.
//
// Store key (both sides): u32 key length, key bytes, ordered i64 event time, ordered i64 input
// offset, u32 input partition, u32 sequence (unique per input message, and the same when the
// message is processed again after a restart). Value: the side's value bytes.
#include <set>

#include "absl/strings/str_cat.h"
#include "eddy/stream/internal/graph.h"
#include "state_codec.h"

namespace eddy::stream::internal {
namespace {

class StreamJoinOperator final : public Operator {
 public:
  StreamJoinOperator(Context& c, std::string op_id, int64_t window_ms, JoinFunctions fns,
                     KeyValueStoreBytes* left, KeyValueStoreBytes* right)
      : op_id_(std::move(op_id)),
        window_ms_(window_ms),
        fns_(std::move(fns)),
        stores_{left, right},
        dropped_(OperatorCounter(c, op_id_, "late-events-dropped")),
        joined_(OperatorCounter(c, op_id_, "joined")) {}

  absl::Status Load() {
    for (int side = 0; side < 2; ++side) {
      auto it = stores_[side]->All();
      if (!it.ok()) return it.status();
      for (; (*it)->Valid(); (*it)->Next()) {
        std::string_view k = (*it)->key();
        if (k.size() < 4 || k.size() < 4 + GetU32(k) + 24) {
          (*it)->Close();
          return absl::DataLossError(absl::StrCat("join ", op_id_, ": store ",
                                                  stores_[side]->name(), ": malformed key"));
        }
        int64_t ts = GetOrderedI64(k.substr(4 + GetU32(k)));
        purge_[side].emplace(ts + window_ms_, std::string(k));
      }
      absl::Status s = (*it)->status();
      (*it)->Close();
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status Process(int side, const Record& r, Emitter& out) override {
    int64_t ts = r.event_time, wm = out.watermark();
    if (wm != kNoWatermark && ts + window_ms_ < wm) {
      dropped_.Inc();
      return out.Emit(1, r);
    }
    if (absl::Status s = fns_.key_bytes(r, &key_); !s.ok()) return s;
    if (absl::Status s = fns_.value_bytes(side, r, &value_); !s.ok()) return s;
    prefix_.clear();
    PutU32(&prefix_, static_cast<uint32_t>(key_.size()));
    prefix_.append(key_);
    std::string skey = prefix_;
    PutOrderedI64(&skey, ts);
    PutOrderedI64(&skey, out.input_offset());
    PutU32(&skey, static_cast<uint32_t>(out.input_partition()));
    PutU32(&skey, out.NextSequence());
    if (absl::Status s = stores_[side]->Put(skey, value_); !s.ok()) return s;
    purge_[side].emplace(ts + window_ms_, skey);
    // Every match of the other side, in its event-time order.
    std::vector<std::pair<int64_t, std::string>> matches;
    {
      auto it = stores_[1 - side]->PrefixScan(prefix_);
      if (!it.ok()) return it.status();
      for (; (*it)->Valid(); (*it)->Next()) {
        int64_t ts2 = GetOrderedI64((*it)->key().substr(prefix_.size()));
        if (ts2 >= ts - window_ms_ && ts2 <= ts + window_ms_) {
          matches.emplace_back(ts2, std::string((*it)->value()));
        }
      }
      absl::Status s = (*it)->status();
      (*it)->Close();
      if (!s.ok()) return s;
    }
    for (const auto& [ts2, other] : matches) {
      std::string_view l = side == 0 ? std::string_view(value_) : std::string_view(other);
      std::string_view rv = side == 0 ? std::string_view(other) : std::string_view(value_);
      absl::StatusOr<Record> j = fns_.join(key_, l, rv, std::max(ts, ts2));
      if (!j.ok()) {
        return absl::Status(j.status().code(),
                            absl::StrCat("join ", op_id_, ": ", j.status().message()));
      }
      joined_.Inc();
      if (absl::Status s = out.Emit(0, *j); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status OnWatermark(int64_t wm, Emitter&) override {
    for (int side = 0; side < 2; ++side) {
      auto& p = purge_[side];
      while (!p.empty() && p.begin()->first < wm) {
        if (absl::Status s = stores_[side]->Delete(p.begin()->second); !s.ok()) return s;
        p.erase(p.begin());
      }
    }
    return absl::OkStatus();
  }

 private:
  std::string op_id_;
  int64_t window_ms_;
  JoinFunctions fns_;
  KeyValueStoreBytes* stores_[2];
  Counter& dropped_;
  Counter& joined_;
  std::set<std::pair<int64_t, std::string>> purge_[2];
  std::string key_, value_, prefix_;
};

}  // namespace

std::string JoinStoreName(const std::string& op_id, int side) {
  return op_id + (side == 0 ? "-left" : "-right");
}

absl::StatusOr<std::unique_ptr<Operator>> NewStreamJoinOperator(Context& context,
                                                                const std::string& op_id,
                                                                int64_t window_ms,
                                                                JoinFunctions fns) {
  auto left = OpenStore(context, JoinStoreName(op_id, 0));
  if (!left.ok()) return left.status();
  auto right = OpenStore(context, JoinStoreName(op_id, 1));
  if (!right.ok()) return right.status();
  auto op = std::make_unique<StreamJoinOperator>(context, op_id, window_ms, std::move(fns), *left,
                                                 *right);
  if (absl::Status s = op->Load(); !s.ok()) return s;
  return std::unique_ptr<Operator>(std::move(op));
}

}  // namespace eddy::stream::internal
