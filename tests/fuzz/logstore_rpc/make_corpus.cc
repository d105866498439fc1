// Writes the seed corpus of logstore_rpc_fuzz (run by hand when the proto changes):
//   make_logstore_rpc_corpus tests/fuzz/logstore_rpc/corpus
#include <fstream>
#include <string>

#include "log-store/proto/log_store.pb.h"
#include "log-store/storage/record_batch_builder.h"

using namespace eddy::logstore;

static void Write(const std::string& dir, const std::string& name, char kind,
                  const std::string& body) {
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out.put(kind);
  out.write(body.data(), static_cast<std::streamsize>(body.size()));
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::string dir = argv[1];
  RecordBatchBuilder b;
  RecordHeader h{"hk", std::string_view("hv")};
  b.Add(std::string_view("key"), std::string_view("value"), 1000, {&h, 1});
  b.Add(std::nullopt, std::string_view("second"), 1001);
  const std::string batch = b.Finish();
  v1::ProduceRequest p;
  p.set_acks(-1);
  auto* pp = p.add_partitions();
  pp->set_topic("t");
  pp->set_partition(0);
  pp->set_records(batch + batch);
  Write(dir, "produce", 0, p.SerializeAsString());
  v1::FetchRequest f;
  f.set_min_bytes(1);
  f.set_max_bytes(1 << 20);
  auto* fp = f.add_partitions();
  fp->set_topic("t");
  fp->set_partition(1);
  fp->set_offset(0);
  fp->set_max_bytes(4096);
  Write(dir, "fetch", 1, f.SerializeAsString());
  v1::ListOffsetsRequest lo;
  auto* l = lo.add_partitions();
  l->set_topic("t");
  l->set_timestamp(-2);
  Write(dir, "list_offsets", 2, lo.SerializeAsString());
  v1::CommitOffsetsRequest c;
  c.set_group("g");
  auto* co = c.add_offsets();
  co->set_topic("t");
  co->set_offset(5);
  Write(dir, "commit", 3, c.SerializeAsString());
  v1::FetchOffsetsRequest fo;
  fo.set_group("g");
  fo.add_partitions()->set_topic("t");
  Write(dir, "fetch_offsets", 4, fo.SerializeAsString());
  v1::DescribeTopicRequest d;
  d.set_name("t");
  Write(dir, "describe", 5, d.SerializeAsString());
  Write(dir, "raw_batch", 6, batch);
  return 0;
}
