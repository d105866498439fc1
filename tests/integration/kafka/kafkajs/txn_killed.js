// KafkaJS 2.2.4: a transactional producer killed (SIGKILL, by kafkajs_test.cc) mid-transaction.
//   node txn_killed.js child HOST:PORT ID TIMEOUT_MS
//     opens a transaction as ID (transactionTimeout TIMEOUT_MS), sends "dead-<topic>-<p>" to
//     every partition, prints "produced" and waits to be killed.
//   node txn_killed.js after HOST:PORT ID
//     a producer with transactional id ID commits "after-<topic>-<p>", then "end-..." markers;
//     read_committed and read_uncommitted consumers read every partition up to its end marker.
//     Prints one JSON line: {read_committed, read_uncommitted} by "topic/partition".
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const [mode, broker, id, timeoutMs] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'eddy-kafkajs-killed', brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 8 } });
const TOPICS = { 'kjs-killed-a': 2, 'kjs-killed-b': 2 };

async function sendAll(txn, prefix) {
  for (const [topic, count] of Object.entries(TOPICS)) {
    const messages = [];
    for (let p = 0; p < count; p++) messages.push({ partition: p, value: `${prefix}-${topic}-${p}` });
    await txn.send({ topic, messages });
  }
}

async function readAll(groupId, readUncommitted) {
  const consumer = kafka.consumer({ groupId, readUncommitted, sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  for (const topic of Object.keys(TOPICS)) await consumer.subscribe({ topic, fromBeginning: true });
  const total = Object.values(TOPICS).reduce((a, b) => a + b, 0);
  const data = {};
  const ended = new Set();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${groupId}: ${ended.size} of ${total} partitions ended`)), 90000);
    consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const value = message.value.toString();
        const key = `${topic}/${partition}`;
        if (value.startsWith('end-')) {
          ended.add(key);
          if (ended.size === total) { clearTimeout(timer); resolve(); }
          return;
        }
        (data[key] = data[key] || []).push(value);
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return data;
}

async function main() {
  if (mode === 'child') {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: Object.entries(TOPICS).map(([topic, numPartitions]) => ({ topic, numPartitions })),
    });
    await admin.disconnect();
    const p = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1, transactionTimeout: Number(timeoutMs) });
    await p.connect();
    const t = await p.transaction();
    await sendAll(t, 'dead');
    console.log('produced');
    setInterval(() => {}, 1 << 30);
    return;
  }
  const p = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  let t = await p.transaction();  // for the dead producer's id: aborts its transaction
  await sendAll(t, 'after');
  await t.commit();
  t = await p.transaction();
  await sendAll(t, 'end');
  await t.commit();
  await p.disconnect();
  const out = {};
  out.read_committed = await readAll(`kjs-killed-rc-${id}`, false);
  out.read_uncommitted = await readAll(`kjs-killed-ru-${id}`, true);
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
