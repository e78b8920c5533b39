import { useState } from 'preact/hooks';
import { Badge, Card, Empty, html, JName, Loading, NotAvailable, onValue, Problem, Time, useAction, useApi, useApp, Value } from '../lib/ui.js';

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
    ${state.error ? html`<div class="notice error small full">${state.error.message}</div>` : null}
  </form>`;
}

/** @param {{ a: Approval }} props */
function ApprovalCard({ a }) {
  const { i18n } = useApp();
  const { t } = i18n;
  const requested = a.created;
  const deadline = a.deadline;
  const have = a.votes.filter((v) => v.vote === 'approve').length;
  const kindKey = `kind.${a.kind}`;
  return html`<${Card} className="approval" title=${a.summary || a.id}
    actions=${html`${a.kind ? html`<${Badge}>${t(kindKey) === kindKey ? a.kind : t(kindKey)}</${Badge}>` : null} ${a.jurisdiction ? html`<${Badge}><${JName} id=${a.jurisdiction} /></${Badge}>` : null}`}>
    <p class="muted small">
      ${requested ? t('approvals.requested', { time: i18n.time(requested) }) : null}
      ${deadline ? html` · ${t('approvals.expires', { time: i18n.time(deadline) })} (<${Time} iso=${deadline} />)` : null}
      ${a.quorum ? html` · ${t('approvals.quorum', { have, need: a.quorum })}` : null}
    </p>
    ${a.votes.length
      ? html`<ul class="votes muted small" data-testid="approval-votes">${a.votes.map((v) => html`<li>${t(`approvals.vote.${v.vote}`)} · <${JName} id=${v.by.jurisdiction} /> · ${i18n.time(v.at)}${v.comment ? html` — <q>${v.comment}</q>` : null}</li>`)}</ul>`
      : null}
    <div class="grid-2 tight">
      <div class="change" data-testid="approval-change"><h3>${t('approvals.change')}</h3><${Value} value=${a.change} /></div>
      <div class="evidence"><h3>${t('approvals.evidence')}</h3><${Value} value=${a.evidence} /></div>
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
