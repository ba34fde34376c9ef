// The cancel states as Shopify's Polaris web components (s-*), shared by both extensions.
// `view` returns the body and the buttons separately: the thank-you block shows them inline,
// the customer account modal puts them in its primary/secondary action slots.

import { ADDRESS_FIELDS, messageKey } from './cancel-core.js';

const kebab = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith('on')) node.addEventListener(key.slice(2).toLowerCase(), value);
    else if (value === true) node.setAttribute(kebab(key), '');
    else if (value !== false && value != null) node.setAttribute(kebab(key), String(value));
  }
  node.append(...children.flat().filter((c) => c != null && c !== false));
  return node;
}

const text = (value, props = {}) => el('s-text', props, value);

function money(shopify, { amount }, currency) {
  return shopify.i18n.formatCurrency(Number(amount), { currency });
}

// "You'll get €23.70 back of €24.95. The shop keeps €1.25 as a cancellation fee."
export function refundText(shopify, t, refund) {
  if (!refund) return null;
  const currency = refund.refund.currencyCode;
  const back = t('dialog.refund', { refund: money(shopify, refund.refund, currency), total: money(shopify, refund.total, currency) });
  return Number(refund.fee.amount) ? `${back} ${t('dialog.fee', { fee: money(shopify, refund.fee, currency) })}` : back;
}

function deadline(shopify, iso) {
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  const style = sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' };
  return shopify.i18n.formatDate(date, style);
}

// `flow` from cancel-core; `t` translates; `done` (optional) is the modal's close.
export function view(shopify, flow, { done } = {}) {
  const t = (key, vars) => shopify.i18n.translate(key, vars);
  const state = flow.state;
  const order = state.order;
  const name = order?.name ?? '';
  const body = [];
  const actions = { primary: null, secondary: [] };
  const retry = () => el('s-button', { onClick: () => flow.retry() }, t('errors.retry'));
  // "Edit order" (issue 13): the changes the shop offers, without a cancel reason.
  const editOrder = () => flow.editTypes.length && actions.secondary.push(el('s-button', { onClick: () => flow.startEdit() }, t('edit_order.open')));

  switch (state.name) {
    case 'checking':
      body.push(el('s-stack', { direction: 'inline', gap: 'small-200' }, el('s-spinner', { accessibilityLabel: t('status.checking') }), text(t('status.checking'))));
      break;
    case 'absent':
      break;
    case 'cancellable':
      body.push(text(order.deadline ? t('status.deadline', { time: deadline(shopify, order.deadline) }) : t('status.cancellable')));
      actions.primary = el('s-button', { onClick: () => flow.open() && flow.load(true) }, t('offer'));
      editOrder();
      break;
    case 'confirming':
    case 'cancelling': {
      const busy = state.name === 'cancelling';
      body.push(text(t('dialog.confirmation')));
      body.push(
        el('s-choice-list', {
          label: t('dialog.reason'),
          name: 'reason',
          error: state.missingReason ? t('blocked.invalid_reason') : null,
          disabled: busy,
          onChange: (event) => flow.choose(event.currentTarget.values?.[0] ?? event.currentTarget.value),
        },
        order.reasons.map((r) => el('s-choice', { value: r.code, selected: r.code === state.reason }, r.label))),
      );
      for (const item of state.items || []) {
        body.push(el('s-number-field', {
          label: `${item.title} (${item.quantity})`,
          name: item.id,
          value: String(item.value),
          min: 0,
          max: item.max,
          step: 1,
          disabled: busy || !item.max,
          onInput: (event) => flow.quantity(item.id, event.currentTarget.value),
        }));
      }
      const refund = refundText(shopify, t, state.refund);
      if (refund) body.push(text(refund));
      body.push(el('s-text-area', {
        label: t('dialog.note'),
        name: 'note',
        value: state.note,
        disabled: busy,
        onInput: (event) => flow.write(event.currentTarget.value),
      }));
      if (flow.offersAddress) {
        // Issue 13: "wrong address" can be fixed instead of cancelling.
        body.push(el('s-banner', { tone: 'info' }, text(t('edit.offer')),
          el('s-button', { disabled: busy, onClick: () => flow.editAddress() }, t('edit.open'))));
      }
      if (flow.offersSize) {
        body.push(el('s-banner', { tone: 'info' }, text(t('size.offer')),
          el('s-button', { disabled: busy, onClick: () => flow.editSize() }, t('size.open'))));
      }
      if (flow.offersQuantity) {
        body.push(el('s-banner', { tone: 'info' }, text(t('quantity.offer')),
          el('s-button', { disabled: busy, onClick: () => flow.editQuantity() }, t('quantity.open'))));
      }
      if (busy) body.push(text(t('dialog.cancelling')));
      actions.primary = el('s-button', { variant: 'primary', tone: 'critical', loading: busy, disabled: busy, onClick: () => flow.submit() }, t('dialog.confirm'));
      actions.secondary.push(el('s-button', { disabled: busy, onClick: () => (done ? done() : flow.close()) }, t('dialog.keep')));
      if (!busy) editOrder();
      break;
    }
    case 'choosing': {
      body.push(el('s-heading', {}, t('edit_order.title', { name })));
      body.push(text(t('edit_order.intro')));
      const offers = [
        [flow.offersAddress, () => flow.editAddress(), 'edit_order.address'],
        [flow.offersSize, () => flow.editSize(), 'edit_order.size'],
        [flow.offersQuantity, () => flow.editQuantity(), 'edit_order.quantity'],
      ];
      body.push(el('s-stack', { direction: 'inline', gap: 'base' },
        offers.filter(([offered]) => offered).map(([, go, key]) => el('s-button', { onClick: go }, t(key)))));
      actions.secondary.push(el('s-button', { onClick: () => flow.back() }, t('edit.back')));
      break;
    }
    case 'quantities':
    case 'requantifying': {
      const busy = state.name === 'requantifying';
      body.push(el('s-heading', {}, t('quantity.title')));
      if (!state.items) body.push(el('s-spinner', { accessibilityLabel: t('status.checking') }));
      for (const item of state.items || []) {
        body.push(el('s-number-field', {
          label: item.title,
          name: item.id,
          value: String(item.value),
          min: 1,
          max: item.max,
          step: 1,
          disabled: busy,
          onChange: (event) => flow.setQuantity(item.id, event.currentTarget.value),
        }));
      }
      const difference = Number(state.difference);
      const currency = state.items?.[0]?.currencyCode;
      if (difference) {
        const amount = money(shopify, { amount: Math.abs(difference) }, currency);
        body.push(text(t(difference < 0 ? 'quantity.refund' : 'quantity.pay', { amount })));
      }
      if (state.unchanged) body.push(el('s-banner', { tone: 'info' }, text(t('quantity.same'))));
      if (busy) body.push(text(t('quantity.saving')));
      if (state.items) {
        actions.primary = el('s-button', { variant: 'primary', loading: busy, disabled: busy, onClick: () => flow.saveQuantity() }, t('quantity.save'));
      }
      actions.secondary.push(el('s-button', { disabled: busy, onClick: () => flow.back() }, t('edit.back')));
      break;
    }
    case 'editing':
    case 'saving': {
      const busy = state.name === 'saving';
      body.push(el('s-heading', {}, t('edit.title')));
      if (state.fix) body.push(el('s-banner', { tone: 'critical' }, text(t('edit.fix'))));
      for (const field of ADDRESS_FIELDS) {
        if (field === 'countryCode' && !order.editOptions?.countryChange) continue;
        const problem = state.errors[field];
        body.push(el('s-text-field', {
          label: t(`edit.fields.${field}`),
          name: field,
          value: state.address[field],
          disabled: busy,
          error: problem ? t(`edit.problems.${problem.toLowerCase()}`) : null,
          onInput: (event) => flow.type(field, event.currentTarget.value),
        }));
      }
      if (busy) body.push(text(t('edit.saving')));
      actions.primary = el('s-button', { variant: 'primary', loading: busy, disabled: busy, onClick: () => flow.saveAddress() }, t('edit.save'));
      actions.secondary.push(el('s-button', { disabled: busy, onClick: () => flow.back() }, t('edit.back')));
      break;
    }
    case 'sizing':
    case 'resizing': {
      const busy = state.name === 'resizing';
      body.push(el('s-heading', {}, t('size.title')));
      if (!state.choices) {
        body.push(el('s-spinner', { accessibilityLabel: t('status.checking') }));
      } else if (!state.choices.length) {
        body.push(el('s-banner', { tone: 'info' }, text(t('size.none'))));
      } else {
        body.push(el('s-choice-list', {
          label: t('size.choose'),
          name: 'size',
          disabled: busy,
          onChange: (event) => flow.pick(event.currentTarget.values?.[0] ?? event.currentTarget.value),
        }, state.choices.map((c) => el('s-choice', { value: c.value, selected: c.value === state.picked }, c.label))));
      }
      if (busy) body.push(text(t('edit.saving')));
      if (state.choices?.length) {
        actions.primary = el('s-button', { variant: 'primary', loading: busy, disabled: busy, onClick: () => flow.saveSize() }, t('size.save'));
      }
      actions.secondary.push(el('s-button', { disabled: busy, onClick: () => flow.back() }, t('edit.back')));
      break;
    }
    case 'edited': {
      const difference = state.difference;
      if (state.kind === 'quantity') {
        const amount = money(shopify, { amount: Math.abs(Number(difference.amount)) }, difference.currencyCode);
        const owed = Number(difference.amount) > 0 && difference.paymentUrl;
        body.push(el('s-banner', { tone: 'success', heading: t(owed ? 'quantity.done_pay' : 'quantity.done_refund', { name, amount }) },
          owed ? el('s-link', { href: difference.paymentUrl, target: '_blank' }, t('quantity.pay_link')) : null));
      } else {
        body.push(el('s-banner', { tone: 'success', heading: t(state.kind === 'size' ? 'size.done' : 'edit.done', { name }) }));
      }
      if (done) actions.primary = el('s-button', { onClick: () => done() }, t('close'));
      break;
    }
    case 'cancelled':
      body.push(el('s-banner', { tone: 'success', heading: state.justNow ? t(state.pending ? 'done.pending' : 'done.cancelled', { name }) : t(state.pending ? 'status.pending' : 'status.cancelled') }, text(t('payment.general'))));
      if (done) actions.primary = el('s-button', { onClick: () => done() }, t('close'));
      break;
    case 'itemsCancelled':
      body.push(el('s-banner', { tone: 'success', heading: t('done.items', { refund: money(shopify, state.refunded, state.refunded.currencyCode) }) }));
      actions.primary = el('s-button', { onClick: () => (done ? done() : flow.check()) }, t('close'));
      break;
    case 'requested':
    case 'withdrawing': {
      const busy = state.name === 'withdrawing';
      body.push(el('s-banner', { tone: 'info', heading: t('status.requested', { time: deadline(shopify, state.at) }) }, text(t('blocked.awaiting_approval'))));
      if (busy) body.push(text(t('request.withdrawing')));
      // Issue 14: the customer may take the request back, as on the theme block.
      actions.primary = el('s-button', { loading: busy, disabled: busy, onClick: () => flow.withdraw() }, t('request.withdraw'));
      if (done) actions.secondary.push(el('s-button', { disabled: busy, onClick: () => done() }, t('close')));
      break;
    }
    case 'withdrawn':
      body.push(el('s-banner', { tone: 'success', heading: t('request.withdrawn') }));
      actions.primary = el('s-button', { onClick: () => (done ? done() : flow.check()) }, t('close'));
      break;
    case 'blocked':
    case 'refused': {
      // A refused quantity change is explained as one, not as a cancel.
      const edit = state.edit && (state.code === 'OUT_OF_STOCK' ? 'quantity.out_of_stock' : 'quantity.failed');
      body.push(el('s-banner', { tone: state.name === 'refused' ? 'critical' : 'info' }, text(state.message || t(edit || messageKey(state.code)))));
      if (done) actions.primary = el('s-button', { onClick: () => done() }, t('close'));
      if (state.name === 'blocked') editOrder();
      break;
    }
    case 'error':
      body.push(el('s-banner', { tone: 'critical' }, text(t(state.rateLimited ? 'errors.rate_limited' : 'errors.network'))));
      actions.primary = retry();
      break;
  }
  return { body, actions };
}
