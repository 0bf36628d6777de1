// The openeci web console (docs/console.md). Plain ES modules, no build step; xterm.js comes
// from its WebJar (window.Terminal). Routes: #/signin, #/groups, #/create, #/group/<id>.
import { ApiError, Client, flatten } from './api.js';

const STORE = 'openeci.console.credentials'; // sessionStorage: this tab only, gone when it closes
const GROUPS_POLL_MS = 3000;
const GROUP_POLL_MS = 3000;
const LOG_POLL_MS = 2000;

let client = null;
let view = null; // the current view's cleanup (timers, sockets)

// --- DOM helpers (no innerHTML: every value from the API goes in as text) -------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const $ = (sel, root = document) => root.querySelector(sel);

function badge(status) {
  const s = status || 'Unknown';
  return h('span', { class: `badge status-${s.replace(/[^A-Za-z]/g, '')}`, 'data-status': s }, s);
}

let flashTimer = null;

function flash(text, kind = 'info') {
  const el = $('#flash');
  clearTimeout(flashTimer);
  el.replaceChildren(text ? h('div', { class: `flash ${kind}`, role: 'status' }, text) : '');
  if (text) flashTimer = setTimeout(() => el.replaceChildren(), 10000);
}

function errorText(e) {
  return e instanceof ApiError ? e.toString() : String(e && e.message ? e.message : e);
}

function fmtTime(t) {
  if (!t) return '';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toLocaleString();
}

function table(id, headers, rows, empty) {
  return h('table', { id, class: 'grid' },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, empty))));
}

function stateText(s) {
  if (!s || !s.State) return '';
  let t = s.State;
  if (s.DetailStatus || s.Reason) t += ` (${s.DetailStatus || s.Reason})`;
  if (s.ExitCode !== undefined && s.ExitCode !== null && s.State === 'Terminated') t += `, exit ${s.ExitCode}`;
  return t;
}

// --- credentials -------------------------------------------------------------------------------

async function restore() {
  const saved = sessionStorage.getItem(STORE);
  if (!saved) return null;
  try {
    return await Client.create(JSON.parse(saved));
  } catch (e) {
    sessionStorage.removeItem(STORE);
    return null;
  }
}

function signOut() {
  sessionStorage.removeItem(STORE);
  client = null;
  location.hash = '#/signin';
}

function header() {
  const signedIn = client !== null;
  $('#nav').hidden = !signedIn;
  $('#signout').hidden = !signedIn;
  $('#who').hidden = !signedIn;
  $('#who').textContent = signedIn ? `${client.accessKeyId} · ${client.region}` : '';
}

// --- views -------------------------------------------------------------------------------------

function signInView(main) {
  const error = h('p', { id: 'signin-error', class: 'error', role: 'alert', hidden: true });
  const form = h('form', { id: 'signin-form', class: 'card narrow', autocomplete: 'off' },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'Your AccessKey stays in this browser tab (session storage) and is used only to'
      + ' sign requests here; it is never sent to the server. Closing the tab or signing out forgets it.'),
    h('label', {}, 'AccessKey ID', h('input', { id: 'ak-id', name: 'ak-id', required: true, spellcheck: 'false',
      autocomplete: 'off' })),
    h('label', {}, 'AccessKey secret', h('input', { id: 'ak-secret', name: 'ak-secret', type: 'password',
      required: true, autocomplete: 'off' })),
    h('label', {}, 'Region', h('input', { id: 'ak-region', name: 'ak-region', value: 'cn-hangzhou', required: true })),
    error,
    h('button', { id: 'signin', type: 'submit', class: 'primary' }, 'Sign in'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const creds = { accessKeyId: $('#ak-id').value.trim(), accessKeySecret: $('#ak-secret').value,
      region: $('#ak-region').value.trim() };
    try {
      const c = await Client.create(creds);
      await c.call('DescribeContainerGroups', { Limit: 1 }); // proves the key before keeping it
      sessionStorage.setItem(STORE, JSON.stringify(creds));
      client = c;
      location.hash = '#/groups';
    } catch (e) {
      error.textContent = errorText(e);
      error.hidden = false;
    }
  });
  main.replaceChildren(form);
  $('#ak-id').focus();
}

function groupsView(main) {
  const status = h('span', { id: 'groups-updated', class: 'muted' });
  const body = h('div', { id: 'groups' }, h('p', { class: 'muted' }, 'Loading…'));
  main.replaceChildren(h('section', { class: 'card' },
    h('div', { class: 'bar' }, h('h1', {}, 'Container groups'), status,
      h('a', { href: '#/create', class: 'button primary', id: 'new-group' }, 'Create group')),
    body));
  let stopped = false;
  let timer = null;
  async function poll() {
    try {
      const groups = [];
      let token = '';
      do { // every page (the API gives at most 20 a call), up to 500 groups
        const r = await client.call('DescribeContainerGroups', { Limit: 20, ...(token ? { NextToken: token } : {}) });
        groups.push(...(r.ContainerGroups || []));
        token = r.NextToken || '';
      } while (token && groups.length < 500 && !stopped);
      if (stopped) return;
      groups.sort((a, b) => (b.CreationTime || '').localeCompare(a.CreationTime || ''));
      const rows = groups.map((g) => {
        const cs = g.Containers || [];
        const ready = cs.filter((c) => c.Ready).length;
        const restarts = cs.reduce((n, c) => n + (c.RestartCount || 0), 0);
        return h('tr', { 'data-id': g.ContainerGroupId, 'data-name': g.ContainerGroupName },
          h('td', {}, h('a', { href: `#/group/${encodeURIComponent(g.ContainerGroupId)}`, class: 'group-link' },
            g.ContainerGroupName)),
          h('td', { class: 'mono' }, g.ContainerGroupId),
          h('td', {}, badge(g.Status)),
          h('td', {}, `${ready}/${cs.length}`),
          h('td', {}, String(restarts)),
          h('td', { class: 'mono' }, g.IntranetIp || ''),
          h('td', {}, `${g.Cpu ?? ''} vCPU · ${g.Memory ?? ''} GiB`),
          h('td', {}, fmtTime(g.CreationTime)));
      });
      body.replaceChildren(table('groups-table', ['Name', 'ID', 'Status', 'Ready', 'Restarts', 'IP', 'Spec',
        'Created'], rows, 'No container groups yet.'));
      status.textContent = `${groups.length} group${groups.length === 1 ? '' : 's'} · updated `
        + new Date().toLocaleTimeString();
    } catch (e) {
      status.textContent = `update failed: ${errorText(e)}`;
    }
    if (!stopped) timer = setTimeout(poll, GROUPS_POLL_MS);
  }
  poll();
  return () => { stopped = true; clearTimeout(timer); };
}

function lines(text) {
  return text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
}

/** The form's fields as CreateContainerGroup parameters (a JSON object, the same as the JSON tab). */
function formToJson() {
  const container = { Name: $('#c-container').value.trim(), Image: $('#c-image').value.trim() };
  const command = lines($('#c-command').value);
  if (command.length) container.Command = command;
  const args = lines($('#c-args').value);
  if (args.length) container.Arg = args;
  const env = lines($('#c-env').value).map((l) => {
    const eq = l.indexOf('=');
    if (eq <= 0) throw new Error(`environment line "${l}" is not KEY=VALUE`);
    return { Key: l.slice(0, eq), Value: l.slice(eq + 1) };
  });
  if (env.length) container.EnvironmentVar = env;
  const ports = $('#c-ports').value.split(/[\s,]+/).filter((p) => p).map((p) => {
    const m = /^(\d{1,5})(?:\/(TCP|UDP|tcp|udp))?$/.exec(p);
    if (!m) throw new Error(`port "${p}" is not PORT or PORT/TCP or PORT/UDP`);
    return { Port: Number(m[1]), Protocol: (m[2] || 'TCP').toUpperCase() };
  });
  if (ports.length) container.Port = ports;
  const spec = { ContainerGroupName: $('#c-name').value.trim(), RestartPolicy: $('#c-restart').value };
  if ($('#c-cpu').value) spec.Cpu = Number($('#c-cpu').value);
  if ($('#c-memory').value) spec.Memory = Number($('#c-memory').value);
  spec.Container = [container];
  return spec;
}

function createView(main) {
  const error = h('p', { id: 'create-error', class: 'error', role: 'alert', hidden: true });
  const field = (label, input, hint) => h('label', {}, label, input, hint ? h('small', { class: 'muted' }, hint) : '');
  const form = h('form', { id: 'create-form', autocomplete: 'off' },
    h('div', { class: 'cols' },
      field('Group name', h('input', { id: 'c-name', required: true, placeholder: 'my-group', spellcheck: 'false' }),
        'lowercase letters, digits and hyphens'),
      field('Restart policy', h('select', { id: 'c-restart' },
        h('option', { value: 'Always' }, 'Always'), h('option', { value: 'OnFailure' }, 'OnFailure'),
        h('option', { value: 'Never' }, 'Never'))),
      field('vCPU', h('input', { id: 'c-cpu', type: 'number', step: '0.25', min: '0.25', value: '1' })),
      field('Memory (GiB)', h('input', { id: 'c-memory', type: 'number', step: '0.5', min: '0.5', value: '2' }))),
    h('div', { class: 'cols' },
      field('Container name', h('input', { id: 'c-container', required: true, value: 'app', spellcheck: 'false' })),
      field('Image', h('input', { id: 'c-image', required: true, placeholder: 'registry/name:tag',
        spellcheck: 'false' }))),
    h('div', { class: 'cols' },
      field('Command', h('textarea', { id: 'c-command', rows: 3, spellcheck: 'false', placeholder: '/bin/sh' }),
        'one item per line (the image entrypoint when empty)'),
      field('Arguments', h('textarea', { id: 'c-args', rows: 3, spellcheck: 'false', placeholder: '-c\necho hi' }),
        'one item per line')),
    h('div', { class: 'cols' },
      field('Environment', h('textarea', { id: 'c-env', rows: 3, spellcheck: 'false', placeholder: 'KEY=value' }),
        'KEY=VALUE, one per line'),
      field('Ports', h('input', { id: 'c-ports', spellcheck: 'false', placeholder: '80, 53/UDP' }),
        'container ports, comma separated')),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', id: 'create-submit', class: 'primary' }, 'Create'),
      h('button', { type: 'button', id: 'to-json', onclick: () => {
        try {
          $('#c-json').value = JSON.stringify(formToJson(), null, 2);
          showTab('json');
        } catch (e) {
          showError(e);
        }
      } }, 'Edit as JSON')));
  const jsonForm = h('form', { id: 'create-json-form', hidden: true },
    h('label', {}, 'CreateContainerGroup parameters (JSON; lists become Container.1.Name and so on)',
      h('textarea', { id: 'c-json', rows: 30, class: 'mono', spellcheck: 'false' },
        JSON.stringify({ ContainerGroupName: 'my-group', RestartPolicy: 'Always', Cpu: 1, Memory: 2,
          Container: [{ Name: 'app', Image: 'registry/name:tag', Command: ['/bin/sh'], Arg: ['-c', 'sleep 3600'],
            EnvironmentVar: [{ Key: 'GREETING', Value: 'hello' }], Port: [{ Port: 80, Protocol: 'TCP' }] }],
          Tag: [{ Key: 'team', Value: 'web' }] }, null, 2))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'create-json-submit', class: 'primary' }, 'Create')));
  const tabs = h('div', { class: 'tabs', role: 'tablist' },
    h('button', { type: 'button', id: 'tab-form', class: 'tab active', onclick: () => showTab('form') }, 'Form'),
    h('button', { type: 'button', id: 'tab-json', class: 'tab', onclick: () => showTab('json') }, 'JSON'));
  function showTab(which) {
    form.hidden = which !== 'form';
    jsonForm.hidden = which !== 'json';
    $('#tab-form').classList.toggle('active', which === 'form');
    $('#tab-json').classList.toggle('active', which === 'json');
  }
  function showError(e) {
    // A DryRun=true create that passes validation is answered with the error DryRun.Success.
    error.className = e instanceof ApiError && e.code === 'DryRun.Success' ? 'notice' : 'error';
    error.textContent = errorText(e);
    error.hidden = false;
  }
  async function submit(params) {
    error.hidden = true;
    const buttons = main.querySelectorAll('button[type=submit]');
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const r = await client.call('CreateContainerGroup', { ClientToken: crypto.randomUUID(), ...params });
      flash(`Created ${r.ContainerGroupId}.`, 'ok');
      location.hash = '#/groups';
    } catch (e) {
      showError(e);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    let params;
    try {
      params = flatten(formToJson());
    } catch (e) {
      showError(e);
      return;
    }
    submit(params);
  });
  jsonForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    let params;
    try {
      const parsed = JSON.parse($('#c-json').value);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error('the JSON must be an object of CreateContainerGroup parameters');
      }
      params = flatten(parsed);
    } catch (e) {
      showError(new Error(`Invalid JSON: ${e.message}`));
      return;
    }
    submit(params);
  });
  main.replaceChildren(h('section', { class: 'card' }, h('h1', {}, 'Create a container group'), tabs, error, form,
    jsonForm));
  $('#c-name').focus();
}

function groupView(main, id) {
  const title = h('h1', { id: 'group-title' }, id);
  const statusEl = h('span', { id: 'group-status' });
  const updated = h('span', { id: 'group-updated', class: 'muted' });
  const overview = h('div', { id: 'overview' }, h('p', { class: 'muted' }, 'Loading…'));
  const containers = h('div', { id: 'containers' });
  const events = h('div', { id: 'events' });
  const volumes = h('div', { id: 'volumes' });
  const tags = h('div', { id: 'tags' });
  const logSelect = h('select', { id: 'log-container' });
  const logFollow = h('input', { id: 'log-follow', type: 'checkbox', checked: true });
  const logPrevious = h('input', { id: 'log-previous', type: 'checkbox' });
  const logPre = h('pre', { id: 'log', class: 'log' });
  const logState = h('span', { id: 'log-state', class: 'muted' });
  const execSelect = h('select', { id: 'exec-container' });
  const execCommand = h('input', { id: 'exec-command', value: '/bin/sh', spellcheck: 'false' });
  const execConnect = h('button', { id: 'exec-connect', type: 'button', class: 'primary' }, 'Connect');
  const execDisconnect = h('button', { id: 'exec-disconnect', type: 'button', disabled: true }, 'Disconnect');
  const execState = h('span', { id: 'exec-state', class: 'muted' }, 'not connected');
  const termEl = h('div', { id: 'terminal', class: 'terminal', hidden: true });
  const restart = h('button', { id: 'restart', type: 'button' }, 'Restart');
  const del = h('button', { id: 'delete', type: 'button', class: 'danger' }, 'Delete');

  main.replaceChildren(
    h('section', { class: 'card' },
      h('div', { class: 'bar' }, h('a', { href: '#/groups' }, '← Groups'), title, statusEl, updated,
        h('span', { class: 'spacer' }), restart, del),
      overview),
    h('section', { class: 'card' }, h('h2', {}, 'Containers'), containers),
    h('section', { class: 'card' },
      h('div', { class: 'bar' }, h('h2', {}, 'Logs'), logSelect,
        h('label', { class: 'inline' }, logFollow, 'Follow'),
        h('label', { class: 'inline' }, logPrevious, 'Previous instance'),
        h('button', { id: 'log-refresh', type: 'button', onclick: () => loadLog() }, 'Refresh'), logState),
      logPre),
    h('section', { class: 'card' },
      h('div', { class: 'bar' }, h('h2', {}, 'Terminal'), execSelect, execCommand, execConnect, execDisconnect,
        execState),
      termEl),
    h('div', { class: 'two' },
      h('section', { class: 'card' }, h('h2', {}, 'Events'), events),
      h('section', { class: 'card' }, h('h2', {}, 'Volumes'), volumes, h('h2', {}, 'Tags'), tags)));

  let stopped = false;
  let groupTimer = null;
  let logTimer = null;
  let socket = null;
  let term = null;
  let names = [];

  function setOptions(select, list) {
    if (list.join('\n') === names.join('\n') && select.options.length === list.length) return;
    const keep = select.value;
    select.replaceChildren(...list.map((n) => h('option', { value: n }, n)));
    if (list.includes(keep)) select.value = keep;
  }

  function render(g) {
    title.textContent = g.ContainerGroupName;
    statusEl.replaceChildren(badge(g.Status));
    const dl = (pairs) => h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]));
    overview.replaceChildren(dl([
      ['ID', g.ContainerGroupId], ['Region / zone', [g.RegionId, g.ZoneId].filter((x) => x).join(' / ')],
      ['Spec', `${g.Cpu} vCPU · ${g.Memory} GiB`], ['Restart policy', g.RestartPolicy],
      ['Intranet IP', g.IntranetIp], ['Internet IP', g.InternetIp], ['IPv6', g.Ipv6Address],
      ['Created', fmtTime(g.CreationTime)], ['Succeeded', fmtTime(g.SucceededTime)],
      ['Failed', fmtTime(g.FailedTime)]]));
    const cs = g.Containers || [];
    const inits = g.InitContainers || [];
    const rows = [...inits.map((c) => [c, true]), ...cs.map((c) => [c, false])].map(([c, init]) =>
      h('tr', { 'data-container': c.Name },
        h('td', {}, c.Name, init ? h('span', { class: 'muted' }, ' (init)') : ''),
        h('td', { class: 'mono' }, c.Image),
        h('td', { class: 'state-current' }, stateText(c.CurrentState),
          c.CurrentState && c.CurrentState.StartTime ? h('div', { class: 'muted' }, `since ${fmtTime(c.CurrentState.StartTime)}`) : ''),
        h('td', { class: 'state-previous' }, stateText(c.PreviousState)),
        h('td', { class: 'restarts' }, String(c.RestartCount ?? 0)),
        h('td', { class: 'ready' }, init ? '' : (c.Ready ? 'yes' : 'no')),
        h('td', { class: 'mono' }, (c.Ports || []).map((p) => `${p.Port}/${p.Protocol || 'TCP'}`).join(', '))));
    containers.replaceChildren(table('containers-table', ['Name', 'Image', 'Current state', 'Previous state',
      'Restarts', 'Ready', 'Ports'], rows, 'No containers.'));
    const evs = [...(g.Events || [])].sort((a, b) => (b.LastTimestamp || '').localeCompare(a.LastTimestamp || ''));
    events.replaceChildren(table('events-table', ['Last seen', 'Type', 'Reason', 'Message', 'Count'],
      evs.slice(0, 50).map((e) => h('tr', { class: e.Type === 'Warning' ? 'warn' : '' },
        h('td', {}, fmtTime(e.LastTimestamp)), h('td', {}, e.Type), h('td', {}, e.Reason),
        h('td', { class: 'message' }, e.Message), h('td', {}, String(e.Count ?? 1)))), 'No events.'));
    volumes.replaceChildren(table('volumes-table', ['Name', 'Type', 'Detail'], (g.Volumes || []).map((v) =>
      h('tr', {}, h('td', {}, v.Name), h('td', {}, v.Type), h('td', { class: 'mono' },
        [v.EmptyDirVolumeMedium, v.EmptyDirVolumeSizeLimit, v.NFSVolumeServer && `${v.NFSVolumeServer}:${v.NFSVolumePath}`,
          (v.ConfigFileVolumeConfigFileToPaths || []).map((f) => f.Path).join(', ')].filter((x) => x).join(' ')))),
    'No volumes.'));
    tags.replaceChildren(table('tags-table', ['Key', 'Value'], (g.Tags || []).map((t) =>
      h('tr', {}, h('td', {}, t.Key), h('td', {}, t.Value))), 'No tags.'));
    const list = cs.map((c) => c.Name);
    setOptions(logSelect, list);
    setOptions(execSelect, list);
    names = list;
  }

  async function pollGroup() {
    try {
      const r = await client.call('DescribeContainerGroups', { ContainerGroupIds: JSON.stringify([id]) });
      if (stopped) return;
      const g = (r.ContainerGroups || [])[0];
      if (!g) {
        overview.replaceChildren(h('p', { class: 'error' }, `No container group ${id} in this account and region.`));
        updated.textContent = '';
        return;
      }
      const first = names.length === 0;
      render(g);
      updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
      if (first && names.length) loadLog();
    } catch (e) {
      updated.textContent = `update failed: ${errorText(e)}`;
    }
    if (!stopped) groupTimer = setTimeout(pollGroup, GROUP_POLL_MS);
  }

  async function loadLog() {
    clearTimeout(logTimer);
    const name = logSelect.value;
    if (!name || stopped) return;
    try {
      const params = { ContainerGroupId: id, ContainerName: name, Tail: 1000 };
      if (logPrevious.checked) params.LastTime = true;
      const r = await client.call('DescribeContainerLog', params);
      if (stopped) return;
      const atBottom = logPre.scrollTop + logPre.clientHeight >= logPre.scrollHeight - 4;
      if (logPre.textContent !== (r.Content || '')) {
        logPre.textContent = r.Content || '';
        if (atBottom || logFollow.checked) logPre.scrollTop = logPre.scrollHeight;
      }
      logState.textContent = `${name}${logPrevious.checked ? ' (previous)' : ''} · ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      logState.textContent = errorText(e);
    }
    if (logFollow.checked && !stopped) logTimer = setTimeout(loadLog, LOG_POLL_MS);
  }
  logSelect.addEventListener('change', () => loadLog());
  logPrevious.addEventListener('change', () => loadLog());
  logFollow.addEventListener('change', () => loadLog());

  function closeSocket() {
    if (socket) {
      const s = socket;
      socket = null;
      try { s.close(1000, 'closed by the console'); } catch (e) { /* already closed */ }
    }
    execConnect.disabled = false;
    execDisconnect.disabled = true;
  }

  function ensureTerminal() {
    if (term) return term;
    if (typeof window.Terminal !== 'function') throw new Error('xterm.js did not load');
    // The exec protocol has no resize message yet: keep the engine's default TTY size (80x24).
    term = new window.Terminal({ cols: 80, rows: 24, convertEol: false, cursorBlink: true, scrollback: 2000,
      fontFamily: 'DejaVu Sans Mono, Menlo, Consolas, monospace', fontSize: 14 });
    termEl.hidden = false; // xterm measures its element: it must be shown before open
    term.open(termEl);
    termEl.openeciTerminal = term; // read by the browser test through the terminal's own buffer API
    const encoder = new TextEncoder();
    term.onData((d) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) return;
      const data = encoder.encode(d);
      const frame = new Uint8Array(data.length + 1);
      frame[0] = 0; // stdin
      frame.set(data, 1);
      socket.send(frame);
    });
    return term;
  }

  execConnect.addEventListener('click', async () => {
    closeSocket();
    const name = execSelect.value;
    const raw = execCommand.value.trim();
    let command;
    try {
      command = raw.startsWith('[') ? JSON.parse(raw) : raw.split(/\s+/).filter((x) => x);
      if (!Array.isArray(command) || command.length === 0) throw new Error('enter a command, e.g. /bin/sh');
      ensureTerminal();
    } catch (e) {
      execState.textContent = errorText(e);
      return;
    }
    execConnect.disabled = true;
    execState.textContent = 'connecting…';
    let uri;
    try {
      const r = await client.call('ExecContainerCommand', { ContainerGroupId: id, ContainerName: name,
        Command: JSON.stringify(command), TTY: true, Stdin: true });
      uri = new URL(r.WebSocketUri);
    } catch (e) {
      execState.textContent = errorText(e);
      execConnect.disabled = false;
      return;
    }
    if (stopped) return;
    // Same server, reached the way this page was: the URI names the listen address, which may not
    // be the address the browser used (and CSP allows only this origin).
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${uri.pathname}${uri.search}`);
    ws.binaryType = 'arraybuffer';
    socket = ws;
    const decoder = new TextDecoder();
    ws.addEventListener('open', () => {
      execState.textContent = `connected: ${command.join(' ')} in ${name}`;
      execDisconnect.disabled = false;
      term.focus();
    });
    ws.addEventListener('message', (ev) => {
      const bytes = new Uint8Array(ev.data instanceof ArrayBuffer ? ev.data : new TextEncoder().encode(ev.data));
      if (bytes.length === 0) return;
      const payload = bytes.subarray(1);
      if (bytes[0] === 1 || bytes[0] === 2) {
        term.write(payload);
      } else if (bytes[0] === 3) {
        try {
          execState.textContent = `exited with code ${JSON.parse(decoder.decode(payload)).ExitCode}`;
        } catch (e) {
          execState.textContent = 'exited';
        }
      }
    });
    ws.addEventListener('close', (ev) => {
      if (socket === ws) socket = null;
      if (!execState.textContent.startsWith('exited')) {
        execState.textContent = `disconnected${ev.code !== 1000 && ev.code !== 1005 ? ` (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})` : ''}`;
      }
      execConnect.disabled = false;
      execDisconnect.disabled = true;
    });
  });
  execDisconnect.addEventListener('click', () => {
    closeSocket();
    execState.textContent = 'disconnected';
  });

  restart.addEventListener('click', async () => {
    restart.disabled = true;
    try {
      await client.call('RestartContainerGroup', { ContainerGroupId: id });
      flash(`Restarting ${id}.`, 'ok');
    } catch (e) {
      flash(errorText(e), 'bad');
    } finally {
      restart.disabled = false;
    }
  });
  del.addEventListener('click', async () => {
    const ok = await confirmDialog(`Delete ${title.textContent} (${id})? Its containers are stopped and removed;`
      + ' this cannot be undone.', 'Delete');
    if (!ok) return;
    try {
      await client.call('DeleteContainerGroup', { ContainerGroupId: id });
      flash(`Deleted ${id}.`, 'ok');
      location.hash = '#/groups';
    } catch (e) {
      flash(errorText(e), 'bad');
    }
  });

  pollGroup();
  return () => {
    stopped = true;
    clearTimeout(groupTimer);
    clearTimeout(logTimer);
    closeSocket();
    if (term) term.dispose();
  };
}

function confirmDialog(text, action) {
  const dialog = $('#confirm');
  $('#confirm-text').textContent = text;
  $('#confirm-ok').textContent = action;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

// --- router ------------------------------------------------------------------------------------

async function route() {
  if (view) view();
  view = null;
  const hash = location.hash || '#/groups';
  const main = $('#main');
  if (!client && hash !== '#/signin') {
    location.hash = '#/signin';
    return;
  }
  header();
  if (hash !== '#/groups' && !hash.startsWith('#/group/') && hash !== '#/create') flash('');
  const m = /^#\/group\/(.+)$/.exec(hash);
  if (hash === '#/signin') {
    flash('');
    view = signInView(main);
  } else if (hash === '#/create') {
    view = createView(main);
  } else if (m) {
    view = groupView(main, decodeURIComponent(m[1]));
  } else {
    view = groupsView(main);
  }
  document.body.dataset.view = hash.split('/')[1] || 'groups';
}

async function start() {
  $('#signout').addEventListener('click', signOut);
  $('#confirm-cancel').addEventListener('click', () => $('#confirm').close('cancel'));
  $('#confirm-ok').addEventListener('click', () => $('#confirm').close('ok'));
  client = await restore();
  window.addEventListener('hashchange', route);
  await route();
}

start();
