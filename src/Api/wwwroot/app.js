// GicService dashboard: the hosts, their pCPUs, VMs, vCPUs, ITS devices and VFIO vectors over HTTP, and the
// live event feed over SignalR (/hubs/fabric). Plain JS, no framework; the SignalR client comes from npm.
const signalR = window.signalR;
const $ = (selector, root = document) => root.querySelector(selector);

const FEED_ROWS = 400;          // rows kept in the DOM
const REPLAY_ON_SELECT = 300;   // recent events replayed when a host is selected
const COUNTED = ['VlpiDelivered', 'DoorbellFired', 'LpiPending', 'VlpiPending', 'InterruptAcknowledged', 'ItsCommandError', 'MsiDropped'];
const TAKES_INTERRUPT = new Set(['LpiPending', 'VlpiPending', 'VlpiDelivered', 'DoorbellFired', 'InterruptAcknowledged']);

const state = {
  hosts: [],
  hostId: null,
  lastSeq: 0,        // last seq received for the selected host: the resume point
  liveFrom: 0,       // events after this arrived live (not replayed)
  scopeVm: '',       // server-side filter
  vms: [],
  vfio: null,        // null: VFIO routes not available
  perSecond: {},
  rates: {},
  totals: {},
};

// ---------------------------------------------------------------- API key

// With Auth:Keys configured every route but /healthz needs a key. Given as #key=... in the address or through the
// "key" button, it is kept for this tab only and sent as a Bearer token (the hub: SignalR's access_token).
const KEY_ITEM = 'gicservice.key';
const apiKey = () => sessionStorage.getItem(KEY_ITEM) ?? '';
const keyInFragment = new URLSearchParams(location.hash.slice(1)).get('key');
if (keyInFragment) {
  sessionStorage.setItem(KEY_ITEM, keyInFragment);
  history.replaceState(null, '', location.pathname + location.search); // keep the key out of the address bar
}
const authHeaders = () => (apiKey() ? { authorization: `Bearer ${apiKey()}` } : {});

// ---------------------------------------------------------------- HTTP

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, json?.detail ?? json?.title ?? response.statusText);
  }
  return json;
}

const hostPath = () => `/api/hosts/${encodeURIComponent(state.hostId)}`;

// ---------------------------------------------------------------- SignalR

const connection = new signalR.HubConnectionBuilder()
  .withUrl('/hubs/fabric', { accessTokenFactory: apiKey })
  .withAutomaticReconnect([0, 500, 1000, 2000, 5000, 5000, 10000])
  .configureLogging(signalR.LogLevel.Warning)
  .build();

const incoming = [];
connection.on('Event', e => {
  incoming.push(e);
  if (incoming.length === 1) setTimeout(drain, 50); // batch: at most 20 renders a second, also in a hidden tab
});

connection.on('SubscriptionEnded', notice => {
  if (notice.hostId !== state.hostId) return;
  if (notice.reason === 'lagged') {
    showResult(`Fell behind; resuming after seq ${notice.resumeAfterSeq}.`);
    subscribe(state.hostId, Math.max(state.lastSeq, notice.resumeAfterSeq));
  } else {
    showResult(notice.detail);
    refreshHosts();
  }
});

connection.onreconnecting(() => setStatus('offline'));
connection.onreconnected(() => state.hostId && subscribe(state.hostId, state.lastSeq));
connection.onclose(() => { setStatus('offline'); setTimeout(start, 2000); });

async function start() {
  try {
    setStatus('connecting');
    await connection.start();
    if (state.hostId) await subscribe(state.hostId, state.lastSeq);
    else setStatus('live');
  } catch {
    setStatus('offline');
    setTimeout(start, 2000);
  }
}

async function subscribe(hostId, afterSeq) {
  if (connection.state !== signalR.HubConnectionState.Connected) return;
  const reply = state.scopeVm
    ? await connection.invoke('SubscribeFiltered', hostId, afterSeq, { vmId: state.scopeVm, vcpu: null })
    : await connection.invoke('Subscribe', hostId, afterSeq);
  state.liveFrom = Math.max(state.liveFrom, reply.lastSeq);
  setStatus(state.lastSeq < reply.lastSeq ? 'replaying' : 'live');
}

function setStatus(status) {
  const pill = $('#connection');
  pill.dataset.state = status;
  pill.textContent = status;
}

// ---------------------------------------------------------------- events

function drain() {
  const batch = incoming.splice(0);
  const paused = $('#feed-pause').checked;
  const fragment = document.createDocumentFragment();
  let topologyChanged = false;
  for (const e of batch) {
    if (e.hostId !== state.hostId || e.seq <= state.lastSeq) continue; // another host, or seen already
    state.lastSeq = e.seq;
    const live = e.seq > state.liveFrom;
    if (live) {
      count(e.type);
      if (TAKES_INTERRUPT.has(e.type) && e.vmId && e.vcpu !== undefined) flash(e.vmId, e.vcpu, e.intId);
    }
    topologyChanged = true;
    if (!paused) fragment.prepend(feedRow(e, live));
  }

  const feed = $('#feed');
  feed.prepend(fragment);
  while (feed.childElementCount > FEED_ROWS) feed.lastElementChild.remove();
  $('#feed-seq').textContent = state.lastSeq ? `up to seq ${state.lastSeq}` : '';
  if (state.lastSeq >= state.liveFrom && $('#connection').dataset.state === 'replaying') setStatus('live');
  if (topologyChanged) scheduleRefresh();
}

function feedRow(e, live) {
  const li = document.createElement('li');
  li.dataset.type = e.type;
  li.dataset.seq = e.seq;
  if (live) li.className = 'fresh';
  const what = describe(e);
  li.innerHTML = `<span class="seq mono">${e.seq}</span><span class="type ${e.type}">${e.type}</span><span class="what mono"></span>`;
  li.lastElementChild.textContent = what;
  li.title = JSON.stringify(e);
  li.hidden = !matchesFilter(`${e.type} ${what}`);
  return li;
}

function describe(e) {
  const parts = [];
  if (e.vmId) parts.push(e.vcpu !== undefined ? `${e.vmId}/vcpu${e.vcpu}` : e.vmId);
  if (e.pcpu !== undefined) parts.push(`pcpu${e.pcpu}`);
  if (e.intId !== undefined) parts.push(`intid ${e.intId}`);
  if (e.deviceId !== undefined) parts.push(`dev ${e.deviceId}${e.eventId !== undefined ? ` ev ${e.eventId}` : ''}`);
  if (e.vfioDevice) parts.push(e.vector !== undefined ? `${e.vfioDevice}#${e.vector}` : e.vfioDevice);
  if (e.hostIrq !== undefined) parts.push(`hostIrq ${e.hostIrq}`);
  if (e.vpeId !== undefined) parts.push(`vpe ${e.vpeId}`);
  if (e.path) parts.push(`path ${e.path}`);
  if (e.mode) parts.push(e.mode);
  if (e.source) parts.push(e.source);
  if (e.op) parts.push(e.op);
  if (e.register) parts.push(`${e.register}=${e.value}`);
  if (e.itsError) parts.push(e.itsError.name);
  if (e.coalesced) parts.push('coalesced');
  if (e.reason) parts.push(e.reason);
  if (e.pcpus !== undefined) parts.push(`${e.gicVersion}, ${e.pcpus} pCPUs`);
  return parts.join('  ');
}

function matchesFilter(text) {
  const words = $('#feed-filter').value.toLowerCase().split(/\s+/).filter(Boolean);
  const haystack = text.toLowerCase();
  return words.every(w => haystack.includes(w));
}

function applyFilter() {
  for (const li of $('#feed').children) {
    li.hidden = !matchesFilter(`${li.dataset.type} ${li.lastElementChild.textContent}`);
  }
}

function count(type) {
  state.perSecond.total = (state.perSecond.total ?? 0) + 1;
  state.totals.total = (state.totals.total ?? 0) + 1;
  if (COUNTED.includes(type)) {
    state.perSecond[type] = (state.perSecond[type] ?? 0) + 1;
    state.totals[type] = (state.totals[type] ?? 0) + 1;
  }
}

function tickCounters() {
  state.rates = state.perSecond;
  state.perSecond = {};
  $('#counters').innerHTML = ['total', ...COUNTED].map(type =>
    `<span class="counter" title="${state.totals[type] ?? 0} since selected"><span class="type ${type}">${type === 'total' ? 'all' : type}</span> <b>${state.rates[type] ?? 0}</b>/s</span>`).join('');
}

// The last interrupt each vCPU took, kept across re-renders of the topology: a chip redrawn just after
// its interrupt still flashes, and carries data-last-intid.
const lastInterrupt = new Map();

function flash(vmId, vcpu, intId) {
  lastInterrupt.set(`${vmId}-${vcpu}`, { intId, at: performance.now() });
  const chip = document.getElementById(`vcpu-${vmId}-${vcpu}`);
  if (!chip) return;
  markLastInterrupt(chip, `${vmId}-${vcpu}`);
  chip.classList.remove('flash');
  void chip.offsetWidth; // restart the animation
  chip.classList.add('flash');
}

function markLastInterrupt(chip, key) {
  const last = lastInterrupt.get(key);
  if (!last) return;
  if (last.intId !== undefined && last.intId !== null) chip.dataset.lastIntid = last.intId;
  if (performance.now() - last.at < 1500) chip.classList.add('flash');
}

// ---------------------------------------------------------------- topology

async function refreshHosts() {
  try {
    const { hosts } = await api('GET', '/api/hosts');
    state.hosts = hosts;
    if (state.hostId && !hosts.some(h => h.id === state.hostId)) state.hostId = null;
    renderHosts();
    if (!state.hostId && hosts.length > 0) await selectHost(hosts[0].id);
    $('#empty').hidden = hosts.length > 0;
    $('#host').hidden = !state.hostId;
  } catch (error) {
    showResult(`Hosts: ${error.message}`, true);
  }
}

function renderHosts() {
  $('#hosts').replaceChildren(...state.hosts.map(h => {
    const button = document.createElement('button');
    button.textContent = `${h.id} · ${h.gicVersion} · ${h.pcpus} pCPU`;
    button.setAttribute('aria-current', String(h.id === state.hostId));
    button.onclick = () => selectHost(h.id);
    return button;
  }));
}

async function selectHost(hostId) {
  if (hostId === state.hostId) return;
  const previous = state.hostId;
  state.hostId = hostId;
  state.lastSeq = 0;
  state.scopeVm = '';
  state.totals = {};
  lastInterrupt.clear(); // keyed by VM and vCPU, which another host may reuse
  $('#feed').replaceChildren();
  renderHosts();
  $('#host').hidden = false;
  if (previous && connection.state === signalR.HubConnectionState.Connected) {
    await connection.invoke('Unsubscribe', previous);
  }
  const host = state.hosts.find(h => h.id === hostId);
  state.lastSeq = Math.max(0, (host?.lastSeq ?? 0) - REPLAY_ON_SELECT);
  state.liveFrom = host?.lastSeq ?? 0; // replayed events may arrive before Subscribe answers: no flashes, no counts
  await refreshHost();
  await subscribe(hostId, state.lastSeq);
}

let refreshTimer = null;
function scheduleRefresh() {
  if (refreshTimer === null) refreshTimer = setTimeout(() => { refreshTimer = null; refreshHost(); }, 250);
}

async function refreshHost() {
  if (!state.hostId) return;
  const hostId = state.hostId;
  try {
    const host = await api('GET', hostPath());
    const vms = await Promise.all(host.vms.map(async vmId => {
      const vmPath = `${hostPath()}/vms/${encodeURIComponent(vmId)}`;
      const [vm, vcpus, devices] = await Promise.all([
        api('GET', vmPath), api('GET', `${vmPath}/vcpus`), api('GET', `${vmPath}/its/devices`)]);
      return { ...vm, vcpus: vcpus.vcpus, devices: devices.devices };
    }));
    const vfio = await probeVfio();
    if (hostId !== state.hostId) return;
    state.vms = vms;
    state.vfio = vfio;
    renderHost(host);
  } catch (error) {
    if (error.status === 404) refreshHosts();
  }
}

/** VFIO routes arrive with the GICv4 work: show the section only when the service answers them. */
async function probeVfio() {
  const response = await fetch(`${hostPath()}/vfio/devices`, { headers: authHeaders() });
  if (response.status === 405) return [];          // the routes exist, listing does not
  if (!response.ok) return null;
  const body = await response.json();
  return Array.isArray(body) ? body : (body.devices ?? []);
}

function renderHost(host) {
  $('#host-title').textContent = host.id;
  $('#host-meta').textContent = `GIC ${host.gicVersion} · ${host.pcpus} pCPUs · DirectLPI ${host.hostIts.directLpi ? 'yes' : 'no'} · seq ${host.lastSeq}`;

  $('#pcpus').replaceChildren(...host.residency.map(p => {
    const div = document.createElement('div');
    div.className = `pcpu ${p.vmId ? 'busy' : 'idle'}`;
    div.innerHTML = `<b>pCPU ${p.pcpu}</b><span></span>`;
    div.lastElementChild.textContent = p.vmId ? `${p.vmId}/vcpu${p.vcpu}` : 'idle';
    return div;
  }));

  $('#vms').replaceChildren(...state.vms.map(renderVm));
  if (state.vms.length === 0) $('#vms').innerHTML = '<p class="hint">No VM yet.</p>';

  $('#vfio-section').hidden = !state.vfio || state.vfio.length === 0;
  $('#trigger-form').hidden = !state.vfio;
  if (state.vfio) $('#vfio').replaceChildren(...state.vfio.map(renderVfioDevice));

  for (const select of document.querySelectorAll('.vm-select')) {
    const chosen = select.value;
    select.replaceChildren(...state.vms.map(vm => new Option(vm.id, vm.id)));
    if (state.vms.some(vm => vm.id === chosen)) select.value = chosen;
  }
  const scope = $('#scope');
  scope.replaceChildren(new Option('all VMs', ''), ...state.vms.map(vm => new Option(`only ${vm.id}`, vm.id)));
  scope.value = state.scopeVm;
}

function renderVm(vm) {
  const card = document.createElement('article');
  card.className = 'vm';
  card.innerHTML = `<header><b></b><small></small></header><div class="vcpus"></div>`;
  card.querySelector('b').textContent = vm.id;
  card.querySelector('small').textContent =
    `${vm.vcpus.length} vCPUs · ${vm.memoryMiB} MiB · ITS ${vm.itsEnabled ? 'enabled' : 'disabled'} · ${vm.devices.length} devices · ${vm.lpis} LPIs · GITS_TRANSLATER ${vm.translaterAddress}`;
  card.querySelector('.vcpus').replaceChildren(...vm.vcpus.map(v => {
    const chip = document.createElement('div');
    chip.className = 'vcpu';
    chip.id = `vcpu-${vm.id}-${v.vcpu}`;
    chip.dataset.state = v.state;
    const where = v.resident ? `on pCPU ${v.pcpu}` : v.pcpu !== null && v.pcpu !== undefined ? `(pCPU ${v.pcpu})` : '';
    chip.innerHTML = `<b>vCPU ${v.vcpu}</b> <span class="state">${v.state} ${where}</span><br>` +
      `<span class="pending">${v.pending.length} pending</span>${v.doorbellArmed ? ' · <span class="db">doorbell armed</span>' : ''}` +
      `${v.pendingLast ? ' · <span class="db">doorbell rang</span>' : ''}`;
    chip.title = v.pending.map(p => `${p.intId} (${p.source}${p.enabled ? '' : ', disabled'})`).join(', ') || 'nothing pending';
    markLastInterrupt(chip, `${vm.id}-${v.vcpu}`);
    return chip;
  }));
  if (vm.devices.length > 0) {
    const table = document.createElement('table');
    table.innerHTML = '<thead><tr><th>ITS device</th><th>event → INTID</th><th>collection</th></tr></thead><tbody></tbody>';
    const rows = vm.devices.flatMap(d => (d.events.length ? d.events : [null]).map(ev => {
      const tr = document.createElement('tr');
      tr.innerHTML = `<td class="mono"></td><td class="mono"></td><td class="mono"></td>`;
      tr.children[0].textContent = `${d.deviceId} (ITT ${d.ittAddress})`;
      tr.children[1].textContent = ev ? `${ev.eventId} → ${ev.intId}` : '—';
      tr.children[2].textContent = ev ? ev.collectionId : '';
      return tr;
    }));
    table.tBodies[0].replaceChildren(...rows.slice(0, 64));
    card.append(table);
  }
  return card;
}

function renderVfioDevice(device) {
  const card = document.createElement('article');
  card.className = 'vm';
  card.id = `vfio-${device.id}`;
  card.innerHTML = `<header><b></b><small></small></header><table><thead><tr><th>vector</th><th>host IRQ</th><th>message</th><th>delivery</th><th></th></tr></thead><tbody></tbody></table>`;
  card.querySelector('b').textContent = device.id;
  card.querySelector('small').textContent =
    `${device.bdf} · ${device.vmId} guest DeviceID ${device.guestDeviceId} · host DeviceID ${device.hostDeviceId}`;
  card.querySelector('tbody').replaceChildren(...(device.vectors ?? []).map(v => {
    const tr = document.createElement('tr');
    tr.innerHTML = `<td class="mono">${v.vector}</td><td class="mono">${v.hostIrq}</td><td class="mono">${v.address} / ${v.data}</td>` +
      `<td><span class="tag ${v.forwarding}"></span></td><td><button type="button" data-vector="${v.vector}">trigger</button></td>`;
    tr.querySelector('.tag').textContent = `${v.forwarding === 'vlpi' ? 'VLPI (forwarded)' : v.forwarding}${v.masked ? ', masked' : ''}`;
    tr.querySelector('button').onclick = () => trigger(device.id, v.vector);
    return tr;
  }));
  return card;
}

// ---------------------------------------------------------------- controls

function showResult(text, error = false) {
  const output = $('#result');
  output.textContent = text;
  output.classList.toggle('error', error);
}

async function act(label, call) {
  if (!state.hostId) return showResult('Select a host first.', true);
  try {
    showResult(`${label}: ${summarize(await call())}`);
  } catch (error) {
    showResult(`${label}: ${error.message}`, true);
  }
}

function summarize(body) {
  if (!body) return 'done';
  return Object.entries(body).filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k} ${v}`).join(', ') || 'done';
}

async function trigger(deviceId, vector) {
  await act(`trigger ${deviceId}#${vector}`, () =>
    api('POST', `${hostPath()}/vfio/devices/${encodeURIComponent(deviceId)}/msix/${vector}/trigger`));
}

$('#msi-form').addEventListener('submit', event => {
  event.preventDefault();
  const form = new FormData(event.target);
  act(`MSI ${form.get('deviceId')}/${form.get('eventId')}`, () =>
    api('POST', `${hostPath()}/vms/${encodeURIComponent(form.get('vm'))}/msi`,
      { deviceId: Number(form.get('deviceId')), eventId: Number(form.get('eventId')) }));
});

$('#vcpu-form').addEventListener('click', event => {
  const action = event.target.dataset?.action;
  if (!action) return;
  const form = new FormData($('#vcpu-form'));
  const path = `${hostPath()}/vms/${encodeURIComponent(form.get('vm'))}/vcpus/${Number(form.get('vcpu'))}/${action}`;
  act(`${action} vCPU ${form.get('vcpu')}`, () =>
    api('POST', path, action === 'load' ? { pcpu: Number(form.get('pcpu')) } : undefined));
});

$('#trigger-form').addEventListener('submit', event => {
  event.preventDefault();
  const form = new FormData(event.target);
  trigger(form.get('device'), Number(form.get('vector')));
});

$('#feed-filter').addEventListener('input', applyFilter);
$('#scope').addEventListener('change', async event => {
  state.scopeVm = event.target.value;
  await subscribe(state.hostId, state.lastSeq); // replaces this connection's subscription
});

// ---------------------------------------------------------------- start

tickCounters();
setInterval(tickCounters, 1000);
setInterval(refreshHosts, 3000);
refreshHosts();
start();

$('#key-button').addEventListener('click', () => {
  const key = prompt('API key for this tab (empty to forget it):', apiKey());
  if (key === null) return;
  if (key) sessionStorage.setItem(KEY_ITEM, key); else sessionStorage.removeItem(KEY_ITEM);
  location.reload();
});
