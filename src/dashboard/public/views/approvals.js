import { useState } from 'preact/hooks';
import { Badge, Card, Empty, html, JName, Loading, NotAvailable, Problem, Time, useAction, useApi, useApp, Value } from '../lib/ui.js';

const first = (...xs) => xs.find((x) => x !== undefined && x !== null);

/** Approve or reject, with an optional comment (required to reject). */
function Decide({ a }) {
  const { api, i18n, notify, bump } = useApp();
  const { t } = i18n;
  const [mode, setMode] = useState(null);
  const [reason, setReason] = useState('');
  const [state, run] = useAction();
  const id = encodeURIComponent(a.id);
  const submit = async (e) => {
    e.preventDefault();
    const body = reason.trim() ? { reason: reason.trim() } : {};
    const r = await run(() => api.post(`/v1/approvals/${id}/${mode}`, body));
    if (r !== undefined) {
      notify(t('approvals.done'), 'ok');
      setMode(null);
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
    <input type="text" maxlength="1000" required=${rejecting} placeholder=${rejecting ? t('approvals.rejectReason') : t('approvals.comment')} value=${reason} onInput=${(e) => setReason(e.currentTarget.value)} data-testid="decide-reason" />
    <button type="submit" class=${rejecting ? 'danger' : 'primary'} disabled=${state.busy || (rejecting && !reason.trim())} data-testid="decide-confirm">${t('confirm')}</button>
    <button type="button" class="link" onClick=${() => setMode(null)}>${t('cancel')}</button>
    ${state.error ? html`<div class="notice error small full">${state.error.message}</div>` : null}
  </form>`;
}

function Approval({ a }) {
  const { i18n } = useApp();
  const { t } = i18n;
  const requested = first(a.created, a.createdAt, a.requestedAt, a.requested);
  const deadline = first(a.expires, a.expiresAt, a.deadline, a.timeoutAt);
  const votes = first(a.approvals, a.votes, a.approvedBy);
  const have = Array.isArray(votes) ? votes.length : typeof votes === 'number' ? votes : 0;
  const kindKey = `kind.${a.kind}`;
  return html`<${Card} className="approval" title=${a.summary || a.id}
    actions=${html`${a.kind ? html`<${Badge}>${t(kindKey) === kindKey ? a.kind : t(kindKey)}</${Badge}>` : null} ${a.jurisdiction ? html`<${Badge}><${JName} id=${a.jurisdiction} /></${Badge}>` : null}`}>
    <p class="muted small">
      ${requested ? t('approvals.requested', { time: i18n.time(requested) }) : null}
      ${deadline ? html` · ${t('approvals.expires', { time: i18n.time(deadline) })} (<${Time} iso=${deadline} />)` : null}
      ${a.quorum ? html` · ${t('approvals.quorum', { have, need: a.quorum })}` : null}
    </p>
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
  const res = useApi(can ? '/v1/approvals?status=pending' : null);
  const all = res.data ? (res.data.items ?? (Array.isArray(res.data) ? res.data : [])) : [];
  const items = all.filter((a) => (!a.status || a.status === 'pending') && (!scope || !a.jurisdiction || a.jurisdiction === scope));
  return html`<div class="view" data-testid="approvals">
    <div class="view-head"><h1>${t('approvals.heading')}</h1></div>
    <p class="help">${t('approvals.help')}</p>
    ${!can ? html`<${NotAvailable} path="/v1/approvals" />` : null}
    <${Problem} error=${res.error} path="/v1/approvals" />
    ${res.loading && !res.data ? html`<${Loading} />` : null}
    ${res.data ? (items.length ? items.map((a) => html`<${Approval} key=${a.id} a=${a} />`) : html`<${Card}><${Empty} /></${Card}>`) : null}
  </div>`;
}
