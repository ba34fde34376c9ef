// What the two UI extensions share, free of any DOM: the backend calls, the states a cancel
// goes through, and which translation key explains a refusal. Node's test runner covers it.

import { APP_URL } from './config.js';

export const ORDER_QUERY =
  'query($id:ID!,$locale:String){order(id:$id){id name cancellable blockedBy deadline status' +
  ' request{state requestedAt message} reasons(locale:$locale){code label}}}';
export const CANCEL_MUTATION =
  'mutation($input:CancelOrderInput!){cancelOrder(input:$input){__typename' +
  ' ...on CancelOrderSuccess{order{id name cancellable blockedBy deadline status}}' +
  ' ...on CancelOrderRequested{requestedAt}' +
  ' ...on CancelOrderRefused{code message}}}';

// The refusals the theme block explains in words; anything else gets the general sentence.
const EXPLAINED = new Set([
  'NOT_FOUND', 'ALREADY_CANCELLED', 'WINDOW_CLOSED', 'CUTOFF_PASSED', 'FULFILLMENT_STARTED',
  'EXCLUDED_PRODUCT', 'EXCLUDED_ORDER', 'PAYMENT_STATE', 'RISK_REVIEW', 'INVALID_REASON',
  'INVALID_NOTE', 'DISABLED', 'REJECTED_BY_SHOPIFY', 'TRY_AGAIN', 'AWAITING_APPROVAL',
  'DECLINED_BY_SHOP',
]);

export function messageKey(code) {
  return EXPLAINED.has(code) ? `blocked.${code.toLowerCase()}` : 'status.not_cancellable';
}

export class RequestFailed extends Error {
  constructor(rateLimited = false) {
    super(rateLimited ? 'rate limited' : 'network');
    this.rateLimited = rateLimited;
  }
}

// `surface` labels the request for the backend; `guest` ({orderId, confirmationNumber}) is the
// thank-you page's proof for a buyer who checked out without signing in.
export function createClient({ shopify, surface = 'checkout', guest = null, fetch = globalThis.fetch }) {
  const url = `${APP_URL}/extensions/graphql?surface=${surface}`;
  async function post(query, variables) {
    const headers = {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${await shopify.sessionToken.get()}`,
    };
    if (guest?.confirmationNumber) {
      headers['X-Order-Confirmation'] = `${guest.orderId} ${guest.confirmationNumber}`;
    }
    let response;
    try {
      response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    } catch {
      throw new RequestFailed();
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok || !body.data) throw new RequestFailed(response.status === 429);
    return body.data;
  }
  return {
    async order(id) {
      // The merchant's own reasons come labelled in the customer's language where translated.
      const locale = shopify.localization?.language?.value?.isoCode ?? null;
      return (await post(ORDER_QUERY, { id, locale })).order;
    },
    async cancel(orderId, reason, note) {
      const input = { orderId, reason, note: note?.trim() || null };
      return (await post(CANCEL_MUTATION, { input })).cancelOrder;
    },
  };
}

function fromOrder(order) {
  if (!order) return { name: 'absent' };
  if (order.status === 'CANCELLED') return { name: 'cancelled', order, pending: false };
  if (order.status === 'PENDING') return { name: 'cancelled', order, pending: true };
  // The shop approves first: the request waits (or was declined, in the shop's words).
  if (order.status === 'REQUESTED') return { name: 'requested', order, at: order.request.requestedAt };
  if (order.request?.state === 'DECLINED') {
    return { name: 'blocked', order, code: 'DECLINED_BY_SHOP', message: order.request.message };
  }
  if (order.cancellable) return { name: 'cancellable', order };
  return { name: 'blocked', order, code: order.blockedBy || 'NOT_FOUND' };
}

// States: checking -> absent | cancellable | blocked | cancelled | error;
// cancellable -> confirming -> cancelling -> cancelled | refused | error (retry goes back).
export function createFlow({ client, orderId, onChange = () => {} }) {
  let state = { name: 'checking' };
  const set = (next) => {
    state = next;
    onChange(state);
    return state;
  };
  const flow = {
    get state() {
      return state;
    },
    async check() {
      set({ name: 'checking' });
      try {
        return set(fromOrder(await client.order(orderId)));
      } catch (error) {
        return set({ name: 'error', retry: 'check', rateLimited: !!error.rateLimited });
      }
    },
    open() {
      if (state.name === 'cancellable') {
        set({ name: 'confirming', order: state.order, reason: null, note: '', missingReason: false });
      }
      return state;
    },
    close() {
      if (state.name === 'confirming') set({ name: 'cancellable', order: state.order });
      return state;
    },
    choose(reason) {
      if (state.name !== 'confirming') return state;
      // Re-render only to clear the "choose a reason" error; otherwise the list shows the pick.
      const next = { ...state, reason, missingReason: false };
      if (state.missingReason) set(next);
      else state = next;
      return state;
    },
    write(note) {
      // No re-render for every keystroke: the field keeps its own text.
      if (state.name === 'confirming') state = { ...state, note };
      return state;
    },
    async submit() {
      if (state.name !== 'confirming') return state;
      if (!state.reason) return set({ ...state, missingReason: true });
      const asked = state;
      set({ ...asked, name: 'cancelling' });
      try {
        const result = await client.cancel(asked.order.id, asked.reason, asked.note);
        if (result.__typename === 'CancelOrderRequested') {
          return set({ name: 'requested', order: asked.order, at: result.requestedAt, justNow: true });
        }
        if (result.__typename === 'CancelOrderSuccess') {
          const order = { ...asked.order, ...result.order };
          return set({ name: 'cancelled', order, pending: order.status === 'PENDING', justNow: true });
        }
        return set({ name: 'refused', order: asked.order, code: result.code });
      } catch (error) {
        return set({ name: 'error', retry: 'cancel', asked, rateLimited: !!error.rateLimited });
      }
    },
    async retry() {
      if (state.name !== 'error') return state;
      if (state.retry === 'cancel') {
        set(state.asked);
        return flow.submit();
      }
      return flow.check();
    },
  };
  return flow;
}
