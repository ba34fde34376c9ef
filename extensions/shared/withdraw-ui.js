// The withdrawal's two steps as Polaris web components (s-*), for the thank-you block and the
// customer account's order action. `done` (optional) is the modal's close.

import { el } from './cancel-ui.js';
import { withdrawMessageKey } from './withdraw-core.js';

export function withdrawView(shopify, flow, { done } = {}) {
  const t = (key, vars) => shopify.i18n.translate(key, vars);
  const state = flow.state;
  const body = [];
  const actions = { primary: null, secondary: [] };
  const text = (value) => el('s-text', {}, value);
  switch (state.name) {
    case 'offered':
      if (state.order.withdrawal.until) {
        body.push(text(t('withdraw.until', { date: shopify.i18n.formatDate(new Date(state.order.withdrawal.until), { dateStyle: 'long' }) })));
      }
      actions.primary = el('s-button', { onClick: () => flow.open() }, t('withdraw.open'));
      break;
    case 'statement':
    case 'sending':
    case 'review': {
      const busy = state.name === 'sending';
      if (state.code) body.push(el('s-banner', { tone: 'critical' }, text(t(withdrawMessageKey(state.code)))));
      if (state.name === 'review' || (busy && state.confirmation)) {
        body.push(text(t('withdraw.review', { name: state.fields.name, order: state.order.name, email: state.fields.email })));
        actions.primary = el('s-button', { variant: 'primary', loading: busy, disabled: busy, onClick: () => flow.confirm() }, t('withdraw.confirm'));
      } else {
        body.push(el('s-text-field', { label: t('withdraw.name'), name: 'name', value: state.fields.name, disabled: busy, onInput: (e) => flow.write('name', e.currentTarget.value) }));
        body.push(el('s-email-field', { label: t('withdraw.email'), name: 'email', value: state.fields.email, disabled: busy, onInput: (e) => flow.write('email', e.currentTarget.value) }));
        actions.primary = el('s-button', { variant: 'primary', loading: busy, disabled: busy, onClick: () => flow.next() }, t('withdraw.next'));
      }
      actions.secondary.push(el('s-button', { disabled: busy, onClick: () => (done ? done() : flow.close()) }, t('close')));
      break;
    }
    case 'received':
      body.push(el('s-banner', { tone: 'success', heading: t('withdraw.received') }, el('s-text', {}, state.acknowledgement)));
      if (done) actions.primary = el('s-button', { onClick: () => done() }, t('close'));
      break;
    default:
      break;
  }
  return { body, actions };
}
