import { useState } from 'preact/hooks';
import { Badge, Card, Empty, ErrorText, html, IpLink, JName, Loading, NotAvailable, onValue, Problem, ruleName, Time, useAction, useApi, useApp, Value } from '../lib/ui.js';

/** @typedef {import('../lib/api.js').Reply<'get', '/v1/approvals'>['items'][number]} Approval */

/**
 * Approve or reject, with a comment (optional to approve, required to reject) that the API records with the vote.
 * @param {{ a: Approval }} props
 */
function Decide({ a }) {
  const { api, i18n, notify, bump } = useApp();
  const { t } = i18n;
  const [mode, setMode] = useState(/** @type {'approve' | 'reject' | null} */ (null));
  const [comment, setComment] = useState('');
  const [state, run] = useAction();
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    if (!mode) return;
    const body = comment.trim() ? { comment: comment.trim() } : {};
    const params = { id: a.id };
    const r = await run(() => (mode === 'approve' ? api.post('/v1/approvals/{id}/approve', body, { params }) : api.post('/v1/approvals/{id}/reject', body, { params })));
    if (r !== undefined) {
      notify(t('approvals.done'), 'ok');
      setMode(null);
      setComment('');
      bump();
    }
  };
  if (!mode)
    return html`<div class="decide">
      <button type="button" class="primary" data-testid="approve" onClick=${() => setMode('approve')}>${t('approvals.approve')}</button>
      <button type="button" class="danger" data-testid="reject" onClick=${() => setMode('reject')}>${t('approvals.reject')}</button>
    </div>`;
  const rejecting = mode === 'reject';
  return html`<form class="decide-form" onSubmit=${submit}>
    <strong>${rejecting ? t('approvals.confirmReject') : t('approvals.confirmApprove')}</strong>
    <input type="text" maxlength="1000" required=${rejecting} placeholder=${rejecting ? t('approvals.rejectReason') : t('approvals.comment')} value=${comment} onInput=${onValue(setComment)} data-testid="decide-reason" />
    <button type="submit" class=${rejecting ? 'danger' : 'primary'} disabled=${state.busy || (rejecting && !comment.trim())} data-testid="decide-confirm">${t('confirm')}</button>
    <button type="button" class="link" onClick=${() => setMode(null)}>${t('cancel')}</button>
    <${ErrorText} error=${state.error} className="small full" />
  </form>`;
}

/** @typedef {import('../lib/i18n.js').I18n} I18n */
/** @typedef {Record<string, unknown>} Obj */

/** @param {unknown} v @returns {v is Obj} */
const isObj = (v) => !!v && typeof v === 'object' && !Array.isArray(v);
/** @param {unknown} v */
const str = (v) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
/** @param {unknown} v @returns {string[]} */
const strs = (v) => (Array.isArray(v) ? v.map(str) : []);

/**
 * The change an approval makes, as sentences: "종로구에서 175.223.20.30을 24시간 차단",
 * "Block 175.223.20.30 in Jongno-gu for 24 hours". Playbook steps carry a list of the steps that
 * will run; a share review and the circuit breaker carry one change.
 * @param {I18n} i18n @param {Record<string, string>} names @param {Obj} change
 * @returns {string[]}
 */
export function changeSentences(i18n, names, change) {
  const { t } = i18n;
  /** @param {string} j */
  const where = (j) => names[j] || j;
  /** @param {string[]} js */
  const list = (js) => js.map(where).join(', ');
  /** @param {Obj} c @returns {string[]} */
  const one = (c) => {
    const ip = str(c.value);
    const obj = { ip, ipObj: `${ip}${i18n.objectParticle(ip)}` };
    switch (c.action) {
      case 'block': {
        // A playbook step: a duration per jurisdiction (escalation may differ); a share review: one.
        /** @type {Array<[string, unknown]>} */
        const durations = isObj(c.durations) ? Object.entries(c.durations) : c.jurisdiction ? [[str(c.jurisdiction), c.duration]] : [];
        if (!durations.length) return [t('change.block', { ...obj, where: '—', duration: '—' })];
        return durations.map(([j, d]) => t('change.block', { ...obj, where: where(j), duration: i18n.duration(str(d)) }));
      }
      case 'unblock':
        return [t('change.unblock', { ...obj, where: list(strs(c.jurisdictions)) })];
      case 'share':
        return [t('change.share', { ...obj, to: list(strs(c.to)), tlp: str(c.tlp) })];
      case 'notify':
        return [t('change.notify', { url: str(c.url) })];
      case 'tag':
        return [t('change.tag', { ...obj, tags: strs(c.tags).join(', ') })];
      case 'approve':
        return [t('change.approve', { n: Number(c.quorum) || 1 })];
      case 'resume':
        return [t('change.resume', { playbook: str(c.playbook) })];
      default:
        return [t('change.other', { action: str(c.action) })];
    }
  };
  if (Array.isArray(change.steps)) {
    const steps = change.steps.filter(isObj);
    return steps.length ? steps.flatMap(one) : [t('change.continue')];
  }
  return one(change);
}

/**
 * Evidence in labelled, translated rows: what the playbook saw (the threat or the shared
 * indicator), never raw field names. AS numbers are identifiers ("AS4766"), not quantities.
 * @param {{ evidence: Obj | null }} props
 */
function Evidence({ evidence }) {
  const { i18n, names } = useApp();
  const { t } = i18n;
  if (!evidence) return html`<span class="muted">${t('none')}</span>`;
  // A playbook's evidence is the trigger's view ({threat} or {indicator}); a share review's is flat.
  const e = isObj(evidence.threat) ? evidence.threat : isObj(evidence.indicator) ? evidence.indicator : evidence;
  /** @param {unknown} v */
  const jlist = (v) => strs(v).map((j) => names[j] || j).join(', ');
  /** @param {unknown} v */
  const when = (v) => (str(v) ? i18n.time(str(v)) : '—');
  /** @param {unknown} v */
  const rules = (v) => (isObj(v) ? Object.keys(v) : strs(v)).map((id) => ruleName(i18n, id)).join(', ');
  /** @type {Record<string, (v: unknown) => unknown>} */
  const show = {
    ip: (v) => html`<${IpLink} ip=${str(v)} />`,
    value: (v) => html`<${IpLink} ip=${str(v)} />`,
    score: (v) => i18n.num(Number(v)),
    confidence: (v) => `${i18n.num(Number(v))}%`,
    threshold: (v) => i18n.num(Number(v)),
    generation: (v) => t('evidence.generationN', { n: Number(v) }),
    reason: (v) => (i18n.has(`flagReason.${str(v)}`) ? t(`flagReason.${str(v)}`) : str(v)),
    rules,
    rule: (v) => str(v),
    jurisdictions: jlist,
    jurisdiction: (v) => jlist([v]),
    from: (v) => jlist([v]),
    to: (v) => jlist([v]),
    origin: (v) => jlist([v]),
    chain: (v) => strs(v).map((j) => names[j] || j).join(' → '),
    country: (v) => i18n.country(str(v) || null),
    asn: (v) => (Number(v) ? `${i18n.asn(Number(v))}${e.as_org ? ` ${str(e.as_org)}` : ''}` : t('unknown')),
    alert_count: (v) => t('evidence.alertsN', { n: Number(v) }),
    alerts: (v) => t('evidence.alertsN', { n: Number(v) }),
    addresses: (v) => i18n.num(Number(v)),
    kind: (v) => t(`evidence.kind.${str(v)}`),
    first_seen: when,
    last_seen: when,
    firstSeen: when,
    lastSeen: when,
    tlp: (v) => str(v),
    ttl: (v) => i18n.duration(str(v)),
  };
  // as_org is shown with the AS number; ids of shares and default-empty fields say nothing.
  const hidden = new Set(['as_org', 'share_id', 'evidence']);
  // A single address: its kind and address count say nothing (they matter for an IPv6 network).
  if (e.kind === 'ip') for (const k of ['kind', 'addresses']) hidden.add(k);
  const rows = Object.entries(e).filter(([k, v]) => !hidden.has(k) && v !== '' && v !== null && v !== undefined && !(Array.isArray(v) && !v.length));
  return html`<dl class="kv" data-testid="approval-evidence">${rows.map(([k, v]) => {
    const label = i18n.has(`evidence.${k}`) ? t(`evidence.${k}`) : k;
    return html`<dt>${label}</dt><dd data-field=${k}>${show[k] ? show[k](v) : html`<${Value} value=${v} />`}</dd>`;
  })}</dl>`;
}

/** @param {{ a: Approval }} props */
function ApprovalCard({ a }) {
  const { i18n, names } = useApp();
  const { t } = i18n;
  const requested = a.created;
  const deadline = a.deadline;
  const have = a.votes.filter((v) => v.vote === 'approve').length;
  const kindKey = `kind.${a.kind}`;
  const sentences = changeSentences(i18n, names, a.change);
  const playbook = typeof a.change.playbook === 'string' ? a.change.playbook : null;
  return html`<${Card} className="approval"
    title=${html`<span data-testid="approval-sentence">${sentences[0]}</span>`}
    actions=${html`${a.kind ? html`<${Badge}>${i18n.has(kindKey) ? t(kindKey) : a.kind}</${Badge}>` : null} ${a.jurisdiction ? html`<${Badge}><${JName} id=${a.jurisdiction} /></${Badge}>` : null}`}>
    <p class="muted small">
      ${playbook ? html`${t('approvals.playbook', { id: playbook })} · ` : null}
      ${requested ? t('approvals.requested', { time: i18n.time(requested) }) : null}
      ${deadline ? html` · ${t('approvals.expires', { time: i18n.time(deadline) })} (<${Time} iso=${deadline} />)` : null}
      ${a.quorum ? html` · ${t('approvals.quorum', { have, need: a.quorum })}` : null}
    </p>
    ${a.votes.length
      ? html`<ul class="votes muted small" data-testid="approval-votes">${a.votes.map((v) => html`<li>${t(`approvals.vote.${v.vote}`)} · <${JName} id=${v.by.jurisdiction} /> · ${i18n.time(v.at)}${v.comment ? html` — <q>${v.comment}</q>` : null}</li>`)}</ul>`
      : null}
    <div class="grid-2 tight top">
      <div class="change" data-testid="approval-change"><h3>${t('approvals.change')}</h3>
        <ul class="sentences">${sentences.map((x) => html`<li>${x}</li>`)}</ul>
      </div>
      <div class="evidence"><h3>${t('approvals.evidence')}</h3><${Evidence} evidence=${a.evidence} /></div>
    </div>
    <${Decide} a=${a} />
  </${Card}>`;
}

export function ApprovalsView() {
  const { i18n, caps, scope } = useApp();
  const { t } = i18n;
  const can = caps.has('GET', '/v1/approvals');
  const res = useApi(can ? '/v1/approvals' : null, { query: { status: 'pending' } });
  const all = res.data ? res.data.items : [];
  const items = all.filter((a) => a.status === 'pending' && (!scope || a.jurisdiction === scope));
  return html`<div class="view" data-testid="approvals">
    <div class="view-head"><h1>${t('approvals.heading')}</h1></div>
    <p class="help">${t('approvals.help')}</p>
    ${!can ? html`<${NotAvailable} path="/v1/approvals" />` : null}
    <${Problem} error=${res.error} path="/v1/approvals" />
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${res.data ? (items.length ? items.map((a) => html`<${ApprovalCard} key=${a.id} a=${a} />`) : html`<${Card}><${Empty} /></${Card}>`) : null}
  </div>`;
}
