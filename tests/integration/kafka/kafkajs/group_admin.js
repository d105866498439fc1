// KafkaJS 2.2.4 against eddy-logd: CreateTopics with a replica assignment and compression.type,
// a consumer group (JoinGroup v5 with MEMBER_ID_REQUIRED, LeaveGroup v3 on disconnect),
// DescribeGroups, ListGroups and DeleteGroups. Prints one JSON line with what it observed;
// the C++ test (kafkajs_test.cc) asserts on it. Usage: node group_admin.js HOST:PORT
'use strict';
const { Kafka, logLevel, CompressionTypes } = require('kafkajs');

const broker = process.argv[2];
const kafka = new Kafka({
  clientId: 'eddy-kafkajs-test',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  retry: { retries: 8 },
});

async function main() {
  const out = {};
  const admin = kafka.admin();
  await admin.connect();
  const cluster = await admin.describeCluster();
  const nodeId = cluster.brokers[0].nodeId;

  out.created = await admin.createTopics({
    waitForLeaders: true,
    topics: [{
      topic: 'kjs-assigned',
      replicaAssignment: [
        { partition: 0, replicas: [nodeId] },
        { partition: 1, replicas: [nodeId] },
        { partition: 2, replicas: [nodeId] },
      ],
      configEntries: [{ name: 'compression.type', value: 'gzip' }],
    }],
  });
  const meta = await admin.fetchTopicMetadata({ topics: ['kjs-assigned'] });
  out.partitions = meta.topics[0].partitions.length;
  try {
    await admin.createTopics({
      topics: [{ topic: 'kjs-elsewhere', replicaAssignment: [{ partition: 0, replicas: [nodeId + 1] }] }],
    });
    out.elsewhere = 'created';
  } catch (e) {
    out.elsewhere = e.type || (e.errors && e.errors[0] && e.errors[0].type) || String(e);
  }

  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < 300; i++) messages.push({ key: `k${i}`, value: `v${i}` });
  await producer.send({ topic: 'kjs-assigned', compression: CompressionTypes.None, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'kjs-group', sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'kjs-assigned', fromBeginning: true });
  const seen = new Map();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${seen.size} of 300`)), 60000);
    consumer.run({
      eachMessage: async ({ message }) => {
        const k = message.key.toString();
        seen.set(k, (seen.get(k) || 0) + 1);
        if (message.value.toString() !== `v${k.slice(1)}`) out.bad_value = k;
        if (seen.size === 300) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  out.consumed = seen.size;
  out.duplicates = [...seen.values()].filter((n) => n !== 1).length;

  const described = await admin.describeGroups(['kjs-group']);
  out.described_state = described.groups[0].groupId === 'kjs-group' ? described.groups[0].state : 'missing';
  out.described_members = described.groups[0].members.length;
  const listed = await admin.listGroups();
  out.listed = listed.groups.map((g) => g.groupId).includes('kjs-group');

  try {
    await admin.deleteGroups(['kjs-group']);
    out.delete_active = 'deleted';
  } catch (e) {
    out.delete_active = (e.groups && e.groups[0] && e.groups[0].error && e.groups[0].error.type) || String(e);
  }
  await consumer.disconnect();  // LeaveGroup v3
  const offsetsBefore = await admin.fetchOffsets({ groupId: 'kjs-group', topics: ['kjs-assigned'] });
  out.committed_before_delete = offsetsBefore[0].partitions
    .map((p) => Number(p.offset)).reduce((a, b) => a + Math.max(b, 0), 0);
  const deleted = await admin.deleteGroups(['kjs-group']);
  out.delete_empty = deleted[0].errorCode;
  const offsetsAfter = await admin.fetchOffsets({ groupId: 'kjs-group', topics: ['kjs-assigned'] });
  out.committed_after_delete = offsetsAfter[0].partitions.map((p) => Number(p.offset));
  try {
    await admin.deleteGroups(['kjs-never']);
    out.delete_unknown = 'deleted';
  } catch (e) {
    out.delete_unknown = (e.groups && e.groups[0] && e.groups[0].error && e.groups[0].error.type) || String(e);
  }
  await admin.disconnect();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
