#!/usr/bin/env python3
"""Writes the seed corpus: request payloads (no size prefix) as librdkafka 2.0.2 sends them."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)
def s(v): return i16(-1) if v is None else i16(len(v)) + v.encode()
def b(v): return i32(-1) if v is None else i32(len(v)) + v
def arr(items): return i32(len(items)) + b"".join(items)
def uv(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80]); v >>= 7
    return out + bytes([v])
def cs(v): return uv(len(v) + 1) + v.encode()
def cns(v): return uv(0) if v is None else cs(v)
def carr(items): return uv(len(items) + 1) + b"".join(items)
TAG = b"\x00"  # an empty tagged-field block


def hdr(key, ver, corr=1, flexible=False):
    return i16(key) + i16(ver) + i32(corr) + s("rdkafka") + (b"\x00" if flexible else b"")


batch = bytes.fromhex(
    "0000000000000000000000400000000002"  # base offset, length, epoch, magic
    "00000000" "0000" "00000000" "0000018b00000000" "0000018b00000000"
    "ffffffffffffffff" "ffff" "ffffffff" "00000001"
    "1000000002610268690000")

frames = {
    "api_versions_v3": hdr(18, 3, flexible=True) + cs("librdkafka") + cs("2.0.2") + b"\x00",
    "api_versions_v0": hdr(18, 0),
    "metadata_v4_all": hdr(3, 4) + i32(-1) + i8(1),
    "metadata_v4_topic": hdr(3, 4) + arr([s("t")]) + i8(1),
    # Metadata v9 (flexible), v12 by name and by id (null name), v12 all topics (null array).
    "metadata_v9_topic": hdr(3, 9, flexible=True) + carr([cs("t") + TAG]) + i8(1) + i8(0) +
                         i8(0) + TAG,
    "metadata_v12_topic": hdr(3, 12, flexible=True) + carr([bytes(16) + cs("t") + TAG]) +
                          i8(1) + i8(0) + TAG,
    "metadata_v12_by_id": hdr(3, 12, flexible=True) +
                          carr([bytes(range(1, 17)) + cns(None) + TAG]) + i8(0) + i8(0) + TAG,
    "metadata_v12_all": hdr(3, 12, flexible=True) + uv(0) + i8(0) + i8(0) + TAG,
    "produce_v7": hdr(0, 7) + s(None) + i16(-1) + i32(30000) +
                  arr([s("t") + arr([i32(0) + b(batch)])]),
    "fetch_v11": hdr(1, 11) + i32(-1) + i32(500) + i32(1) + i32(52428800) + i8(1) + i32(0) +
                 i32(-1) + arr([s("t") + arr([i32(0) + i32(-1) + i64(0) + i64(-1) + i32(1048576)])]) +
                 arr([]) + s(""),
    "list_offsets_v2": hdr(2, 2) + i32(-1) + i8(1) + arr([s("t") + arr([i32(0) + i64(-2)])]),
    "find_coordinator_v2": hdr(10, 2) + s("grp") + i8(0),
    "join_group_v5": hdr(11, 5) + s("grp") + i32(45000) + i32(300000) + s("") + s(None) +
                     s("consumer") + arr([s("range") + b(b"\x00\x00"), s("roundrobin") + b(b"")]),
    "sync_group_v3": hdr(14, 3) + s("grp") + i32(1) + s("m-1") + s(None) +
                     arr([s("m-1") + b(b"\x00\x01")]),
    "heartbeat_v3": hdr(12, 3) + s("grp") + i32(1) + s("m-1") + s(None),
    "leave_group_v1": hdr(13, 1) + s("grp") + s("m-1"),
    "offset_commit_v7": hdr(8, 7) + s("grp") + i32(1) + s("m-1") + s(None) +
                        arr([s("t") + arr([i32(0) + i64(5) + i32(-1) + s("")])]),
    "offset_fetch_v5": hdr(9, 5) + s("grp") + arr([s("t") + arr([i32(0), i32(1)])]),
    "create_topics_v4": hdr(19, 4) + arr([s("new") + i32(3) + i16(-1) + arr([]) +
                                          arr([s("retention.ms") + s("1000")])]) + i32(5000) + i8(0),
    "init_producer_id_v1": hdr(22, 1) + s(None) + i32(60000),
    "describe_groups_v2": hdr(15, 2) + arr([s("grp")]),
    "list_groups_v2": hdr(16, 2),
    "list_groups_v4": hdr(16, 4, flexible=True) + uv(3) + cs("Stable") + cs("Empty") + b"\x00",
    "describe_groups_v4": hdr(15, 4) + arr([s("grp"), s("other")]) + i8(0),
    "leave_group_v3": hdr(13, 3) + s("grp") + arr([s("m-1") + s("inst-1"), s("") + s("inst-2")]),
    "join_group_v5_static": hdr(11, 5) + s("grp") + i32(45000) + i32(300000) + s("") +
                            s("inst-1") + s("consumer") + arr([s("range") + b(b"\x00\x00")]),
    "delete_groups_v1": hdr(42, 1) + arr([s("grp"), s("other")]),
    "offset_delete_v0": hdr(47, 0) + s("grp") + arr([s("t") + arr([i32(0), i32(1)])]),
    "create_topics_v4_assigned": hdr(19, 4) + arr([s("new") + i32(-1) + i16(-1) +
                                                   arr([i32(0) + arr([i32(1)]),
                                                        i32(1) + arr([i32(1)])]) +
                                                   arr([s("compression.type") + s("zstd")])]) +
                                 i32(5000) + i8(0),
    "delete_topics_v1": hdr(20, 1) + arr([s("t"), s("u")]) + i32(5000),
    "delete_records_v1": hdr(21, 1) + arr([s("t") + arr([i32(0) + i64(5), i32(1) + i64(-1)])]) +
                         i32(5000),
    "describe_configs_v1": hdr(32, 1) + arr([i8(2) + s("t") + i32(-1)]) + i8(1),
    "describe_configs_v0_broker": hdr(32, 0) + arr([i8(4) + s("0") + arr([s("broker.id")])]),
    "alter_configs_v0": hdr(33, 0) + arr([i8(2) + s("t") + arr([s("retention.ms") + s("1000")])]) +
                        i8(0),
    "create_partitions_v0": hdr(37, 0) + arr([s("t") + i32(3) + i32(-1)]) + i32(5000) + i8(0),
    "create_partitions_v0_assigned": hdr(37, 0) + arr([s("t") + i32(3) +
                                                      arr([arr([i32(0)]), arr([i32(0)])])]) +
                                     i32(5000) + i8(1),
    "incremental_alter_configs_v0": hdr(44, 0) + arr([i8(2) + s("t") +
                                                     arr([s("cleanup.policy") + i8(2) + s("compact"),
                                                          s("retention.ms") + i8(1) + s(None)])]) +
                                    i8(0),
    "describe_cluster_v0": hdr(60, 0, flexible=True) + i8(0) + b"\x00",
    "find_coordinator_v2_txn": hdr(10, 2) + s("txn-1") + i8(1),
    "init_producer_id_v1_txn": hdr(22, 1) + s("txn-1") + i32(60000),
    # The transaction APIs at the versions librdkafka 2.0.2 and KafkaJS 2.2.4 send, and the
    # flexible v3 forms.
    "init_producer_id_v4_txn": hdr(22, 4, flexible=True) + cns("txn-1") + i32(60000) + i64(-1) +
                               i16(-1) + TAG,
    "init_producer_id_v3_bump": hdr(22, 3, flexible=True) + cns("txn-1") + i32(60000) + i64(7) +
                                i16(2) + TAG,
    "init_producer_id_v2_idempotent": hdr(22, 2, flexible=True) + cns(None) + i32(-1) + TAG,
    "add_partitions_to_txn_v0": hdr(24, 0) + s("txn-1") + i64(7) + i16(2) +
                                arr([s("t") + arr([i32(0), i32(1)]), s("u") + arr([i32(2)])]),
    "add_partitions_to_txn_v3": hdr(24, 3, flexible=True) + cs("txn-1") + i64(7) + i16(2) +
                                carr([cs("t") + carr([i32(0), i32(1)]) + TAG]) + TAG,
    "add_offsets_to_txn_v0": hdr(25, 0) + s("txn-1") + i64(7) + i16(2) + s("grp"),
    "add_offsets_to_txn_v3": hdr(25, 3, flexible=True) + cs("txn-1") + i64(7) + i16(2) +
                             cs("grp") + TAG,
    "end_txn_v1_commit": hdr(26, 1) + s("txn-1") + i64(7) + i16(2) + i8(1),
    "end_txn_v3_abort": hdr(26, 3, flexible=True) + cs("txn-1") + i64(7) + i16(2) + i8(0) + TAG,
    "txn_offset_commit_v0": hdr(28, 0) + s("txn-1") + s("grp") + i64(7) + i16(2) +
                            arr([s("t") + arr([i32(0) + i64(42) + s(None)])]),
    "txn_offset_commit_v2": hdr(28, 2) + s("txn-1") + s("grp") + i64(7) + i16(2) +
                            arr([s("t") + arr([i32(0) + i64(42) + i32(-1) + s("meta")])]),
    "txn_offset_commit_v3": hdr(28, 3, flexible=True) + cs("txn-1") + cs("grp") + i64(7) +
                            i16(2) + i32(3) + cs("m-1") + cns(None) +
                            carr([cs("t") + carr([i32(0) + i64(42) + i32(-1) + cns("") + TAG,
                                                  i32(1) + i64(9) + i32(4) + cns(None) + TAG]) +
                                  TAG]) + TAG,
    # Produce v2 carries a message set v1 (magic 1), which is refused.
    "produce_v2_magic1": hdr(0, 2) + i16(1) + i32(30000) + arr([s("t") + arr([i32(0) + b(
        i64(0) + i32(24) + i32(0) + i8(1) + i8(0) + i64(1700000000000) + i32(-1) + i32(2) + b"hi")])]),
}

os.makedirs(OUT, exist_ok=True)
for name, data in frames.items():
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(data)
print(f"wrote {len(frames)} frames to {OUT}")
