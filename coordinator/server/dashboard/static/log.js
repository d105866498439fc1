// The log page: the tail of a container's stderr (or stdout), read through the coordinator
// from the container's node, appended every second from where the last read ended. Text is
// put in as text; at most kKeep characters stay on the page.
'use strict';

(function () {
  const kKeep = 512 * 1024;
  const $ = (s) => document.querySelector(s);
  const job = eddy.param('job'), container = eddy.param('container');
  const file = eddy.param('file') === 'stdout' ? 'stdout' : 'stderr';
  const other = file === 'stdout' ? 'stderr' : 'stdout';
  $('#container').textContent = container + ' (' + file + ')';
  $('#job-link').textContent = 'job ' + job;
  $('#job-link').href = '/job?name=' + encodeURIComponent(job);
  const sw = $('#switch');
  sw.textContent = other;
  sw.href = '/log?job=' + encodeURIComponent(job) + '&container=' + encodeURIComponent(container) + '&file=' + other;
  const pre = $('#log');
  let offset = -1, attempt = null;

  async function poll() {
    const r = await eddy.api('/api/v1/jobs/' + encodeURIComponent(job) + '/containers/' +
      encodeURIComponent(container) + '/log?file=' + file + '&offset=' + offset);
    if (attempt !== null && r.attempt !== attempt) {
      pre.appendChild(document.createTextNode('\n--- attempt ' + r.attempt + ' on ' + r.node + ' ---\n'));
      offset = -1;
      attempt = r.attempt;
      return;
    }
    attempt = r.attempt;
    $('#where').textContent = ' on ' + r.node + ', attempt ' + r.attempt + ' — ' + r.path;
    if (r.data) {
      pre.appendChild(document.createTextNode(r.data));
      if (pre.textContent.length > kKeep) pre.textContent = pre.textContent.slice(-kKeep);
      if ($('#follow').checked) pre.scrollTop = pre.scrollHeight;
    }
    offset = r.next_offset;
  }

  eddy.every(1000, poll, $('#status'));
})();
