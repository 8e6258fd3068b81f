/**
 * The dashboard's script: follows `/events` (server-sent events) and redraws the page from
 * each snapshot, with no reload. Builds the DOM with textContent only (no HTML from data).
 * Replicas are numbered from 1, as `fizz ps` shows them. `window.fizzDashboard` holds what it last received (for a look from the browser's console).
 */
export const PAGE_JS = `(function () {
  'use strict';
  var MAX_EVENTS = 100;
  var state = { snapshot: null, events: [], updates: 0, connected: false };
  window.fizzDashboard = state;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function put(parent, children) {
    parent.replaceChildren.apply(parent, children);
  }
  function tone(word) {
    if (word === 'alive' || word === 'running' || word === 'healthy') return 'ok';
    if (word === 'suspect' || word === 'starting' || word === 'restarting' || word === 'paused' || word === 'created') return 'warn';
    if (word === 'dead' || word === 'unhealthy' || word === 'exited') return 'bad';
    return '';
  }
  function badge(word) {
    return el('span', 'badge ' + tone(word), word);
  }
  function clock(t) {
    var d = new Date(t);
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }

  function renderNodes(s) {
    var most = 1;
    s.nodes.forEach(function (n) { most = Math.max(most, n.replicas); });
    put($('nodes'), s.nodes.map(function (n) {
      var card = el('article', 'card node ' + n.state);
      card.dataset.node = n.name;
      card.dataset.state = n.state;
      var h = el('h3');
      h.append(el('span', 'name', n.name + (n.self ? ' ★' : '')), badge(n.state));
      card.append(h, el('div', 'sub', n.address || 'this machine'));
      var bar = el('div', 'bar');
      var fill = el('span');
      fill.style.width = Math.round((100 * n.replicas) / most) + '%';
      bar.append(fill);
      var labels = Object.keys(n.labels || {}).map(function (k) { return k + '=' + n.labels[k]; }).join(', ');
      card.append(bar, el('div', 'sub',
        n.replicas + (n.replicas === 1 ? ' replica' : ' replicas') + ' · capacity ' +
        (n.capacity === 0 ? '0 (drained)' : n.capacity) + (labels ? ' · ' + labels : '') +
        (n.version ? ' · v' + n.version : '')));
      return card;
    }));
  }

  function renderServices(s) {
    if (s.services.length === 0) {
      put($('services'), [el('p', 'empty', 'No project is up.')]);
      return;
    }
    put($('services'), s.services.map(function (svc) {
      var card = el('article', 'card service');
      card.dataset.service = svc.project + '/' + svc.service;
      var running = svc.replicas.filter(function (r) { return r.state === 'running'; }).length;
      var h = el('h3');
      var word = svc.stopped ? 'stopped' : running + '/' + svc.desired + ' running';
      var b = el('span', 'badge ' + (svc.stopped ? '' : running >= svc.desired && svc.pending.length === 0 ? 'ok' : 'warn'), word);
      h.append(el('span', 'name', svc.service), b);
      card.append(h, el('div', 'sub', 'project ' + svc.project));
      var list = el('ul', 'replicas');
      svc.replicas.forEach(function (r) {
        var li = el('li');
        li.dataset.slot = svc.project + '/' + svc.service + '/' + r.replica;
        li.dataset.node = r.node;
        li.dataset.state = r.state;
        li.dataset.health = r.health;
        li.append(el('span', 'idx', '#' + (r.replica + 1)), el('span', 'where', r.node || '?'), badge(r.state));
        if (r.health && r.health !== 'none') li.append(badge(r.health));
        if (r.state === 'exited' && r.exitCode !== undefined) li.append(el('span', 'sub', 'exit ' + r.exitCode));
        list.append(li);
      });
      svc.pending.forEach(function (p) {
        var li = el('li', 'pending');
        li.dataset.slot = svc.project + '/' + svc.service + '/' + p.replica;
        li.dataset.state = 'pending';
        li.append(el('span', 'idx', '#' + (p.replica + 1)), el('span', 'where', 'pending'), el('span', 'why', p.reason));
        list.append(li);
      });
      if (list.children.length === 0) list.append(el('li', 'empty', 'no replica'));
      card.append(list);
      return card;
    }));
  }

  function renderEvents() {
    var shown = state.events.slice(-50).reverse();
    if (shown.length === 0) {
      put($('events'), [el('li', 'empty', 'No event yet.')]);
      return;
    }
    put($('events'), shown.map(function (e) {
      var li = el('li');
      li.dataset.type = e.type;
      li.dataset.action = e.action;
      var t = el('time', '', clock(e.time));
      t.dateTime = new Date(e.time).toISOString();
      var subject = e.service ? e.service + (e.replica !== undefined ? ' #' + e.replica : '') : '';
      li.append(t, el('span', 'what', e.type + ' ' + e.action), el('span', '', subject), el('span', 'sub', e.node ? 'on ' + e.node : ''));
      if (e.detail) li.append(el('span', 'detail', e.detail));
      return li;
    }));
  }

  function render() {
    var s = state.snapshot;
    if (!s) return;
    var errors = $('errors');
    var problems = (s.errors || []).slice();
    if (s.error) problems.push(s.error);
    if (s.clustered && !s.majority) problems.push('This node sees no majority of the cluster: it keeps its replicas and takes over none.');
    errors.hidden = problems.length === 0;
    errors.textContent = problems.join(' ');
    if (!s.nodes) return;
    var alive = s.nodes.filter(function (n) { return n.state === 'alive'; }).length;
    $('cluster').textContent = s.clustered
      ? 'cluster seen from ' + s.self + ': ' + alive + ' of ' + s.nodes.length + ' nodes alive'
      : 'single node ' + s.self;
    renderNodes(s);
    renderServices(s);
  }

  function live(word, text) {
    var l = $('live');
    l.dataset.live = word;
    l.textContent = text;
  }

  function connect() {
    var source = new EventSource('events');
    source.onopen = function () { state.connected = true; live('on', 'live'); };
    source.onerror = function () {
      state.connected = false;
      if (source.readyState === EventSource.CLOSED) live('off', 'disconnected: reload to log in again');
      else live('off', 'reconnecting…');
    };
    source.addEventListener('snapshot', function (m) {
      state.snapshot = JSON.parse(m.data);
      state.updates++;
      render();
    });
    source.addEventListener('events', function (m) {
      state.events = JSON.parse(m.data);
      renderEvents();
    });
    source.addEventListener('event', function (m) {
      state.events.push(JSON.parse(m.data));
      if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
      renderEvents();
    });
  }

  renderEvents();
  connect();
})();
`;
