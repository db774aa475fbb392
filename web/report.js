// tune's report page: draws a study (the document src/report/report_data.h describes) with
// Apache ECharts. Static reports carry the document inline; the live dashboard fetches
// `api/study` every poll_ms and redraws. `window.tuneReport` tells tests what has drawn.
(function () {
  'use strict';

  var COLORS = { complete: '#2f6fde', pruned: '#e8871e', failed: '#c62828', running: '#2e9d4f' };
  var page = { charts: {}, drawn: {}, errors: [], renders: 0, trials: 0, data: null };
  window.tuneReport = page;
  window.addEventListener('error', function (e) { page.errors.push(String(e.message)); });

  var historyMode = 'number';
  var tableSort = { key: 'number', asc: true };
  var lastSignature = null;

  function $(id) { return document.getElementById(id); }

  function fmt(v) {
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') {
      if (Number.isInteger(v)) return String(v);
      var a = Math.abs(v);
      return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : String(+v.toPrecision(5));
    }
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function seconds(s) {
    if (s === null || s === undefined) return '';
    if (s < 60) return s.toFixed(1) + ' s';
    if (s < 3600) return (s / 60).toFixed(1) + ' min';
    return (s / 3600).toFixed(2) + ' h';
  }

  function configText(t) {
    return Object.keys(t.params).map(function (k) {
      return esc(k) + ': ' + esc(fmt(t.params[k]));
    }).join('<br>');
  }

  function trialTitle(t) {
    var epochs = t.curve.length ? t.curve[t.curve.length - 1][0] : 0;
    var what = t.state;
    if (t.state === 'pruned') what = 'pruned at epoch ' + epochs;
    if (t.state === 'failed' && t.error) what = 'failed: ' + t.error;
    var value = t.value === null ? '' : ' &middot; value ' + esc(fmt(t.value));
    return '<b>Trial ' + t.number + '</b> (' + esc(what) + ')' + value;
  }

  // One ECharts instance per container, created once and redrawn with notMerge.
  function chart(name, el) {
    var c = page.charts[name];
    if (c && c.getDom() !== el) { c.dispose(); c = null; }
    if (!c) {
      c = echarts.init(el, null, { renderer: 'canvas' });
      c.on('finished', function () { page.drawn[name] = true; });
      page.charts[name] = c;
    }
    return c;
  }

  function draw(name, el, option) {
    option.animation = false;
    page.drawn[name] = false;
    chart(name, el).setOption(option, { notMerge: true });
  }

  function emptyTitle(text) {
    return { text: text, left: 'center', top: 'middle', textStyle: { color: '#8a93a3', fontSize: 14, fontWeight: 'normal' } };
  }

  function better(a, b, minimize) { return minimize ? a < b : a > b; }

  function studyStart(data) {
    var t0 = Infinity;
    data.trials.forEach(function (t) { if (t.start < t0) t0 = t.start; });
    return isFinite(t0) ? t0 : 0;
  }

  // --- optimization history -------------------------------------------------------------
  function drawHistory(data) {
    var minimize = data.study.direction === 'minimize';
    var byTime = historyMode === 'time';
    var t0 = studyStart(data);
    var withValue = data.trials.filter(function (t) { return t.value !== null; });
    var lo = Infinity, hi = -Infinity;
    withValue.forEach(function (t) { lo = Math.min(lo, t.value); hi = Math.max(hi, t.value); });
    var worst = minimize ? hi : lo;
    function x(t) { return byTime ? (t.end !== null ? t.end : data.study.generated) - t0 : t.number; }
    var series = [];
    ['complete', 'pruned', 'failed'].forEach(function (state) {
      var points = data.trials.filter(function (t) {
        return t.state === state && (t.value !== null || (state === 'failed' && isFinite(worst)));
      }).map(function (t) {
        return { value: [x(t), t.value !== null ? t.value : worst], trial: t };
      });
      series.push({
        name: state, type: 'scatter', data: points, symbolSize: state === 'complete' ? 7 : 8,
        symbol: state === 'failed' ? 'triangle' : state === 'pruned' ? 'diamond' : 'circle',
        itemStyle: { color: COLORS[state], opacity: 0.85 }
      });
    });
    var complete = data.trials.filter(function (t) { return t.state === 'complete' && t.value !== null; });
    complete.sort(function (a, b) { return x(a) - x(b); });
    var best = null, line = [];
    complete.forEach(function (t) {
      if (best === null || better(t.value, best, minimize)) best = t.value;
      line.push([x(t), best]);
    });
    series.push({ name: 'best so far', type: 'line', step: 'end', data: line, showSymbol: false,
      lineStyle: { color: '#1d2330', width: 2 }, itemStyle: { color: '#1d2330' }, z: 1 });
    draw('history', $('chart-history'), {
      title: withValue.length ? undefined : emptyTitle('No trial has a value yet'),
      legend: { top: 4 },
      grid: { left: 64, right: 24, top: 36, bottom: 44 },
      tooltip: { trigger: 'item', formatter: function (p) {
        return p.data && p.data.trial ? trialTitle(p.data.trial) + '<br>' + configText(p.data.trial)
                                      : esc(p.seriesName) + ': ' + esc(fmt(p.value[1]));
      } },
      xAxis: { type: 'value', name: byTime ? 'seconds since the first trial started' : 'trial',
        nameLocation: 'middle', nameGap: 28, minInterval: byTime ? 0 : 1, scale: !byTime },
      yAxis: { type: 'value', name: data.study.metric, scale: true },
      series: series
    });
  }

  // --- learning curves --------------------------------------------------------------------
  // One polyline series per state (not one series per trial): a thousand trials draw at once.
  // A stretch of population-based training (params.pbt) draws on from its parent's last epoch:
  // each member's line runs on across its stretches, and a member that copied another branches
  // off the line it copied.
  function drawnCurve(t, byNumber) {
    var pbt = t.params && t.params.pbt;
    var parent = pbt && pbt.parent !== undefined ? byNumber[pbt.parent] : undefined;
    if (!parent || !parent.curve.length || !t.curve.length) return t.curve;
    return [parent.curve[parent.curve.length - 1]].concat(t.curve);
  }

  function drawCurves(data) {
    var groups = { complete: [], pruned: [], failed: [], running: [] }, points = [];
    var lo = Infinity, hi = -Infinity, epochs = 1, byNumber = {};
    data.trials.forEach(function (t) { byNumber[t.number] = t; });
    data.trials.forEach(function (t) {
      if (!t.curve.length) return;
      t.curve.forEach(function (p) { lo = Math.min(lo, p[1]); hi = Math.max(hi, p[1]); epochs = Math.max(epochs, p[0]); });
      var curve = drawnCurve(t, byNumber);
      if (curve.length > 1) groups[t.state].push({ coords: curve, trial: t });
      if (curve.length === 1 || t.state === 'pruned')
        points.push({ value: t.curve[t.curve.length - 1], trial: t, itemStyle: { color: COLORS[t.state] } });
    });
    var series = Object.keys(groups).map(function (state) {
      return { name: state, type: 'lines', coordinateSystem: 'cartesian2d', polyline: true, data: groups[state],
        lineStyle: { width: 1.2, color: COLORS[state], opacity: state === 'complete' ? 0.7 : 0.55,
          type: state === 'pruned' ? 'dashed' : 'solid' },
        emphasis: { lineStyle: { width: 3, opacity: 1 } } };
    });
    series.push({ name: 'last epoch', type: 'scatter', data: points, symbol: 'diamond', symbolSize: 7 });
    // Polylines do not size the axes: two invisible points span the curves' extent instead.
    if (isFinite(lo))
      series.push({ name: 'extent', type: 'scatter', data: [[1, lo], [epochs, hi]], symbolSize: 0, silent: true,
        tooltip: { show: false } });
    draw('curves', $('chart-curves'), {
      title: isFinite(lo) ? undefined : emptyTitle('No epoch reported yet'),
      legend: { top: 4, data: ['complete', 'pruned', 'failed', 'running'] },
      grid: { left: 64, right: 24, top: 36, bottom: 44 },
      tooltip: { trigger: 'item', formatter: function (p) {
        var t = p.data && p.data.trial;
        if (!t) return '';
        var last = t.curve[t.curve.length - 1];
        return trialTitle(t) + '<br>' + t.curve.length + ' epochs, last ' + esc(fmt(last[1])) + '<br>' + configText(t);
      } },
      xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 28, minInterval: 1, min: 1 },
      yAxis: { type: 'value', name: data.study.metric, scale: true },
      series: series
    });
  }

  // --- population-based training: each parameter's schedule ----------------------------------
  // Shown only for a study whose trials are stretches of population-based training
  // (params.pbt: member, from_epoch, to_epoch, parent).
  function drawSchedules(data) {
    var section = $('schedules-section'), el = $('chart-schedules');
    var stretches = data.trials.filter(function (t) { return t.params && t.params.pbt; });
    section.hidden = !stretches.length;
    if (!stretches.length) {
      if (page.charts.schedules) { page.charts.schedules.dispose(); delete page.charts.schedules; }
      delete page.drawn.schedules;
      return;
    }
    var byNumber = {}, minimize = data.study.direction === 'minimize', best = null;
    data.trials.forEach(function (t) { byNumber[t.number] = t; });
    completeTrials(data).forEach(function (t) { if (!best || better(t.value, best.value, minimize)) best = t; });
    var line = {};  // the best trial and the stretches it went on from
    for (var t = best; t && t.params.pbt && !line[t.number]; t = byNumber[t.params.pbt.parent]) line[t.number] = true;
    var width = el.clientWidth || 1200;
    var cols = Math.max(1, Math.floor(width / 400));
    var rows = Math.max(1, Math.ceil(data.params.length / cols));
    var cellW = width / cols, cellH = 250, epochs = 1;
    stretches.forEach(function (t) { epochs = Math.max(epochs, t.params.pbt.to_epoch); });
    el.style.height = rows * cellH + 'px';
    if (page.charts.schedules) page.charts.schedules.resize();
    var option = { grid: [], xAxis: [], yAxis: [], series: [],
      tooltip: { trigger: 'item', formatter: function (q) {
        var t = q.data.trial, pbt = t.params.pbt;
        return trialTitle(t) + '<br>member ' + esc(pbt.member) + ', epochs ' + (pbt.from_epoch + 1) + '-' +
          pbt.to_epoch + (pbt.exploited !== undefined ? ', copied member ' + esc(pbt.exploited) : '') +
          '<br>' + configText(t);
      } } };
    data.params.forEach(function (p, i) {
      var r = Math.floor(i / cols), c = i % cols;
      option.grid.push({ left: c * cellW + 70, width: cellW - 90, top: r * cellH + 30, height: cellH - 86 });
      var values = [], others = [], ours = [];
      stretches.forEach(function (t) {
        var v = paramAxisValue(p, t.params[p.name]);
        if (v === null) return;
        var pbt = t.params.pbt, parent = pbt.parent !== undefined ? byNumber[pbt.parent] : undefined;
        var coords = [[pbt.from_epoch, v], [pbt.to_epoch, v]];
        var before = parent ? paramAxisValue(p, parent.params[p.name]) : null;
        if (before !== null) coords.unshift([pbt.from_epoch, before]);
        values.push(v);
        (line[t.number] ? ours : others).push({ coords: coords, trial: t });
      });
      var y = axisFor(p, values);
      y.gridIndex = i; y.name = p.name; y.nameTextStyle = { fontSize: 11 };
      if (y.type !== 'category') y.scale = true;
      option.yAxis.push(y);
      option.xAxis.push({ gridIndex: i, type: 'value', min: 0, max: epochs, minInterval: 1,
        name: 'epoch', nameLocation: 'middle', nameGap: 26 });
      [[others, '#6b9bd8', 1.2, 0.6], [ours, '#1d2330', 2.5, 1]].forEach(function (s) {
        option.series.push({ type: 'lines', coordinateSystem: 'cartesian2d', polyline: true,
          xAxisIndex: i, yAxisIndex: i, data: s[0],
          lineStyle: { color: s[1], width: s[2], opacity: s[3] }, emphasis: { lineStyle: { width: 3, opacity: 1 } } });
      });
      // Polylines do not size the axes: invisible points at each value span them.
      option.series.push({ type: 'scatter', xAxisIndex: i, yAxisIndex: i, symbolSize: 0, silent: true,
        tooltip: { show: false }, data: values.map(function (v) { return [0, v]; }) });
    });
    if (!data.params.length) option.title = emptyTitle('No searched parameter');
    draw('schedules', el, option);
  }

  // --- parallel coordinates and slices ----------------------------------------------------
  function paramAxisValue(p, v) {
    if (v === undefined || v === null) return null;
    return p.kind === 'categorical' ? fmt(v) : v;
  }

  function axisFor(p, values) {
    if (p.kind === 'categorical') {
      var cats = (p.choices || []).map(fmt);
      values.forEach(function (v) { if (v !== null && cats.indexOf(v) < 0) cats.push(v); });
      return { type: 'category', data: cats };
    }
    var lo = p.low, hi = p.high;
    values.forEach(function (v) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    if (p.log && lo > 0) return { type: 'log', min: lo, max: hi, logBase: 10 };
    return { type: 'value', min: lo, max: hi };
  }

  function completeTrials(data) {
    return data.trials.filter(function (t) { return t.state === 'complete' && t.value !== null; });
  }

  function valueRange(trials) {
    var lo = Infinity, hi = -Infinity;
    trials.forEach(function (t) { lo = Math.min(lo, t.value); hi = Math.max(hi, t.value); });
    return isFinite(lo) ? [lo, hi === lo ? lo + 1e-12 : hi] : [0, 1];
  }

  function drawParallel(data) {
    var trials = completeTrials(data);
    var params = data.params;
    var axes = params.map(function (p, i) {
      var values = trials.map(function (t) { return paramAxisValue(p, t.params[p.name]); });
      var a = axisFor(p, values);
      a.dim = i; a.name = p.name;
      return a;
    });
    axes.push({ dim: params.length, name: data.study.metric, type: 'value', scale: true });
    var rows = trials.map(function (t) {
      var row = params.map(function (p) { return paramAxisValue(p, t.params[p.name]); });
      row.push(t.value);
      return { value: row, trial: t };
    });
    var range = valueRange(trials);
    var minimize = data.study.direction === 'minimize';
    draw('parallel', $('chart-parallel'), {
      title: trials.length ? undefined : emptyTitle('No complete trial yet'),
      parallel: { left: 60, right: 90, top: 50, bottom: 30,
        parallelAxisDefault: { nameLocation: 'start', nameGap: 18, nameTextStyle: { fontSize: 12 } } },
      parallelAxis: axes,
      visualMap: { type: 'continuous', dimension: params.length, min: range[0], max: range[1],
        inRange: { color: minimize ? ['#1a9850', '#fee08b', '#d73027'] : ['#d73027', '#fee08b', '#1a9850'] },
        right: 4, top: 'middle', calculable: true, text: ['high', 'low'], itemHeight: 200 },
      tooltip: { trigger: 'item', formatter: function (p) { return p.data && p.data.trial ? trialTitle(p.data.trial) : ''; } },
      series: [{ type: 'parallel', data: rows, lineStyle: { width: 1.2, opacity: 0.6 },
        emphasis: { lineStyle: { width: 2.5, opacity: 1 } } }]
    });
  }

  // One small scatter per parameter, all in one chart (one grid each): a single canvas draws
  // them all, which is much faster than a chart per parameter.
  function drawSlices(data) {
    var el = $('chart-slices');
    var trials = completeTrials(data);
    var width = el.clientWidth || 1200;
    var cols = Math.max(1, Math.floor(width / 300));
    var rows = Math.max(1, Math.ceil(data.params.length / cols));
    var cellW = width / cols, cellH = 250;
    el.style.height = rows * cellH + 'px';
    if (page.charts.slices) page.charts.slices.resize();
    var last = 0;
    trials.forEach(function (t) { last = Math.max(last, t.number); });
    var option = { grid: [], xAxis: [], yAxis: [], series: [],
      tooltip: { trigger: 'item', formatter: function (q) { return trialTitle(q.data.trial) + '<br>' + configText(q.data.trial); } },
      visualMap: { show: false, type: 'continuous', dimension: 2, min: 0, max: Math.max(1, last),
        inRange: { color: ['#c6dbef', '#08306b'] } } };
    data.params.forEach(function (p, i) {
      var r = Math.floor(i / cols), c = i % cols;
      option.grid.push({ left: c * cellW + 60, width: cellW - 80, top: r * cellH + 14, height: cellH - 70 });
      var points = trials.filter(function (t) { return t.params[p.name] !== undefined; }).map(function (t) {
        return { value: [paramAxisValue(p, t.params[p.name]), t.value, t.number], trial: t };
      });
      var x = axisFor(p, points.map(function (q) { return q.value[0]; }));
      x.gridIndex = i; x.name = p.name; x.nameLocation = 'middle'; x.nameGap = 26;
      if (x.type !== 'category') x.scale = true;
      option.xAxis.push(x);
      option.yAxis.push({ gridIndex: i, type: 'value', scale: true, name: c === 0 ? data.study.metric : '',
        nameTextStyle: { fontSize: 11 } });
      option.series.push({ type: 'scatter', xAxisIndex: i, yAxisIndex: i, data: points, symbolSize: 6 });
    });
    if (!data.params.length || !trials.length) option.title = emptyTitle('No complete trial yet');
    draw('slices', el, option);
  }

  // --- parameter importance ---------------------------------------------------------------
  function drawImportance(data) {
    var imp = data.importance;
    var values = imp.values.slice().reverse();  // the most important on top
    var note = imp.method + ' (Watanabe, Bansal and Hutter, IJCAI 2023), computed by tune from ' +
      imp.trials + ' complete trials: how differently the best ' + Math.round(imp.top_fraction * 100) +
      '% of them place each parameter compared with all of them. Values sum to 1.';
    var top = Math.min(imp.trials, Math.max(2, Math.ceil(imp.top_fraction * imp.trials)));
    if (imp.trials < imp.min_trials) note += ' It needs at least ' + imp.min_trials + ' complete trials.';
    else if (top < 10) note += ' With only ' + top + ' trials in the best group, take these as rough.';
    $('importance-note').textContent = note;
    var shown = values.some(function (v) { return v.importance > 0; });
    $('chart-importance').style.height = Math.max(180, 50 + 34 * values.length) + 'px';
    if (page.charts.importance) page.charts.importance.resize();
    draw('importance', $('chart-importance'), {
      title: shown ? undefined : emptyTitle('Not enough complete trials to measure importance yet'),
      grid: { left: 140, right: 40, top: 14, bottom: 30 },
      tooltip: { trigger: 'item', formatter: function (p) { return esc(p.name) + ': ' + fmt(p.value); } },
      xAxis: { type: 'value', max: 1 },
      yAxis: { type: 'category', data: values.map(function (v) { return v.param; }) },
      series: [{ type: 'bar', data: shown ? values.map(function (v) { return +v.importance.toFixed(4); }) : [],
        itemStyle: { color: '#2f6fde' }, label: { show: true, position: 'right', formatter: function (p) { return fmt(p.value); } } }]
    });
  }

  // --- timeline ---------------------------------------------------------------------------
  function drawTimeline(data) {
    var t0 = studyStart(data);
    var workers = [];
    data.trials.forEach(function (t) {
      var w = t.worker || '(unknown)';
      if (workers.indexOf(w) < 0) workers.push(w);
    });
    var labels = workers.map(function (w) {
      var t = data.trials.filter(function (u) { return (u.worker || '(unknown)') === w; })[0];
      return t && t.device ? w + ' · ' + t.device : w;
    });
    var bars = data.trials.map(function (t) {
      var end = t.end !== null ? t.end : data.study.generated;
      return { value: [workers.indexOf(t.worker || '(unknown)'), t.start - t0, Math.max(end, t.start) - t0, t.number],
        trial: t, itemStyle: { color: COLORS[t.state] } };
    });
    draw('timeline', $('chart-timeline'), {
      title: bars.length ? undefined : emptyTitle('No trial yet'),
      grid: { left: 200, right: 24, top: 14, bottom: 44 },
      tooltip: { trigger: 'item', formatter: function (p) {
        var t = p.data.trial;
        return trialTitle(t) + '<br>' + esc(seconds(p.value[2] - p.value[1])) + ' on ' + esc(t.device) + '<br>' + esc(t.worker);
      } },
      xAxis: { type: 'value', name: 'seconds since the first trial started', nameLocation: 'middle', nameGap: 28, min: 0 },
      yAxis: { type: 'category', data: labels, inverse: true, axisLabel: { fontSize: 11, width: 190, overflow: 'truncate' } },
      series: [{ type: 'custom', data: bars, encode: { x: [1, 2], y: 0 },
        renderItem: function (params, api) {
          var start = api.coord([api.value(1), api.value(0)]);
          var end = api.coord([api.value(2), api.value(0)]);
          var h = api.size([0, 1])[1] * 0.6;
          var rect = echarts.graphic.clipRectByRect(
            { x: start[0], y: start[1] - h / 2, width: Math.max(end[0] - start[0], 1.5), height: h },
            { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height });
          return rect && { type: 'rect', shape: rect, style: api.style({ stroke: '#ffffff', lineWidth: 0.5 }) };
        } }]
    });
    $('chart-timeline').style.height = Math.max(200, 60 + 30 * workers.length) + 'px';
    page.charts.timeline.resize();
  }

  // --- tables -----------------------------------------------------------------------------
  function stateBadge(state) { return '<span class="state ' + esc(state) + '">' + esc(state) + '</span>'; }

  function drawTable(data) {
    var params = data.params.map(function (p) { return p.name; });
    data.trials.forEach(function (t) {
      Object.keys(t.params).forEach(function (k) { if (params.indexOf(k) < 0) params.push(k); });
    });
    var cols = [
      { key: 'number', label: '#', get: function (t) { return t.number; }, num: true },
      { key: 'state', label: 'state', get: function (t) { return t.state; }, html: stateBadge },
      { key: 'value', label: data.study.metric, get: function (t) { return t.value; }, num: true },
      { key: 'epochs', label: 'epochs', get: function (t) { return t.curve.length ? t.curve[t.curve.length - 1][0] : 0; }, num: true },
      { key: 'seconds', label: 'seconds', get: function (t) { return t.end !== null ? +(t.end - t.start).toFixed(2) : null; }, num: true },
      { key: 'device', label: 'device', get: function (t) { return t.device; } }
    ];
    params.forEach(function (name) {
      cols.push({ key: 'param:' + name, label: name, get: function (t) { return t.params[name]; }, num: true });
    });
    cols.push({ key: 'error', label: 'error', get: function (t) { return t.error; }, cls: 'error' });
    var col = cols.filter(function (c) { return c.key === tableSort.key; })[0] || cols[0];
    var rows = data.trials.slice().sort(function (a, b) {
      var x = col.get(a), y = col.get(b);
      if (x === y) return a.number - b.number;
      if (x === null || x === undefined || x === '') return 1;  // blanks last either way
      if (y === null || y === undefined || y === '') return -1;
      var c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return tableSort.asc ? c : -c;
    });
    var html = ['<thead><tr>'];
    cols.forEach(function (c) {
      var cls = c.key === col.key ? (tableSort.asc ? 'asc' : 'desc') : '';
      html.push('<th data-key="' + esc(c.key) + '" class="' + cls + '">' + esc(c.label) + '</th>');
    });
    html.push('</tr></thead><tbody>');
    rows.forEach(function (t) {
      html.push('<tr data-number="' + t.number + '">');
      cols.forEach(function (c) {
        var v = c.get(t);
        var cls = c.cls || (typeof v === 'number' ? 'num' : '');
        html.push('<td class="' + cls + '">' + (c.html ? c.html(v) : esc(fmt(v))) + '</td>');
      });
      html.push('</tr>');
    });
    html.push('</tbody>');
    var table = $('trials');
    table.innerHTML = html.join('');
    Array.prototype.forEach.call(table.querySelectorAll('th'), function (th) {
      th.addEventListener('click', function () {
        var key = th.getAttribute('data-key');
        tableSort = { key: key, asc: key === tableSort.key ? !tableSort.asc : true };
        drawTable(page.data);
      });
    });
  }

  function drawWorkers(data, live) {
    var section = $('workers-section');
    var busy = data.workers.some(function (w) { return w.trial !== null; });
    section.hidden = !(live || busy) || !data.workers.length;
    var html = ['<thead><tr><th>worker</th><th>device</th><th>current trial</th><th>epoch</th><th>trials finished</th></tr></thead><tbody>'];
    data.workers.forEach(function (w) {
      html.push('<tr><td>' + esc(w.worker) + '</td><td>' + esc(w.device) + '</td><td>' +
        (w.trial === null ? 'idle' : esc(w.trial)) + '</td><td class="num">' + (w.trial === null ? '' : w.epoch) +
        '</td><td class="num">' + w.trials + '</td></tr>');
    });
    html.push('</tbody>');
    $('workers').innerHTML = html.join('');
  }

  function drawSummary(data) {
    var c = data.counts, s = data.study;
    var parts = [data.trials.length + ' trials: ' + c.complete + ' complete, ' + c.pruned + ' pruned, ' +
      c.failed + ' failed, ' + c.running + ' running'];
    var best = null, minimize = s.direction === 'minimize';
    completeTrials(data).forEach(function (t) { if (!best || better(t.value, best.value, minimize)) best = t; });
    if (best) parts.push('best ' + s.metric + ' ' + fmt(best.value) + ' (trial ' + best.number + ')');
    parts.push(s.direction + ' ' + s.metric);
    parts.push('study ' + s.dir);
    $('summary').textContent = parts.join(' · ');
  }

  // Draws each view, timing it (page.timings, in ms: the benchmark prints them).
  function render(data, live) {
    page.data = data;
    page.timings = {};
    [['summary', drawSummary], ['workers', function (d) { drawWorkers(d, live); }],
     ['history', drawHistory], ['curves', drawCurves], ['schedules', drawSchedules],
     ['parallel', drawParallel],
     ['slices', drawSlices], ['importance', drawImportance], ['timeline', drawTimeline],
     ['table', drawTable]].forEach(function (view) {
      var start = performance.now();
      view[1](data);
      page.timings[view[0]] = Math.round(performance.now() - start);
    });
    page.trials = data.trials.length;
    page.renders += 1;
  }

  // What a redraw would change: the page is redrawn only when this differs.
  function signature(data) {
    var epochs = 0;
    data.trials.forEach(function (t) { epochs += t.curve.length; });
    return JSON.stringify([data.counts, data.trials.length, epochs, data.workers]);
  }

  function poll(config) {
    var status = $('live-status');
    status.hidden = false;
    function once() {
      fetch('api/study', { cache: 'no-store' }).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      }).then(function (data) {
        var sig = signature(data);
        if (sig !== lastSignature) { lastSignature = sig; render(data, true); }
        status.className = 'live-status';
        status.textContent = 'Live: updated ' + new Date().toLocaleTimeString() + ', every ' + (config.poll_ms / 1000) + ' s.';
      }).catch(function (e) {
        status.className = 'live-status stale';
        status.textContent = 'Cannot reach the dashboard (' + e.message + '); retrying.';
      }).then(function () { setTimeout(once, config.poll_ms); });
    }
    once();
  }

  function init() {
    var config = JSON.parse($('tune-config').textContent);
    $('history-by-number').addEventListener('click', function () { setHistoryMode('number'); });
    $('history-by-time').addEventListener('click', function () { setHistoryMode('time'); });
    window.addEventListener('resize', function () {
      Object.keys(page.charts).forEach(function (k) { page.charts[k].resize(); });
      if (page.data) drawSlices(page.data);  // its grids are laid out in pixels
    });
    if (config.mode === 'live') poll(config);
    else render(JSON.parse($('tune-data').textContent), false);
  }

  function setHistoryMode(mode) {
    historyMode = mode;
    $('history-by-number').className = mode === 'number' ? 'on' : '';
    $('history-by-time').className = mode === 'time' ? 'on' : '';
    if (page.data) drawHistory(page.data);
  }

  init();
})();
