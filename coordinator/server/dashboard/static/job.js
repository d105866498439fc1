// The job page: the job's facts and config, its containers (refreshed every second), tasks
// with lag and throughput, stores, and plots of the coordinator's samples.
'use strict';

(function () {
  const $ = (s) => document.querySelector(s);
  const name = eddy.param('name');
  const base = '/api/v1/jobs/' + encodeURIComponent(name);
  $('#job-name').textContent = name;
  $('#crumb').textContent = 'job ' + name;
  document.title = 'Eddy: ' + name;
  let configShown = '';

  function attempts(c) {
    return (c.attempts || []).map((a) => '#' + a.attempt + ' ' + a.node + ' ' + a.end +
      (a.detail ? ' (' + a.detail + ')' : '')).join('; ');
  }

  async function job() {
    const j = await eddy.api(base);
    const st = $('#job-state');
    st.textContent = j.state;
    st.className = 'state-' + j.state;
    const facts = [['generation', j.generation], ['containers', j.container_count],
      ['submitted', eddy.time(j.submitted_ms)], ['package', j.package_digest],
      ['reason', j.reason || '–']];
    $('#job-facts').replaceChildren(...facts.flatMap(([k, v]) => [eddy.el('dt', {}, k),
      eddy.el('dd', { id: 'job-' + k }, v)]));
    eddy.fill($('#containers tbody'), j.containers.map((c) => [
      { text: c.id, class: 'c-id' },
      { text: c.state, class: 'c-state state-' + c.state },
      { text: c.node, class: 'c-node' },
      { text: c.host, class: 'c-host' },
      { text: c.restarts, class: 'c-restarts num' },
      { text: c.attempt, class: 'c-attempt num' },
      { text: c.last_exit || '–', class: 'c-last-exit' },
      { text: (c.tasks || []).join(', '), class: 'c-tasks' },
      { text: attempts(c), class: 'c-attempts' },
      { node: eddy.link('log', '/log?job=' + encodeURIComponent(name) + '&container=' + encodeURIComponent(c.id)) },
    ]), 'no containers', (i) => ({ 'data-container': j.containers[i].id }));
    const cfg = JSON.stringify(j.config);
    if (cfg !== configShown) {
      configShown = cfg;
      eddy.fill($('#config tbody'), Object.entries(j.config).sort().map(([k, v]) => [
        { text: k, class: 'mono' }, { text: v, class: 'mono cfg-value' }]), 'no config',
      (i) => ({ 'data-key': Object.keys(j.config).sort()[i] }));
    }
  }

  async function figures() {
    const t = await eddy.api(base + '/tasks');
    eddy.fill($('#tasks tbody'), t.tasks.map((x) => [
      x.task, x.sampled_container || x.container,
      { text: (x.partitions || x.inputs || []).join(', '), class: 'mono' },
      { text: eddy.num(x.processed), class: 'num t-processed' },
      { text: eddy.num(x.messages_per_s, 1), class: 'num t-rate' },
      { text: eddy.num(x.lag), class: 'num t-lag' },
    ]), 'no tasks', (i) => ({ 'data-task': t.tasks[i].task }));
    const errs = (t.errors || []).join('; ');
    if (errs) { $('#tasks-status').textContent = errs; $('#tasks-status').className = 'status error'; }
    const s = await eddy.api(base + '/stores');
    eddy.fill($('#stores tbody'), s.stores.map((x) => [
      x.task, x.store, x.container,
      { text: eddy.num(x.keys), class: 'num' },
      { text: eddy.bytes(x.bytes), class: 'num' },
      { text: eddy.num(x.restore_records), class: 'num' },
      { text: eddy.num(x.restore_ms, 1), class: 'num' },
      x.restored_from,
      { text: x.restore_start_offset === null ? '–' : x.restore_start_offset + '–' + x.restore_end_offset, class: 'num' },
      { text: eddy.num(x.cache_hit_rate, 3), class: 'num' },
    ]), 'no stores (or not sampled yet)');
    const p = await eddy.api(base + '/series');
    eddy.plot($('#plot-rate'), 'messages/s', p.points.map((q) => [q[0], q[1]]), (v) => eddy.num(v));
    eddy.plot($('#plot-lag'), 'lag (messages)', p.points.map((q) => [q[0], q[2]]), (v) => eddy.num(v));
  }

  eddy.every(1000, job, $('#status'));
  eddy.every(2000, figures, null);
})();
