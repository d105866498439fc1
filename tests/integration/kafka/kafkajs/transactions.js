// KafkaJS 2.2.4 transactions against eddy-logd: a transactional producer
// (transactionalId, idempotent, maxInFlightRequests 1) commits, aborts and commits again across
// the partitions of two topics with sendOffsets for a consumer group; a zombie with the same
// transactionalId is fenced by a second producer's init; read_committed and read_uncommitted
// consumers read everything back. Each reader stops when it has seen the committed "end" message
// of every partition (written last), so it has read all that comes before it. Prints one JSON
// line; the C++ test (kafkajs_test.cc) asserts on it. Usage: node transactions.js HOST:PORT
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const broker = process.argv[2];
const kafka = new Kafka({
  clientId: 'eddy-kafkajs-txn',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  retry: { retries: 8 },
});
const TOPICS = { 'kjs-txn-a': 3, 'kjs-txn-b': 2 };

function txnProducer(id) {
  return kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
}

// Sends `prefix-<topic>-<p>-<i>` (i < n) to every partition; records them in `into`.
async function sendAll(txn, prefix, n, into) {
  for (const [topic, count] of Object.entries(TOPICS)) {
    const messages = [];
    for (let p = 0; p < count; p++) {
      for (let i = 0; i < n; i++) {
        const value = `${prefix}-${topic}-${p}-${i}`;
        messages.push({ partition: p, value });
        if (into) (into[`${topic}/${p}`] = into[`${topic}/${p}`] || []).push(value);
      }
    }
    await txn.send({ topic, messages });
  }
}

function errType(e) {
  return (e && (e.type || (e.originalError && e.originalError.type) || e.name)) || String(e);
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
        const key = `${topic}/${partition}`;
        const value = message.value.toString();
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
  const out = {};
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      ...Object.entries(TOPICS).map(([topic, numPartitions]) => ({ topic, numPartitions })),
      { topic: 'kjs-in', numPartitions: 1 },
    ],
  });

  const committed = {};
  const all = {};
  const p = txnProducer('kjs-app');
  await p.connect();
  let t = await p.transaction();
  await sendAll(t, 'c1', 4, committed);
  await t.sendOffsets({ consumerGroupId: 'kjs-group', topics: [{ topic: 'kjs-in', partitions: [{ partition: 0, offset: '50' }] }] });
  await t.commit();
  t = await p.transaction();
  const aborted = {};
  await sendAll(t, 'a1', 2, aborted);
  await t.sendOffsets({ consumerGroupId: 'kjs-group', topics: [{ topic: 'kjs-in', partitions: [{ partition: 0, offset: '60' }] }] });
  await t.abort();
  t = await p.transaction();
  const second = {};
  await sendAll(t, 'c2', 3, second);
  await t.commit();
  for (const key of Object.keys(committed)) {
    all[key] = [...committed[key], ...aborted[key], ...second[key]];
    committed[key] = [...committed[key], ...second[key]];
  }
  const offsets = await admin.fetchOffsets({ groupId: 'kjs-group', topics: ['kjs-in'] });
  out.group_offset = Number(offsets[0].partitions[0].offset);

  // The zombie: open transaction, then a second producer with the same id inits.
  const zombie = txnProducer('kjs-zombie');
  await zombie.connect();
  const zt = await zombie.transaction();
  const zombieBefore = {};
  await sendAll(zt, 'zombie-before', 1, zombieBefore);
  const fresh = txnProducer('kjs-zombie');
  await fresh.connect();
  // KafkaJS sends the transactional InitProducerId at the first transaction(): that aborts the
  // zombie's open transaction and bumps the epoch.
  const ft = await fresh.transaction();
  try {
    await sendAll(zt, 'zombie-after', 1, null);
    out.zombie_send = 'ok';
  } catch (e) {
    out.zombie_send = errType(e);
  }
  try {
    await zt.commit();
    out.zombie_commit = 'ok';
  } catch (e) {
    out.zombie_commit = errType(e);
  }
  const freshData = {};
  await sendAll(ft, 'fresh', 2, freshData);
  await ft.commit();
  for (const key of Object.keys(freshData)) {
    committed[key].push(...freshData[key]);
    all[key].push(...zombieBefore[key], ...freshData[key]);
  }

  // The end markers, committed last.
  const et = await p.transaction();
  await sendAll(et, 'end', 1, null);
  await et.commit();
  await p.disconnect();
  await fresh.disconnect();
  try { await zombie.disconnect(); } catch (e) { /* fenced */ }

  out.read_committed = await readAll('kjs-reader-rc', false);
  out.expected_committed = committed;
  out.read_uncommitted = await readAll('kjs-reader-ru', true);
  out.expected_uncommitted = all;
  await admin.disconnect();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
