#include "log-store/kafka/kafka_requests.h"

#include "absl/strings/str_cat.h"

namespace eddy::kafka {
namespace {

std::string Str(std::string_view s) { return std::string(s); }

std::optional<std::string> OptStr(const std::optional<std::string_view>& s) {
  if (!s) return std::nullopt;
  return std::string(*s);
}

absl::Status Done(const Reader& r, const char* api, int16_t v) {
  if (r.ok()) return absl::OkStatus();
  return r.status(absl::StrCat(api, " v", v, " request"));
}

}  // namespace

absl::StatusOr<MetadataRequest> ParseMetadata(Reader& r, int16_t v) {
  MetadataRequest q;
  const bool flexible = v >= 9;
  // Smallest topic entry: classic int16 length; flexible uvarint length + tagged fields; v10+
  // a 16-byte id before the name.
  const size_t min_topic = v >= 10 ? 18 : 2;
  int32_t n = flexible ? r.CompactArrayCount(min_topic) : r.ArrayCount(min_topic);
  if (n >= 0) {
    std::vector<std::string> topics;
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      if (v >= 10) q.topic_ids.emplace_back(r.Raw(16));
      if (v >= 10) {
        topics.push_back(Str(r.CompactNullableString().value_or("")));
      } else {
        topics.push_back(Str(flexible ? r.CompactString() : r.String()));
      }
      if (flexible) r.SkipTaggedFields();
    }
    // v0: an empty list means every topic.
    if (!(v == 0 && topics.empty())) q.topics = std::move(topics);
  }
  if (v >= 4) q.allow_auto_create = r.Bool();
  if (v >= 8 && v <= 10) q.include_cluster_authorized_operations = r.Bool();
  if (v >= 8) q.include_topic_authorized_operations = r.Bool();
  if (flexible) r.SkipTaggedFields();
  if (auto s = Done(r, "Metadata", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<ProduceRequest> ParseProduce(Reader& r, int16_t v) {
  ProduceRequest q;
  if (v >= 3) {
    auto t = r.NullableString();
    if (t) q.transactional_id = Str(*t);
  }
  q.acks = r.Int16();
  q.timeout_ms = r.Int32();
  int32_t nt = r.ArrayCount(6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    ProduceRequest::Topic t;
    t.name = Str(r.String());
    int32_t np = r.ArrayCount(8);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      ProduceRequest::Partition p;
      p.index = r.Int32();
      p.records = r.NullableBytes();
      t.partitions.push_back(p);
    }
    q.topics.push_back(std::move(t));
  }
  if (auto s = Done(r, "Produce", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<FetchRequest> ParseFetch(Reader& r, int16_t v) {
  FetchRequest q;
  r.Int32();  // replica_id
  q.max_wait_ms = r.Int32();
  q.min_bytes = r.Int32();
  if (v >= 3) q.max_bytes = r.Int32();
  if (v >= 4) q.isolation_level = r.Int8();
  if (v >= 7) {
    q.session_id = r.Int32();
    q.session_epoch = r.Int32();
  }
  int32_t nt = r.ArrayCount(6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    FetchRequest::Topic t;
    t.name = Str(r.String());
    int32_t np = r.ArrayCount(16);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      FetchRequest::Partition p;
      p.index = r.Int32();
      if (v >= 9) r.Int32();  // current_leader_epoch
      p.fetch_offset = r.Int64();
      if (v >= 5) p.log_start_offset = r.Int64();
      p.max_bytes = r.Int32();
      t.partitions.push_back(p);
    }
    q.topics.push_back(std::move(t));
  }
  if (v >= 7) {
    int32_t nf = r.ArrayCount(6);
    for (int32_t i = 0; i < nf && r.ok(); ++i) {
      r.String();
      int32_t np = r.ArrayCount(4);
      for (int32_t j = 0; j < np && r.ok(); ++j) r.Int32();
    }
  }
  if (v >= 11) r.String();  // rack_id
  if (auto s = Done(r, "Fetch", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<ListOffsetsRequest> ParseListOffsets(Reader& r, int16_t v) {
  ListOffsetsRequest q;
  r.Int32();  // replica_id
  if (v >= 2) q.isolation_level = r.Int8();
  int32_t nt = r.ArrayCount(6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    ListOffsetsRequest::Topic t;
    t.name = Str(r.String());
    int32_t np = r.ArrayCount(12);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      ListOffsetsRequest::Partition p;
      p.index = r.Int32();
      p.timestamp = r.Int64();
      if (v == 0) p.max_num_offsets = r.Int32();
      t.partitions.push_back(p);
    }
    q.topics.push_back(std::move(t));
  }
  if (auto s = Done(r, "ListOffsets", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<FindCoordinatorRequest> ParseFindCoordinator(Reader& r, int16_t v) {
  FindCoordinatorRequest q;
  q.key = Str(r.String());
  if (v >= 1) q.key_type = r.Int8();
  if (auto s = Done(r, "FindCoordinator", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<JoinGroupRequest> ParseJoinGroup(Reader& r, int16_t v) {
  JoinGroupRequest q;
  q.group_id = Str(r.String());
  q.session_timeout_ms = r.Int32();
  q.rebalance_timeout_ms = v >= 1 ? r.Int32() : q.session_timeout_ms;
  q.member_id = Str(r.String());
  if (v >= 5) {
    auto id = r.NullableString();
    if (id) q.group_instance_id = Str(*id);
  }
  q.protocol_type = Str(r.String());
  int32_t n = r.ArrayCount(6);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    std::string name = Str(r.String());
    std::string meta = Str(r.Bytes());
    q.protocols.emplace_back(std::move(name), std::move(meta));
  }
  if (auto s = Done(r, "JoinGroup", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<SyncGroupRequest> ParseSyncGroup(Reader& r, int16_t v) {
  SyncGroupRequest q;
  q.group_id = Str(r.String());
  q.generation_id = r.Int32();
  q.member_id = Str(r.String());
  if (v >= 3) q.group_instance_id = OptStr(r.NullableString());
  int32_t n = r.ArrayCount(6);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    std::string member = Str(r.String());
    std::string assignment = Str(r.Bytes());
    q.assignments.emplace_back(std::move(member), std::move(assignment));
  }
  if (auto s = Done(r, "SyncGroup", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<HeartbeatRequest> ParseHeartbeat(Reader& r, int16_t v) {
  HeartbeatRequest q;
  q.group_id = Str(r.String());
  q.generation_id = r.Int32();
  q.member_id = Str(r.String());
  if (v >= 3) q.group_instance_id = OptStr(r.NullableString());
  if (auto s = Done(r, "Heartbeat", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<LeaveGroupRequest> ParseLeaveGroup(Reader& r, int16_t v) {
  LeaveGroupRequest q;
  q.group_id = Str(r.String());
  if (v >= 3) {
    int32_t n = r.ArrayCount(4);
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      LeaveGroupRequest::Member m;
      m.member_id = Str(r.String());
      m.group_instance_id = OptStr(r.NullableString());
      q.members.push_back(std::move(m));
    }
  } else {
    q.members.push_back({Str(r.String()), std::nullopt});
  }
  if (auto s = Done(r, "LeaveGroup", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<DescribeGroupsRequest> ParseDescribeGroups(Reader& r, int16_t v) {
  DescribeGroupsRequest q;
  int32_t n = r.ArrayCount(2);
  for (int32_t i = 0; i < n && r.ok(); ++i) q.groups.push_back(Str(r.String()));
  if (v >= 3) q.include_authorized_operations = r.Bool();
  if (auto s = Done(r, "DescribeGroups", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<ListGroupsRequest> ParseListGroups(Reader& r, int16_t v) {
  ListGroupsRequest q;
  if (v >= 4) {
    int32_t n = r.CompactArrayCount(1);
    for (int32_t i = 0; i < n && r.ok(); ++i) q.states_filter.push_back(Str(r.CompactString()));
  }
  if (v >= 3) r.SkipTaggedFields();
  if (auto s = Done(r, "ListGroups", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<DeleteGroupsRequest> ParseDeleteGroups(Reader& r, int16_t v) {
  DeleteGroupsRequest q;
  int32_t n = r.ArrayCount(2);
  for (int32_t i = 0; i < n && r.ok(); ++i) q.groups.push_back(Str(r.String()));
  if (auto s = Done(r, "DeleteGroups", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<OffsetDeleteRequest> ParseOffsetDelete(Reader& r, int16_t v) {
  OffsetDeleteRequest q;
  q.group_id = Str(r.String());
  int32_t nt = r.ArrayCount(6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    OffsetDeleteRequest::Topic t;
    t.name = Str(r.String());
    int32_t np = r.ArrayCount(4);
    for (int32_t j = 0; j < np && r.ok(); ++j) t.partitions.push_back(r.Int32());
    q.topics.push_back(std::move(t));
  }
  if (auto s = Done(r, "OffsetDelete", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<OffsetCommitRequest> ParseOffsetCommit(Reader& r, int16_t v) {
  OffsetCommitRequest q;
  q.group_id = Str(r.String());
  if (v >= 1) {
    q.generation_id = r.Int32();
    q.member_id = Str(r.String());
  }
  if (v >= 7) q.group_instance_id = OptStr(r.NullableString());
  if (v >= 2 && v <= 4) r.Int64();  // retention_time_ms
  int32_t nt = r.ArrayCount(6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    OffsetCommitRequest::Topic t;
    t.name = Str(r.String());
    int32_t np = r.ArrayCount(14);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      OffsetCommitRequest::Partition p;
      p.index = r.Int32();
      p.offset = r.Int64();
      if (v >= 6) r.Int32();  // committed_leader_epoch
      if (v == 1) r.Int64();  // commit_timestamp
      p.metadata = Str(r.NullableString().value_or(""));
      t.partitions.push_back(std::move(p));
    }
    q.topics.push_back(std::move(t));
  }
  if (auto s = Done(r, "OffsetCommit", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<OffsetFetchRequest> ParseOffsetFetch(Reader& r, int16_t v) {
  OffsetFetchRequest q;
  q.group_id = Str(r.String());
  int32_t nt = r.ArrayCount(6);
  if (nt >= 0 || v < 2) {
    std::vector<OffsetFetchRequest::Topic> topics;
    for (int32_t i = 0; i < nt && r.ok(); ++i) {
      OffsetFetchRequest::Topic t;
      t.name = Str(r.String());
      int32_t np = r.ArrayCount(4);
      for (int32_t j = 0; j < np && r.ok(); ++j) t.partitions.push_back(r.Int32());
      topics.push_back(std::move(t));
    }
    q.topics = std::move(topics);
  }
  if (auto s = Done(r, "OffsetFetch", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<CreateTopicsRequest> ParseCreateTopics(Reader& r, int16_t v) {
  CreateTopicsRequest q;
  int32_t nt = r.ArrayCount(16);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    CreateTopicsRequest::Topic t;
    t.name = Str(r.String());
    t.num_partitions = r.Int32();
    t.replication_factor = r.Int16();
    int32_t na = r.ArrayCount(8);
    for (int32_t j = 0; j < na && r.ok(); ++j) {
      CreateTopicsRequest::Assignment a;
      a.partition_index = r.Int32();
      int32_t nb = r.ArrayCount(4);
      for (int32_t k = 0; k < nb && r.ok(); ++k) a.broker_ids.push_back(r.Int32());
      t.assignments.push_back(std::move(a));
    }
    int32_t nc = r.ArrayCount(4);
    for (int32_t j = 0; j < nc && r.ok(); ++j) {
      std::string name = Str(r.String());
      auto value = r.NullableString();
      std::optional<std::string> val;
      if (value) val = Str(*value);
      t.configs.emplace_back(std::move(name), std::move(val));
    }
    q.topics.push_back(std::move(t));
  }
  q.timeout_ms = r.Int32();
  if (v >= 1) q.validate_only = r.Bool();
  if (auto s = Done(r, "CreateTopics", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<InitProducerIdRequest> ParseInitProducerId(Reader& r, int16_t v) {
  InitProducerIdRequest q;
  const bool flex = v >= 2;
  auto t = flex ? r.CompactNullableString() : r.NullableString();
  if (t) q.transactional_id = Str(*t);
  q.transaction_timeout_ms = r.Int32();
  if (v >= 3) {
    q.producer_id = r.Int64();
    q.producer_epoch = r.Int16();
  }
  if (flex) r.SkipTaggedFields();
  if (auto s = Done(r, "InitProducerId", v); !s.ok()) return s;
  return q;
}

namespace {

// The STRING / COMPACT_STRING pair of the transaction APIs (flexible from `flex`).
std::string TxnStr(Reader& r, bool flex) { return Str(flex ? r.CompactString() : r.String()); }
std::optional<std::string> TxnNullableStr(Reader& r, bool flex) {
  return OptStr(flex ? r.CompactNullableString() : r.NullableString());
}
int32_t TxnArray(Reader& r, bool flex, size_t min_elem) {
  return flex ? r.CompactArrayCount(min_elem) : r.ArrayCount(min_elem);
}

}  // namespace

absl::StatusOr<AddPartitionsToTxnRequest> ParseAddPartitionsToTxn(Reader& r, int16_t v) {
  AddPartitionsToTxnRequest q;
  const bool flex = v >= 3;
  q.transactional_id = TxnStr(r, flex);
  q.producer_id = r.Int64();
  q.producer_epoch = r.Int16();
  int32_t nt = TxnArray(r, flex, flex ? 3 : 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    AddPartitionsToTxnRequest::Topic t;
    t.name = TxnStr(r, flex);
    int32_t np = TxnArray(r, flex, 4);
    for (int32_t j = 0; j < np && r.ok(); ++j) t.partitions.push_back(r.Int32());
    if (flex) r.SkipTaggedFields();
    q.topics.push_back(std::move(t));
  }
  if (flex) r.SkipTaggedFields();
  if (auto s = Done(r, "AddPartitionsToTxn", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<AddOffsetsToTxnRequest> ParseAddOffsetsToTxn(Reader& r, int16_t v) {
  AddOffsetsToTxnRequest q;
  const bool flex = v >= 3;
  q.transactional_id = TxnStr(r, flex);
  q.producer_id = r.Int64();
  q.producer_epoch = r.Int16();
  q.group_id = TxnStr(r, flex);
  if (flex) r.SkipTaggedFields();
  if (auto s = Done(r, "AddOffsetsToTxn", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<EndTxnRequest> ParseEndTxn(Reader& r, int16_t v) {
  EndTxnRequest q;
  const bool flex = v >= 3;
  q.transactional_id = TxnStr(r, flex);
  q.producer_id = r.Int64();
  q.producer_epoch = r.Int16();
  q.committed = r.Bool();
  if (flex) r.SkipTaggedFields();
  if (auto s = Done(r, "EndTxn", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<TxnOffsetCommitRequest> ParseTxnOffsetCommit(Reader& r, int16_t v) {
  TxnOffsetCommitRequest q;
  const bool flex = v >= 3;
  q.transactional_id = TxnStr(r, flex);
  q.group_id = TxnStr(r, flex);
  q.producer_id = r.Int64();
  q.producer_epoch = r.Int16();
  if (v >= 3) {
    q.generation_id = r.Int32();
    q.member_id = TxnStr(r, flex);
    q.group_instance_id = TxnNullableStr(r, flex);
  }
  int32_t nt = TxnArray(r, flex, flex ? 3 : 6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    TxnOffsetCommitRequest::Topic t;
    t.name = TxnStr(r, flex);
    int32_t np = TxnArray(r, flex, 13);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      TxnOffsetCommitRequest::Partition p;
      p.index = r.Int32();
      p.offset = r.Int64();
      if (v >= 2) p.leader_epoch = r.Int32();
      p.metadata = TxnNullableStr(r, flex);
      if (flex) r.SkipTaggedFields();
      t.partitions.push_back(std::move(p));
    }
    if (flex) r.SkipTaggedFields();
    q.topics.push_back(std::move(t));
  }
  if (flex) r.SkipTaggedFields();
  if (auto s = Done(r, "TxnOffsetCommit", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<DeleteTopicsRequest> ParseDeleteTopics(Reader& r, int16_t v) {
  DeleteTopicsRequest q;
  int32_t n = r.ArrayCount(2);
  for (int32_t i = 0; i < n && r.ok(); ++i) q.topics.push_back(Str(r.String()));
  q.timeout_ms = r.Int32();
  if (auto s = Done(r, "DeleteTopics", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<CreatePartitionsRequest> ParseCreatePartitions(Reader& r, int16_t v) {
  CreatePartitionsRequest q;
  int32_t nt = r.ArrayCount(10);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    CreatePartitionsRequest::Topic t;
    t.name = Str(r.String());
    t.count = r.Int32();
    int32_t na = r.ArrayCount(4);
    if (na >= 0) {
      t.assignments.emplace();
      for (int32_t j = 0; j < na && r.ok(); ++j) {
        std::vector<int32_t> brokers;
        int32_t nb = r.ArrayCount(4);
        for (int32_t k = 0; k < nb && r.ok(); ++k) brokers.push_back(r.Int32());
        t.assignments->push_back(std::move(brokers));
      }
    }
    q.topics.push_back(std::move(t));
  }
  q.timeout_ms = r.Int32();
  q.validate_only = r.Bool();
  if (auto s = Done(r, "CreatePartitions", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<DeleteRecordsRequest> ParseDeleteRecords(Reader& r, int16_t v) {
  DeleteRecordsRequest q;
  int32_t nt = r.ArrayCount(6);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    DeleteRecordsRequest::Topic t;
    t.name = Str(r.String());
    int32_t np = r.ArrayCount(12);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      DeleteRecordsRequest::Partition p;
      p.index = r.Int32();
      p.offset = r.Int64();
      t.partitions.push_back(p);
    }
    q.topics.push_back(std::move(t));
  }
  q.timeout_ms = r.Int32();
  if (auto s = Done(r, "DeleteRecords", v); !s.ok()) return s;
  return q;
}

absl::StatusOr<DescribeConfigsRequest> ParseDescribeConfigs(Reader& r, int16_t v) {
  DescribeConfigsRequest q;
  int32_t n = r.ArrayCount(7);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    DescribeConfigsRequest::Resource res;
    res.type = r.Int8();
    res.name = Str(r.String());
    int32_t nk = r.ArrayCount(2);
    if (nk >= 0) {
      res.keys.emplace();
      for (int32_t j = 0; j < nk && r.ok(); ++j) res.keys->push_back(Str(r.String()));
    }
    q.resources.push_back(std::move(res));
  }
  if (v >= 1) q.include_synonyms = r.Bool();
  if (auto s = Done(r, "DescribeConfigs", v); !s.ok()) return s;
  return q;
}

namespace {

// AlterConfigs and IncrementalAlterConfigs differ only by the operation byte of each entry.
absl::StatusOr<AlterConfigsRequest> ParseAlterConfigsBody(Reader& r, int16_t v, bool incremental,
                                                          const char* what) {
  AlterConfigsRequest q;
  int32_t n = r.ArrayCount(7);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    AlterConfigsRequest::Resource res;
    res.type = r.Int8();
    res.name = Str(r.String());
    int32_t ne = r.ArrayCount(incremental ? 5 : 4);
    for (int32_t j = 0; j < ne && r.ok(); ++j) {
      AlterConfigsRequest::Entry e;
      e.name = Str(r.String());
      if (incremental) e.op = static_cast<AlterConfigsRequest::Op>(r.Int8());
      auto value = r.NullableString();
      if (value) e.value = Str(*value);
      res.entries.push_back(std::move(e));
    }
    q.resources.push_back(std::move(res));
  }
  q.validate_only = r.Bool();
  if (auto s = Done(r, what, v); !s.ok()) return s;
  return q;
}

}  // namespace

absl::StatusOr<AlterConfigsRequest> ParseAlterConfigs(Reader& r, int16_t v) {
  return ParseAlterConfigsBody(r, v, false, "AlterConfigs");
}

absl::StatusOr<AlterConfigsRequest> ParseIncrementalAlterConfigs(Reader& r, int16_t v) {
  return ParseAlterConfigsBody(r, v, true, "IncrementalAlterConfigs");
}

absl::StatusOr<DescribeClusterRequest> ParseDescribeCluster(Reader& r, int16_t v) {
  DescribeClusterRequest q;
  q.include_cluster_authorized_operations = r.Bool();
  r.SkipTaggedFields();
  if (auto s = Done(r, "DescribeCluster", v); !s.ok()) return s;
  return q;
}

}  // namespace eddy::kafka
