import { Badge, Card, columns, html, IpLink, JName, Loading, NotAvailable, Problem, Table, Time, useApi, useApp } from '../lib/ui.js';

/** @typedef {import('../lib/api.js').Reply<'get', '/v1/playbooks'>} PlaybookList */
/** @typedef {PlaybookList['items'][number]} Playbook */
/** @typedef {PlaybookList['files'][number]['errors'][number]} LoadError */
/** @typedef {import('../lib/api.js').Reply<'get', '/v1/runs'>['items'][number]} Run */

const STATUS_KIND = /** @type {Record<string, string>} */ ({ enforcing: 'ok', shadow: 'warn', draft: 'neutral', disabled: 'neutral' });
const RUN_KIND = /** @type {Record<string, string>} */ ({ succeeded: 'ok', failed: 'danger', denied: 'danger', refused: 'warn', halted: 'warn' });

/** @param {{ issues: LoadError[] }} props */
function Issues({ issues }) {
  if (!issues.length) return null;
  return html`<ul class="issues" data-testid="load-errors">${issues.map(
    (i) => html`<li><code>${i.file}:${i.line}:${i.column}</code>${i.path ? html` <code>${i.path}</code>` : null} ${i.message}${i.hint ? html`<div class="muted small">${i.hint}</div>` : null}</li>`,
  )}</ul>`;
}

/** @param {string} key @param {string} value @param {(k: string) => string} t */
const label = (key, value, t) => {
  const text = t(`${key}.${value}`);
  return text === `${key}.${value}` ? value : text;
};

/** @param {unknown} v @returns {Array<{ jurisdiction?: unknown, code?: unknown }>} */
const refusals = (v) => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);

/**
 * Why a run stopped early, in the dashboard's language: the executor's reasons follow a few fixed
 * forms (approval rejected or timed out, block or share refused, circuit breaker); the server's
 * words stay folded away.
 * @param {{ r: Run }} props
 */
function StopReason({ r }) {
  const { i18n, names } = useApp();
  const { t } = i18n;
  const text = r.stopReason;
  if (!text) return null;
  let m;
  let words = null;
  if ((m = /^approval (?:\S+ )?(?:was rejected|rejected) at step (\S+)$/.exec(text))) words = t('stop.rejected', { step: m[1] });
  else if ((m = /^approval (?:\S+ )?timed out at step (\S+)$/.exec(text))) words = t('stop.timedOut', { step: m[1] });
  else if (/^(block|share) refused: /.test(text)) {
    const step = r.steps.find((s) => s.status === 'refused');
    const why = refusals(step && step.result ? step.result.refused : null).map((x) => {
      const code = String(x.code ?? '');
      const where = typeof x.jurisdiction === 'string' ? names[x.jurisdiction] || x.jurisdiction : '';
      return `${where}${where ? ': ' : ''}${i18n.has(`refusal.${code}`) ? t(`refusal.${code}`) : code}`;
    });
    words = t(text.startsWith('block') ? 'stop.blockRefused' : 'stop.shareRefused', { why: why.join(', ') || '—' });
  } else if (/^circuit breaker of \S+ is open/.test(text)) words = t('stop.breakerOpen');
  else if ((m = /^blast radius reached: (\d+) actions in the last hour \(cap (\d+)\)/.exec(text))) words = t('stop.blastRadius', { n: Number(m[1]), cap: Number(m[2]) });
  return html`<div class="muted small" data-testid="stop-reason">${words || t('stop.other')}${
    words ? null : html`<details class="problem-detail"><summary>${t('problem.original')}</summary><code lang="en">${text}</code></details>`
  }</div>`;
}

/** Where the running version came from: a file, an API change (by key) or a rollback. @param {{ p: Playbook }} props */
function Source({ p }) {
  const { i18n } = useApp();
  const { t } = i18n;
  const s = p.source;
  const what = s.type === 'file' ? t('playbooks.source.file', { file: s.file }) : s.type === 'rollback' ? t('playbooks.source.rollback', { from: s.from }) : t('playbooks.source.api', { by: s.by });
  return html`<div data-testid="playbook-changed"><div><${Time} iso=${p.at} /> · v${p.version}</div><div class="muted small">${what}${p.comment ? html` — ${p.comment}` : null}</div></div>`;
}

export function PlaybooksView() {
  const { i18n, caps } = useApp();
  const { t } = i18n;
  const hasPlaybooks = caps.has('GET', '/v1/playbooks');
  const hasRuns = caps.has('GET', '/v1/runs');
  const pb = useApi(hasPlaybooks ? '/v1/playbooks' : null);
  const runs = useApi(hasRuns ? '/v1/runs' : null, { query: { limit: 50 } });
  const playbooks = pb.data ? pb.data.items : [];
  const files = pb.data ? pb.data.files : [];
  const runItems = runs.data ? runs.data.items : [];
  return html`<div class="view" data-testid="playbooks">
    <div class="view-head"><h1>${t('playbooks.heading')}</h1></div>
    <p class="help">${t('playbooks.help')}</p>
    ${files.length
      ? html`<${Card} className="files-failing" title=${t('playbooks.failedFiles')}>
          <div class="notice error" role="alert">${t('playbooks.failedHelp', { n: files.length })}</div>
          <${Table} testid="playbook-files" ...${columns(files.map((f) => ({ ...f, key: f.file })), [
            { label: t('col.file'), render: (f) => html`<code>${f.file}</code>` },
            { label: t('col.errors'), className: 'wrap', render: (f) => html`<${Issues} issues=${f.errors} />` },
            { label: t('col.playbook'), className: 'wrap', render: (f) => (f.playbooks.length ? t('playbooks.keepsRunning', { ids: f.playbooks.join(', ') }) : t('playbooks.notLoaded')) },
          ])} />
        </${Card}>`
      : null}
    <${Card}>
      ${!hasPlaybooks ? html`<${NotAvailable} path="/v1/playbooks" />` : null}
      <${Problem} error=${pb.error} path="/v1/playbooks" />
      ${pb.loading && !pb.data ? html`<${Loading} />` : null}
      ${pb.data
        ? html`<${Table} testid="playbooks-table" ...${columns(playbooks.map((p) => ({ ...p, key: p.id })), [
            { label: t('col.name'), render: (p) => html`<strong>${p.name}</strong><div class="muted small">${p.id}</div>` },
            {
              label: t('col.status'),
              render: (p) =>
                html`<${Badge} kind=${p.removed ? 'neutral' : STATUS_KIND[p.status] || 'neutral'}>${p.removed ? t('playbooks.removed') : label('playbooks.status', p.status, t)}</${Badge}>${p.breaker ? html` <${Badge} kind="danger">${t('playbooks.breakerOpen')}</${Badge}>` : null}`,
            },
            { label: t('col.owner'), render: (p) => html`<${JName} id=${p.owner} />` },
            { label: t('col.trigger'), render: (p) => label('trigger', p.trigger, t) },
            { label: t('col.changed'), render: (p) => html`<${Source} p=${p} />` },
            {
              label: t('col.validation'),
              className: 'wrap',
              render: (p) =>
                p.errors.length
                  ? html`<${Badge} kind="danger">${t('playbooks.fileFailing')}</${Badge}><div class="muted small">${t('playbooks.previousRuns')}</div><${Issues} issues=${p.errors} />`
                  : html`<${Badge} kind="ok">${t('playbooks.valid')}</${Badge}>`,
            },
          ])} />`
        : null}
    </${Card}>
    <${Card} title=${t('playbooks.runs')}>
      ${!hasRuns ? html`<${NotAvailable} path="/v1/runs" />` : null}
      <${Problem} error=${runs.error} path="/v1/runs" />
      ${runs.data
        ? html`<${Table} testid="runs-table" ...${columns(runItems.map((r) => ({ ...r, key: r.id })), [
            { label: t('col.started'), render: (r) => html`<${Time} iso=${r.created} />` },
            { label: t('col.playbook'), render: (r) => html`<span data-testid="run-playbook">${r.playbook.name}</span><div class="muted small">${r.playbook.id} v${r.playbook.version}</div>` },
            { label: t('col.mode'), render: (r) => html`<${Badge} kind=${r.mode === 'enforcing' ? 'ok' : 'warn'}>${label('playbooks.status', r.mode, t)}</${Badge}>` },
            { label: t('col.status'), render: (r) => html`<${Badge} kind=${RUN_KIND[r.status] || 'neutral'}>${label('run', r.status, t)}</${Badge}><${StopReason} r=${r} />` },
            { label: t('col.target'), render: (r) => html`<${IpLink} ip=${r.trigger.ip} />` },
            {
              label: t('col.jurisdiction'),
              render: (r) =>
                html`<span data-testid="run-jurisdiction"><${JName} id=${r.playbook.owner} /></span>${r.trigger.jurisdictions.some((j) => j !== r.playbook.owner)
                  ? html`<div class="muted small">${t('playbooks.seenIn')} ${r.trigger.jurisdictions.map((j, i) => html`${i ? ', ' : ''}<${JName} id=${j} />`)}</div>`
                  : null}`,
            },
            { label: t('col.steps'), className: 'wrap', render: (r) => r.steps.map((s, i) => html`${i ? ' → ' : ''}<span data-testid="run-step">${s.id} <span class="muted small">(${label('step', s.status, t)})</span></span>`) },
          ])} />`
        : null}
    </${Card}>
  </div>`;
}
