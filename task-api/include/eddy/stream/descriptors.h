// Descriptors of the streams and tables a stream application (eddy/stream/app.h) reads and
// writes: a system, a stream and the serdes by name (the names as config uses them: a built-in
// "string", "bytes", "int32", "int64", "json", a registered serde class, or a name defined with
// serializers.registry.<name>.class). Serdes are resolved when the task starts; a serde whose
// type is not the one the application declared is an error naming the stream and the serde.
#pragma once

#include <string>
#include <utility>

#include "eddy/system_stream.h"

namespace eddy::stream {

struct StreamDescriptor {
  SystemStream stream;     // e.g. {"eddy", "wordcount-lines"}
  std::string key_serde;   // "" = "bytes" (std::string of the raw key; a null key reads as "")
  std::string msg_serde;   // "" = "bytes"
};

// An input: read by the task, every partition (task.inputs is generated from the inputs).
inline StreamDescriptor Input(std::string system, std::string stream, std::string key_serde = "",
                              std::string msg_serde = "") {
  return StreamDescriptor{SystemStream(std::move(system), std::move(stream)), std::move(key_serde),
                          std::move(msg_serde)};
}
// An output: written with SendTo. Its partition is the hash of the key bytes (as the runtime's
// default partitioner); create it beforehand or with streams.<s>.partitions.
inline StreamDescriptor Output(std::string system, std::string stream, std::string key_serde = "",
                               std::string msg_serde = "") {
  return Input(std::move(system), std::move(stream), std::move(key_serde), std::move(msg_serde));
}

// A table: a (compacted) input stream kept, key → latest value, in the store `store` (a null
// message deletes the key). The table's stream must be partitioned like the streams joined with
// it (same key, same partition count), so a task sees the rows of the keys it joins.
struct TableDescriptor {
  StreamDescriptor input;
  std::string store;  // the store's name (stores.<store>.*): stable, it names the state
};

}  // namespace eddy::stream
