// The EU withdrawal function for the UI extensions (issue 15), free of any DOM: the backend
// calls and the two steps (statement, "confirm withdrawal"). Node's test runner covers it.

import { APP_URL } from './config.js';

export const WITHDRAWAL_QUERY =
  'query($id:ID!){order(id:$id){id name withdrawal{available until}}}';
export const WITHDRAW_MUTATION =
  'mutation($input:WithdrawInput!){withdrawFromContract(input:$input){__typename' +
  ' ...on WithdrawalReview{confirmation}' +
  ' ...on WithdrawalReceived{acknowledgement} ...on WithdrawRefused{code}}}';

const EXPLAINED = new Set(['INVALID_NAME', 'INVALID_EMAIL', 'PERIOD_ENDED', 'REVIEW_AGAIN']);

export function withdrawMessageKey(code) {
  return EXPLAINED.has(code) ? `withdraw.errors.${code.toLowerCase()}` : 'withdraw.errors.failed';
}

export function createWithdrawClient({ shopify, surface = 'checkout', guest = null, fetch = globalThis.fetch }) {
  const url = `${APP_URL}/extensions/graphql?surface=${surface}`;
  async function post(query, variables) {
    const headers = {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${await shopify.sessionToken.get()}`,
    };
    if (guest?.confirmationNumber) {
      headers['X-Order-Confirmation'] = `${guest.orderId} ${guest.confirmationNumber}`;
    }
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || !body.data) throw new Error(String(response.status));
    return body.data;
  }
  const locale = () => shopify.localization?.language?.value?.isoCode ?? null;
  return {
    async order(id) {
      return (await post(WITHDRAWAL_QUERY, { id })).order;
    },
    async withdraw(input) {
      return (await post(WITHDRAW_MUTATION, { input: { ...input, locale: locale() } })).withdrawFromContract;
    },
  };
}

// States: checking -> hidden | offered -> statement -> sending -> review -> sending ->
// received | statement (with `code`) ; error (the backend could not be reached).
export function createWithdrawFlow({ client, orderId, name = '', email = '', onChange = () => {} }) {
  let state = { name: 'checking' };
  const set = (next) => {
    state = next;
    onChange(state);
    return state;
  };
  const statement = () => ({ orderId, name: state.fields.name, email: state.fields.email });
  const flow = {
    get state() {
      return state;
    },
    async check() {
      try {
        const order = await client.order(orderId);
        if (!order?.withdrawal?.available) return set({ name: 'hidden' });
        return set({ name: 'offered', order, fields: { name, email } });
      } catch {
        return set({ name: 'hidden' });
      }
    },
    open() {
      if (state.name === 'offered') set({ ...state, name: 'statement', code: null });
      return state;
    },
    close() {
      if (state.name === 'statement' || state.name === 'review') set({ ...state, name: 'offered' });
      return state;
    },
    write(field, value) {
      if (state.name === 'statement') state = { ...state, fields: { ...state.fields, [field]: value } };
      return state;
    },
    async next() {
      if (state.name !== 'statement') return state;
      const asked = state;
      set({ ...asked, name: 'sending' });
      try {
        const result = await client.withdraw({ ...statement(), step: 'STATEMENT' });
        if (result.__typename === 'WithdrawalReview') {
          return set({ ...asked, name: 'review', confirmation: result.confirmation });
        }
        if (result.__typename === 'WithdrawalReceived') {
          return set({ ...asked, name: 'received', acknowledgement: result.acknowledgement });
        }
        return set({ ...asked, name: 'statement', code: result.code });
      } catch {
        return set({ ...asked, name: 'statement', code: 'FAILED' });
      }
    },
    async confirm() {
      if (state.name !== 'review') return state;
      const asked = state;
      set({ ...asked, name: 'sending' });
      try {
        const result = await client.withdraw({
          ...statement(), step: 'CONFIRM', confirmation: asked.confirmation,
        });
        if (result.__typename === 'WithdrawalReceived') {
          return set({ ...asked, name: 'received', acknowledgement: result.acknowledgement });
        }
        return set({ ...asked, name: 'statement', code: result.code });
      } catch {
        return set({ ...asked, name: 'review', code: 'FAILED' });
      }
    },
  };
  return flow;
}
