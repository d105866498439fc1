// A line plot on a <canvas>: points [[wall_ms, value], ...], a title, axis labels in the
// value's units. No library: the dashboard loads nothing from outside.
'use strict';

eddy.plot = function (canvas, title, points, format) {
  const ctx = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height;
  const left = 64, right = 10, top = 24, bottom = 22;
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = '#1d2330';
  ctx.font = '13px system-ui, sans-serif';
  ctx.fillText(title, left, 15);
  ctx.strokeStyle = '#d9dee7';
  ctx.strokeRect(left, top, w - left - right, h - top - bottom);
  if (points.length === 0) {
    ctx.fillStyle = '#667085';
    ctx.fillText('no samples yet', left + 10, top + 24);
    return;
  }
  const t0 = points[0][0], t1 = Math.max(points[points.length - 1][0], t0 + 1);
  let vmax = 0;
  for (const p of points) vmax = Math.max(vmax, p[1]);
  if (vmax <= 0) vmax = 1;
  vmax *= 1.1;
  const x = (t) => left + (t - t0) / (t1 - t0) * (w - left - right);
  const y = (v) => top + (1 - v / vmax) * (h - top - bottom);
  ctx.fillStyle = '#667085';
  ctx.font = '11px system-ui, sans-serif';
  for (const f of [0, 0.5, 1]) {
    const v = vmax / 1.1 * f;
    // Small ranges get a decimal, so the labels of 0..1 read 0, 0.5, 1.
    ctx.fillText(vmax < 11 ? String(Math.round(v * 10) / 10) : format(v), 4, y(v) + 4);
    ctx.strokeStyle = '#eef1f5';
    ctx.beginPath(); ctx.moveTo(left, y(v)); ctx.lineTo(w - right, y(v)); ctx.stroke();
  }
  const secs = Math.round((t1 - t0) / 1000);
  ctx.fillText('−' + secs + ' s', left, h - 6);
  ctx.fillText('now', w - right - 22, h - 6);
  ctx.strokeStyle = '#0b62c4';
  ctx.lineWidth = 2;
  ctx.beginPath();
  points.forEach((p, i) => (i === 0 ? ctx.moveTo(x(p[0]), y(p[1])) : ctx.lineTo(x(p[0]), y(p[1]))));
  ctx.stroke();
  ctx.lineWidth = 1;
};
