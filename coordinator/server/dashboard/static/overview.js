// The overview page: jobs, nodes and topics, refreshed every few seconds.
'use strict';

(function () {
  const $ = (s) => document.querySelector(s);

  async function jobs() {
    const r = await eddy.api('/api/v1/jobs');
    eddy.fill($('#jobs tbody'), r.jobs.map((j) => [
      eddy.link(j.name, '/job?name=' + encodeURIComponent(j.name)),
      { text: j.state, class: 'state-' + j.state },
      { text: eddy.num(j.generation), class: 'num' },
      { text: eddy.num(j.container_count), class: 'num' },
      Object.entries(j.containers_by_state || {}).map(([s, n]) => s + ' ' + n).join(', '),
      { text: eddy.num(j.restarts), class: 'num' },
      eddy.time(j.submitted_ms),
      j.reason || '',
    ]), 'no jobs', (i) => ({ 'data-job': r.jobs[i].name }));
  }

  async function nodes() {
    const r = await eddy.api('/api/v1/nodes');
    eddy.fill($('#nodes tbody'), r.nodes.map((n) => [
      n.node_id, n.host,
      { text: n.alive ? 'alive' : 'lost', class: 'alive-' + n.alive },
      { text: eddy.num(n.last_heartbeat_ms_ago) + ' ms ago', class: 'num' },
      { text: eddy.num(n.used.memory_mb) + ' / ' + eddy.num(n.resources.memory_mb) + ' MB', class: 'num' },
      { text: eddy.num(n.used.cpu_cores, 2) + ' / ' + eddy.num(n.resources.cpu_cores, 2), class: 'num' },
      (n.containers || []).join(', '),
      { text: eddy.num(n.times_lost), class: 'num' },
    ]), 'no nodes registered', (i) => ({ 'data-node': r.nodes[i].node_id }));
  }

  async function topics() {
    const r = await eddy.api('/api/v1/topics');
    eddy.fill($('#topics tbody'), r.topics.map((t) => t.error ? [t.name, { text: t.error, class: 'error' }, '', '', '', ''] : [
      t.name,
      { text: eddy.num(t.partitions.length), class: 'num' },
      { text: eddy.num(t.messages), class: 'num' },
      { text: eddy.bytes(t.size_bytes), class: 'num' },
      (t.config && t.config['cleanup.policy']) || '',
      { text: t.partitions.map((p) => p.partition + ': ' + p.log_start_offset + '–' + p.log_end_offset).join('  '), class: 'mono' },
    ]), 'no topics');
  }

  eddy.every(2000, async () => { await jobs(); await nodes(); }, $('#status'));
  eddy.every(5000, topics, $('#topics-status'));
})();
