// What the two UI extensions share, free of any DOM: the backend calls, the states a cancel
// goes through, and which translation key explains a refusal. Node's test runner covers it.

import { APP_URL } from './config.js';

export const ORDER_QUERY =
  'query($id:ID!,$locale:String){order(id:$id){id name cancellable blockedBy deadline status' +
  ' request{state requestedAt message} reasons(locale:$locale){code label} editOptions{types blockedBy countryChange}}}';
export const CANCEL_MUTATION =
  'mutation($input:CancelOrderInput!){cancelOrder(input:$input){__typename' +
  ' ...on CancelOrderSuccess{order{id name cancellable blockedBy deadline status}refunded{amount currencyCode}}' +
  ' ...on CancelOrderRequested{requestedAt}' +
  ' ...on CancelOrderRefused{code message}}}';
// The same texts as the theme block's: the items to choose, the refund to expect, Buy again.
export const ITEMS_QUERY =
  'query($id:ID!,$lines:[LineItemQuantityInput!]!){order(id:$id){partialCancel lineItems{id title quantity cancellableQuantity}' +
  'refund{refund{amount currencyCode}total{amount}fee{amount}}preview(lineItems:$lines){refund{amount currencyCode}total{amount}fee{amount}}}}';
export const BUY_AGAIN_QUERY = 'query($id:ID!){order(id:$id){buyAgainUrl buyAgainUnavailable}}';
export const EDIT_MUTATION =
  'mutation($input:EditOrderInput!){editOrder(input:$input){__typename ' +
  '...on EditOrderRefused{code fieldErrors{field problem}}}}';

export const SIZES_QUERY =
  'query($id:ID!){order(id:$id){editOptions{items{id title variantTitle currencyCode' +
  ' variants{id title price inStock}}}}}';
// Taking a waiting request back (issue 14), as the theme block's "Withdraw request" does.
export const WITHDRAW_MUTATION =
  'mutation($input:WithdrawCancelRequestInput!){withdrawCancelRequest(input:$input){__typename' +
  ' ...on CancelOrderRefused{code message}}}';

// The quantity change (issue 13): the items with their prices and stock, and the change's cost.
export const QUANTITY_QUERY =
  'query($id:ID!){order(id:$id){editOptions{items{id title variantTitle quantity unitPrice' +
  ' currencyCode maxQuantity}}}}';
export const QUANTITY_MUTATION =
  'mutation($input:EditOrderInput!){editOrder(input:$input){__typename ' +
  '...on EditOrderSuccess{difference{amount currencyCode paymentUrl}}...on EditOrderRefused{code}}}';

// What new quantities cost (more than 0) or give back (less than 0), from the unit prices.
export function quantityDifference(items) {
  const cents = (items ?? []).reduce((sum, i) => sum + (i.value - i.quantity) * Math.round(Number(i.unitPrice) * 100), 0);
  return (cents / 100).toFixed(2);
}

// The address form's fields, as the backend's AddressInput names them (issue 13).
export const ADDRESS_FIELDS = ['firstName', 'lastName', 'address1', 'address2', 'zip', 'city', 'countryCode'];

// The refusals the theme block explains in words; anything else gets the general sentence.
const EXPLAINED = new Set([
  'NOT_FOUND', 'ALREADY_CANCELLED', 'WINDOW_CLOSED', 'CUTOFF_PASSED', 'FULFILLMENT_STARTED',
  'EXCLUDED_PRODUCT', 'EXCLUDED_ORDER', 'PAYMENT_STATE', 'RISK_REVIEW', 'INVALID_REASON',
  'INVALID_NOTE', 'DISABLED', 'REJECTED_BY_SHOPIFY', 'TRY_AGAIN', 'PARTIAL_NOT_OFFERED',
  'INVALID_LINE_ITEMS', 'AWAITING_APPROVAL', 'DECLINED_BY_SHOP', 'NO_REQUEST',
]);

// Chosen quantities; null when every unit left is chosen: that is the whole order.
export function picks(items) {
  if (!items?.length || items.every((i) => i.value >= i.quantity)) return null;
  return items.filter((i) => i.value > 0).map((i) => ({ lineItemId: i.id, quantity: i.value }));
}

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
    async cancel(orderId, reason, note, lineItems = null) {
      const input = { orderId, reason, note: note?.trim() || null, lineItems };
      return (await post(CANCEL_MUTATION, { input })).cancelOrder;
    },
    async items(id, lines) {
      return (await post(ITEMS_QUERY, { id, lines: lines || [] })).order;
    },
    async buyAgain(id) {
      return (await post(BUY_AGAIN_QUERY, { id })).order;
    },
    // Each item's other variants in stock: [{ value: 'lineItemId variantId', label }].
    async sizes(id) {
      const { order } = await post(SIZES_QUERY, { id });
      return (order?.editOptions.items ?? []).flatMap((item) =>
        item.variants
          .filter((v) => v.inStock)
          .map((v) => ({
            value: `${item.id} ${v.id}`,
            label: `${item.title}: ${item.variantTitle} → ${v.title} (${v.price} ${item.currencyCode})`,
          })),
      );
    },
    async editVariant(orderId, choice, reason = 'WRONG_SIZE_OR_COLOUR') {
      const [lineItemId, variantId] = choice.split(' ');
      const input = { orderId, reason, variant: { lineItemId, variantId } };
      return (await post(EDIT_MUTATION, { input })).editOrder;
    },
    async withdraw(orderId) {
      return (await post(WITHDRAW_MUTATION, { input: { orderId } })).withdrawCancelRequest;
    },
    // Each item with its quantity, what stock allows and its unit price; `value` is the pick.
    async quantities(id) {
      const { order } = await post(QUANTITY_QUERY, { id });
      return (order?.editOptions.items ?? []).map((i) => ({
        id: i.id,
        title: i.variantTitle ? `${i.title} – ${i.variantTitle}` : i.title,
        quantity: i.quantity,
        max: Math.max(i.maxQuantity, 1),
        unitPrice: i.unitPrice,
        currencyCode: i.currencyCode,
        value: i.quantity,
      }));
    },
    async editQuantity(orderId, lineItemId, quantity, reason = null) {
      const input = { orderId, reason, quantity: { lineItemId, quantity } };
      return (await post(QUANTITY_MUTATION, { input })).editOrder;
    },
    async edit(orderId, address, reason) {
      const given = Object.fromEntries(
        Object.entries(address).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v),
      );
      return (await post(EDIT_MUTATION, { input: { orderId, reason, address: given } })).editOrder;
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
// cancellable -> confirming -> cancelling -> cancelled | itemsCancelled | refused | error
// (retry goes back; after itemsCancelled the rest of the order may be cancelled: check again);
// confirming, "wrong address" picked where the shop allows it -> editing -> saving -> edited |
// editing (field errors) | refused | error; "wrong size or colour" -> sizing -> resizing ->
// edited | refused | error (issue 13: change the order instead); "ordered too many" (a reason
// coded ORDERED_TOO_MANY) -> quantities -> requantifying -> edited (kind quantity, with the
// difference: refunded, or owed with Shopify's payment link) | refused | error.
// "Edit order" without a cancel reason: cancellable | blocked | confirming (where the order may
// still be changed) -> choosing -> editing | sizing | quantities, whose back() returns to choosing.
// requested -> withdrawing -> withdrawn | refused | error (issue 14: the customer takes the
// request back; check again after).
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
    // The items to choose (`first`: right after open) and the refund and fee to expect.
    async load(first = false) {
      const asked = state;
      if (asked.name !== 'confirming') return state;
      const lines = first ? null : picks(asked.items);
      try {
        const found = await client.items(asked.order.id, lines);
        if (state.name !== 'confirming') return state;
        const items = first && found.partialCancel
          ? found.lineItems.map((l) => ({ id: l.id, title: l.title, quantity: l.quantity, max: l.cancellableQuantity, value: l.cancellableQuantity }))
          : state.items;
        return set({ ...state, items, refund: (lines && found.preview) || found.refund });
      } catch {
        return state;
      }
    },
    quantity(id, value) {
      if (state.name !== 'confirming' || !state.items) return state;
      const items = state.items.map((i) => (i.id === id ? { ...i, value: Math.max(0, Math.min(i.max, Number(value) || 0)) } : i));
      state = { ...state, items };
      flow.load();
      return state;
    },
    close() {
      if (state.name === 'confirming') set({ name: 'cancellable', order: state.order });
      return state;
    },
    choose(reason) {
      if (state.name !== 'confirming') return state;
      // Re-render only to clear the "choose a reason" error or to offer (or withdraw) the
      // address change; otherwise the list shows the pick.
      const offered = [flow.offersAddress, flow.offersSize].join();
      const wasMissing = state.missingReason;
      state = { ...state, reason, missingReason: false };
      if (wasMissing || [flow.offersAddress, flow.offersSize].join() !== offered) set(state);
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
        const result = await client.cancel(asked.order.id, asked.reason, asked.note, picks(asked.items));
        if (result.__typename === 'CancelOrderRequested') {
          return set({ name: 'requested', order: asked.order, at: result.requestedAt, justNow: true });
        }
        if (result.__typename === 'CancelOrderSuccess' && result.refunded) {
          return set({ name: 'itemsCancelled', order: { ...asked.order, ...result.order }, refunded: result.refunded });
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
    // "Edit order": the changes the shop offers for this order now, whatever cancelling allows.
    get editTypes() {
      const order = state.order;
      const options = order?.status === 'NONE' && !order.editOptions?.blockedBy && order.editOptions;
      return options ? options.types : [];
    },
    startEdit() {
      if (['cancellable', 'blocked', 'confirming'].includes(state.name) && flow.editTypes.length) {
        set({ name: 'choosing', order: state.order, types: flow.editTypes, back: state });
      }
      return state;
    },
    // Whether the picked reason is "wrong address" and the shop lets the customer fix it.
    get offersAddress() {
      return (
        (state.name === 'choosing' && state.types.includes('ADDRESS')) ||
        state.name === 'confirming' &&
        state.reason === 'WRONG_ADDRESS' &&
        !!state.order.editOptions?.types.includes('ADDRESS')
      );
    },
    get offersSize() {
      return (
        (state.name === 'choosing' && state.types.includes('VARIANT')) ||
        state.name === 'confirming' &&
        state.reason === 'WRONG_SIZE_OR_COLOUR' &&
        !!state.order.editOptions?.types.includes('VARIANT')
      );
    },
    get offersQuantity() {
      return (
        (state.name === 'choosing' && state.types.includes('QUANTITY')) ||
        (state.name === 'confirming' &&
          state.reason === 'ORDERED_TOO_MANY' &&
          !!state.order.editOptions?.types.includes('QUANTITY'))
      );
    },
    async editQuantity() {
      if (!flow.offersQuantity) return state;
      const back = state;
      set({ name: 'quantities', order: back.order, back, items: null, difference: '0.00', unchanged: false });
      try {
        const items = await client.quantities(back.order.id);
        return set({ ...state, items });
      } catch (error) {
        return set({ name: 'error', retry: 'quantities', asked: back, rateLimited: !!error.rateLimited });
      }
    },
    setQuantity(id, value) {
      if (state.name !== 'quantities' || !state.items) return state;
      const n = value === '' ? NaN : Math.trunc(Number(value));
      const clamp = (i) => Math.max(1, Math.min(i.max, Number.isNaN(n) ? i.quantity : n));
      const items = state.items.map((i) => (i.id === id ? { ...i, value: clamp(i) } : i));
      return set({ ...state, items, difference: quantityDifference(items), unchanged: false });
    },
    // One editOrder per changed item; the differences add up.
    async saveQuantity() {
      if (state.name !== 'quantities' || !state.items) return state;
      const changed = state.items.filter((i) => i.value !== i.quantity);
      if (!changed.length) return set({ ...state, unchanged: true });
      const asked = state;
      set({ ...asked, name: 'requantifying' });
      let cents = 0;
      let currencyCode = changed[0].currencyCode;
      let paymentUrl = null;
      try {
        for (const item of changed) {
          const result = await client.editQuantity(asked.order.id, item.id, item.value, asked.back.reason ?? null);
          if (result.__typename !== 'EditOrderSuccess') {
            return set({ name: 'refused', order: asked.order, code: result.code, edit: true });
          }
          cents += Math.round(Number(result.difference?.amount ?? 0) * 100);
          currencyCode = result.difference?.currencyCode ?? currencyCode;
          paymentUrl = result.difference?.paymentUrl ?? paymentUrl;
        }
      } catch (error) {
        return set({ name: 'error', retry: 'quantity', asked, rateLimited: !!error.rateLimited });
      }
      const difference = { amount: (cents / 100).toFixed(2), currencyCode, paymentUrl };
      return set({ name: 'edited', order: asked.order, kind: 'quantity', difference });
    },
    async editSize() {
      if (!flow.offersSize) return state;
      const back = state;
      set({ name: 'sizing', order: back.order, back, choices: null, picked: null });
      try {
        const choices = await client.sizes(back.order.id);
        return set({ ...state, choices, picked: choices[0]?.value ?? null });
      } catch (error) {
        return set({ name: 'error', retry: 'sizes', asked: back, rateLimited: !!error.rateLimited });
      }
    },
    pick(value) {
      if (state.name === 'sizing') state = { ...state, picked: value };
      return state;
    },
    async saveSize() {
      if (state.name !== 'sizing' || !state.picked) return state;
      const asked = state;
      set({ ...asked, name: 'resizing' });
      try {
        const result = await client.editVariant(asked.order.id, asked.picked, asked.back.reason ?? null);
        if (result.__typename === 'EditOrderSuccess') {
          return set({ name: 'edited', order: asked.order, kind: 'size' });
        }
        return set({ name: 'refused', order: asked.order, code: result.code });
      } catch (error) {
        return set({ name: 'error', retry: 'size', asked, rateLimited: !!error.rateLimited });
      }
    },
    editAddress() {
      if (!flow.offersAddress) return state;
      const address = Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, '']));
      return set({ name: 'editing', order: state.order, back: state, address, errors: {}, fix: false });
    },
    type(field, value) {
      // No re-render for every keystroke: the field keeps its own text.
      if (state.name === 'editing') state = { ...state, address: { ...state.address, [field]: value } };
      return state;
    },
    back() {
      if (['editing', 'sizing', 'quantities', 'choosing'].includes(state.name)) set(state.back);
      return state;
    },
    async saveAddress() {
      if (state.name !== 'editing') return state;
      const asked = state;
      set({ ...asked, name: 'saving' });
      try {
        const result = await client.edit(asked.order.id, asked.address, asked.back.reason ?? null);
        if (result.__typename === 'EditOrderSuccess') {
          return set({ name: 'edited', order: asked.order, kind: 'address' });
        }
        if (result.code === 'INVALID_ADDRESS') {
          const errors = Object.fromEntries(result.fieldErrors.map((e) => [e.field, e.problem]));
          return set({ ...asked, errors, fix: true });
        }
        return set({ name: 'refused', order: asked.order, code: result.code });
      } catch (error) {
        return set({ name: 'error', retry: 'edit', asked, rateLimited: !!error.rateLimited });
      }
    },
    async withdraw() {
      if (state.name !== 'requested') return state;
      const asked = state;
      set({ ...asked, name: 'withdrawing' });
      try {
        const result = await client.withdraw(asked.order.id);
        if (result.__typename === 'WithdrawCancelRequestSuccess') {
          return set({ name: 'withdrawn', order: asked.order });
        }
        // Declined meanwhile: the shop's own words; otherwise the code's.
        const message = result.code === 'DECLINED_BY_SHOP' ? result.message : null;
        return set({ name: 'refused', order: asked.order, code: result.code, message });
      } catch (error) {
        return set({ name: 'error', retry: 'withdraw', asked, rateLimited: !!error.rateLimited });
      }
    },
    async retry() {
      if (state.name !== 'error') return state;
      if (state.retry === 'withdraw') {
        set(state.asked);
        return flow.withdraw();
      }
      if (state.retry === 'edit') {
        set(state.asked);
        return flow.saveAddress();
      }
      if (state.retry === 'size') {
        set(state.asked);
        return flow.saveSize();
      }
      if (state.retry === 'quantity') {
        set(state.asked);
        return flow.saveQuantity();
      }
      if (state.retry === 'quantities') {
        set(state.asked);
        return flow.editQuantity();
      }
      if (state.retry === 'sizes') {
        set(state.asked);
        return flow.editSize();
      }
      if (state.retry === 'cancel') {
        set(state.asked);
        return flow.submit();
      }
      return flow.check();
    },
  };
  return flow;
}
