import { Badge, Card, html, JName, Loading, NotAvailable, Problem, Table, Time, useApi, useApp, Value } from '../lib/ui.js';

const first = (...xs) => xs.find((x) => x !== undefined && x !== null);
const listOf = (data) => (data ? (data.items ?? (Array.isArray(data) ? data : [])) : []);

/** Validation state, whatever shape the playbooks API gives it: valid flag and a list of issues. */
function validation(p) {
  const v = first(p.validation, p.validity, {});
  const issues = first(p.errors, p.issues, v.errors, v.issues, []);
  const valid = first(p.valid, v.valid, v.ok, Array.isArray(issues) ? issues.length === 0 : undefined);
  return { valid, issues: Array.isArray(issues) ? issues : [] };
}

function Issues({ issues }) {
  if (!issues.length) return null;
  return html`<ul class="issues">${issues.map((i) => html`<li>${typeof i === 'string' ? i : html`<code>${Array.isArray(i.path) ? i.path.join('.') : i.path || ''}</code> ${i.message || JSON.stringify(i)}${i.hint ? html`<div class="muted small">${i.hint}</div>` : null}`}</li>`)}</ul>`;
}

export function PlaybooksView() {
  const { i18n, caps } = useApp();
  const { t } = i18n;
  const hasPlaybooks = caps.has('GET', '/v1/playbooks');
  const hasRuns = caps.has('GET', '/v1/runs');
  const pb = useApi(hasPlaybooks ? '/v1/playbooks' : null);
  const runs = useApi(hasRuns ? '/v1/runs' : null);
  const playbooks = listOf(pb.data);
  const runItems = listOf(runs.data).slice(0, 50);
  return html`<div class="view" data-testid="playbooks">
    <div class="view-head"><h1>${t('playbooks.heading')}</h1></div>
    <p class="help">${t('playbooks.help')}</p>
    <${Card}>
      ${!hasPlaybooks ? html`<${NotAvailable} path="/v1/playbooks" />` : null}
      <${Problem} error=${pb.error} path="/v1/playbooks" />
      ${pb.loading && !pb.data ? html`<${Loading} />` : null}
      ${pb.data
        ? html`<${Table} testid="playbooks-table" rows=${playbooks.map((p, i) => ({ ...p, key: p.id ?? i }))} columns=${[
            { label: t('col.name'), render: (p) => html`<strong>${first(p.name, p.id)}</strong>${p.name && p.id ? html`<div class="muted small">${p.id}</div>` : null}${p.description ? html`<div class="muted small">${p.description}</div>` : null}` },
            {
              label: t('col.validation'),
              render: (p) => {
                const v = validation(p);
                return html`${v.valid === false ? html`<${Badge} kind="danger">${t('playbooks.invalid')}</${Badge}>` : v.valid === true ? html`<${Badge} kind="ok">${t('playbooks.valid')}</${Badge}>` : '—'}<${Issues} issues=${v.issues} />`;
              },
            },
            { label: t('col.enabled'), render: (p) => (p.enabled === undefined ? '—' : p.enabled ? t('playbooks.enabled') : t('playbooks.disabled')) },
            { label: t('col.jurisdiction'), render: (p) => (p.jurisdiction ? html`<${JName} id=${p.jurisdiction} />` : '—') },
            { label: t('col.created'), render: (p) => html`<${Time} iso=${first(p.updated, p.loadedAt, p.created)} />` },
          ]} />`
        : null}
    </${Card}>
    <${Card} title=${t('playbooks.runs')}>
      ${!hasRuns ? html`<${NotAvailable} path="/v1/runs" />` : null}
      <${Problem} error=${runs.error} path="/v1/runs" />
      ${runs.data
        ? html`<${Table} testid="runs-table" rows=${runItems.map((r, i) => ({ ...r, key: r.id ?? i }))} columns=${[
            { label: t('col.started'), render: (r) => html`<${Time} iso=${first(r.started, r.startedAt, r.created)} />` },
            { label: t('col.playbook'), render: (r) => first(r.playbook, r.playbookId, '—') },
            { label: t('col.status'), render: (r) => html`<${Badge} kind=${/fail|error|denied/.test(r.status || '') ? 'danger' : /done|success|complete/.test(r.status || '') ? 'ok' : 'neutral'}>${r.status || '—'}</${Badge}>` },
            { label: t('col.target'), render: (r) => html`<${Value} value=${first(r.ip, r.target, r.trigger && r.trigger.ip)} />` },
            { label: t('col.jurisdiction'), render: (r) => (r.jurisdiction ? html`<${JName} id=${r.jurisdiction} />` : '—') },
            { label: t('col.steps'), className: 'wrap', render: (r) => (Array.isArray(r.steps) ? r.steps.map((s, i) => html`${i ? ' → ' : ''}<span>${first(s.name, s.id, s.type, '?')}${s.status ? html` <span class="muted small">(${s.status})</span>` : null}</span>`) : '—') },
          ]} />`
        : null}
    </${Card}>
  </div>`;
}
