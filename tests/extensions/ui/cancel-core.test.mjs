// The extensions' shared logic against a fake `shopify` object and a fake backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createClient, createFlow, messageKey, picks } from '../../../extensions/shared/cancel-core.js';

const ORDER = {
  id: 'gid://shopify/Order/5001',
  name: '#1001',
  cancellable: true,
  blockedBy: null,
  deadline: '2026-11-26T12:00:00Z',
  status: 'NONE',
  reasons: [{ code: 'OTHER', label: 'Another reason' }],
};

const fakeShopify = () => ({ sessionToken: { get: async () => 'header.claims.signature' } });

// A backend that answers each request with the next of `answers` and remembers what it got.
function fakeBackend(...answers) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, init, body: JSON.parse(init.body) });
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    const { status = 200, body } = answer;
    return { ok: status < 400, status, json: async () => body };
  };
  return { fetch, requests };
}

function flowWith(backend, options = {}) {
  const seen = [];
  const client = createClient({ shopify: fakeShopify(), fetch: backend.fetch, ...options });
  const flow = createFlow({ client, orderId: ORDER.id, onChange: (s) => seen.push(s.name) });
  return { flow, seen };
}

test('loading then cancellable, with the session token as a bearer', async () => {
  const backend = fakeBackend({ body: { data: { order: ORDER } } });
  const { flow, seen } = flowWith(backend);
  assert.equal(flow.state.name, 'checking');
  const state = await flow.check();
  assert.deepEqual(seen, ['checking', 'cancellable']);
  assert.equal(state.order.name, '#1001');
  const { url, init } = backend.requests[0];
  assert.equal(init.headers.Authorization, 'Bearer header.claims.signature');
  assert.match(url, /\/extensions\/graphql\?surface=checkout$/);
});

test('a guest sends the order id and confirmation number together', async () => {
  const backend = fakeBackend({ body: { data: { order: ORDER } } });
  const guest = { orderId: ORDER.id, confirmationNumber: 'XKZ3T9QPA' };
  await flowWith(backend, { guest }).flow.check();
  assert.equal(backend.requests[0].init.headers['X-Order-Confirmation'], `${ORDER.id} XKZ3T9QPA`);
});

test('a blocked order explains itself by code', async () => {
  const blocked = { ...ORDER, cancellable: false, blockedBy: 'FULFILLMENT_STARTED' };
  const { flow } = flowWith(fakeBackend({ body: { data: { order: blocked } } }));
  const state = await flow.check();
  assert.equal(state.name, 'blocked');
  assert.equal(messageKey(state.code), 'blocked.fulfillment_started');
  assert.equal(messageKey('SOMETHING_NEW'), 'status.not_cancellable');
});

test('an order that is not the viewer\'s is absent', async () => {
  const { flow } = flowWith(fakeBackend({ body: { data: { order: null } } }));
  assert.equal((await flow.check()).name, 'absent');
});

test('an already cancelled order shows as cancelled', async () => {
  const cancelled = { ...ORDER, cancellable: false, status: 'PENDING' };
  const { flow } = flowWith(fakeBackend({ body: { data: { order: cancelled } } }));
  const state = await flow.check();
  assert.equal(state.name, 'cancelled');
  assert.equal(state.pending, true);
});

test('success: reason and note go to cancelOrder, and the order ends cancelled', async () => {
  const success = { __typename: 'CancelOrderSuccess', order: { ...ORDER, cancellable: false, status: 'CANCELLED' } };
  const backend = fakeBackend({ body: { data: { order: ORDER } } }, { body: { data: { cancelOrder: success } } });
  const { flow, seen } = flowWith(backend);
  await flow.check();
  flow.open();
  flow.choose('OTHER');
  flow.write('  wrong size  ');
  const state = await flow.submit();
  assert.deepEqual(seen, ['checking', 'cancellable', 'confirming', 'cancelling', 'cancelled']);
  assert.equal(state.pending, false);
  assert.equal(state.justNow, true);
  assert.deepEqual(backend.requests[1].body.variables.input, { orderId: ORDER.id, reason: 'OTHER', note: 'wrong size', lineItems: null });
});

test('submitting without a reason asks for one and sends nothing', async () => {
  const backend = fakeBackend({ body: { data: { order: ORDER } } });
  const { flow } = flowWith(backend);
  await flow.check();
  flow.open();
  const state = await flow.submit();
  assert.equal(state.name, 'confirming');
  assert.equal(state.missingReason, true);
  assert.equal(backend.requests.length, 1);
});

test('a refusal carries its code', async () => {
  const refused = { __typename: 'CancelOrderRefused', code: 'CUTOFF_PASSED', message: '…' };
  const { flow } = flowWith(fakeBackend({ body: { data: { order: ORDER } } }, { body: { data: { cancelOrder: refused } } }));
  await flow.check();
  flow.open();
  flow.choose('OTHER');
  const state = await flow.submit();
  assert.equal(state.name, 'refused');
  assert.equal(messageKey(state.code), 'blocked.cutoff_passed');
});

test('a network error offers a retry that checks again', async () => {
  const backend = fakeBackend(new TypeError('Failed to fetch'), { body: { data: { order: ORDER } } });
  const { flow } = flowWith(backend);
  const failed = await flow.check();
  assert.equal(failed.name, 'error');
  assert.equal(failed.rateLimited, false);
  assert.equal((await flow.retry()).name, 'cancellable');
});

test('a failed cancel retries the same reason and note', async () => {
  const success = { __typename: 'CancelOrderSuccess', order: { ...ORDER, status: 'PENDING', cancellable: false } };
  const backend = fakeBackend(
    { body: { data: { order: ORDER } } },
    { status: 401, body: { errors: [{ message: 'Unauthorized' }] } },
    { body: { data: { cancelOrder: success } } },
  );
  const { flow } = flowWith(backend);
  await flow.check();
  flow.open();
  flow.choose('OTHER');
  assert.equal((await flow.submit()).name, 'error');
  const state = await flow.retry();
  assert.equal(state.name, 'cancelled');
  assert.equal(state.pending, true);
  assert.equal(backend.requests[2].body.variables.input.reason, 'OTHER');
});

test('HTTP 429 is told apart as rate limiting', async () => {
  const { flow } = flowWith(fakeBackend({ status: 429, body: { errors: [] } }));
  assert.equal((await flow.check()).rateLimited, true);
});

const ITEMS = {
  partialCancel: true,
  lineItems: [{ id: 'gid://shopify/LineItem/1', title: 'Linen shirt', quantity: 3, cancellableQuantity: 3 }],
  refund: { refund: { amount: '71.11', currencyCode: 'EUR' }, total: { amount: '74.85' }, fee: { amount: '3.74' } },
  preview: null,
};

test('the items come with the refund; choosing fewer asks for their preview', async () => {
  const preview = { refund: { amount: '23.70', currencyCode: 'EUR' }, total: { amount: '24.95' }, fee: { amount: '1.25' } };
  const backend = fakeBackend(
    { body: { data: { order: ORDER } } },
    { body: { data: { order: ITEMS } } },
    { body: { data: { order: { ...ITEMS, preview } } } },
  );
  const { flow } = flowWith(backend);
  await flow.check();
  flow.open();
  const loaded = await flow.load(true);
  assert.deepEqual(loaded.items.map((i) => [i.title, i.value, i.max]), [['Linen shirt', 3, 3]]);
  assert.equal(loaded.refund.refund.amount, '71.11');
  flow.quantity('gid://shopify/LineItem/1', '1');
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(flow.state.refund.refund.amount, '23.70');
  assert.deepEqual(backend.requests[2].body.variables.lines, [{ lineItemId: 'gid://shopify/LineItem/1', quantity: 1 }]);
});

test('every unit chosen is the whole order; fewer are line items', () => {
  const items = [{ id: 'a', quantity: 2, value: 2 }, { id: 'b', quantity: 1, value: 1 }];
  assert.equal(picks(items), null);
  assert.deepEqual(picks([{ ...items[0], value: 1 }, { ...items[1], value: 0 }]), [{ lineItemId: 'a', quantity: 1 }]);
});

test('a partial cancel ends with what went back, not a cancelled order', async () => {
  const success = { __typename: 'CancelOrderSuccess', order: { ...ORDER }, refunded: { amount: '23.70', currencyCode: 'EUR' } };
  const backend = fakeBackend(
    { body: { data: { order: ORDER } } },
    { body: { data: { order: ITEMS } } },
    { body: { data: { cancelOrder: success } } },
  );
  const { flow } = flowWith(backend);
  await flow.check();
  flow.open();
  await flow.load(true);
  flow.choose('OTHER');
  flow.state.items[0].value = 1; // as flow.quantity sets it, without its preview request
  const state = await flow.submit();
  assert.equal(state.name, 'itemsCancelled');
  assert.equal(state.refunded.amount, '23.70');
  assert.deepEqual(backend.requests[2].body.variables.input.lineItems, [{ lineItemId: 'gid://shopify/LineItem/1', quantity: 1 }]);
});

// Issue 13: "wrong address" offers to change it instead, where the shop allows it.

const EDITABLE = { ...ORDER, editOptions: { types: ['ADDRESS'], countryChange: false } };

async function confirming(...answers) {
  const backend = fakeBackend({ body: { data: { order: EDITABLE } } }, ...answers);
  const { flow, seen } = flowWith(backend);
  await flow.check();
  flow.open();
  return { flow, seen, backend };
}

test('wrong address offers the address form, and only where the shop allows it', async () => {
  const { flow, seen } = await confirming();
  flow.choose('OTHER');
  assert.equal(flow.offersAddress, false);
  flow.choose('WRONG_ADDRESS');
  assert.equal(flow.offersAddress, true);
  assert.equal(seen.at(-1), 'confirming'); // re-rendered to show the offer
  assert.equal(flow.editAddress().name, 'editing');
  assert.equal(flow.back().name, 'confirming');

  const plain = flowWith(fakeBackend({ body: { data: { order: ORDER } } })).flow;
  await plain.check();
  plain.open();
  plain.choose('WRONG_ADDRESS');
  assert.equal(plain.offersAddress, false);
  assert.equal(plain.editAddress().name, 'confirming');
});

test('the new address is sent trimmed, with the reason, and the order is changed', async () => {
  const { flow, backend } = await confirming({
    body: { data: { editOrder: { __typename: 'EditOrderSuccess' } } },
  });
  flow.choose('WRONG_ADDRESS');
  flow.editAddress();
  flow.type('lastName', ' Lovelace ');
  flow.type('address1', 'Dam 1');
  const state = await flow.saveAddress();
  assert.equal(state.name, 'edited');
  assert.deepEqual(backend.requests[1].body.variables.input, {
    orderId: ORDER.id,
    reason: 'WRONG_ADDRESS',
    address: { lastName: 'Lovelace', address1: 'Dam 1' },
  });
});

test('field problems come back next to their fields; a network failure can be retried', async () => {
  const refused = {
    __typename: 'EditOrderRefused',
    code: 'INVALID_ADDRESS',
    fieldErrors: [{ field: 'zip', problem: 'INVALID' }],
  };
  const { flow } = await confirming(
    { body: { data: { editOrder: refused } } },
    new TypeError('offline'),
    { body: { data: { editOrder: { __typename: 'EditOrderSuccess' } } } },
  );
  flow.choose('WRONG_ADDRESS');
  flow.editAddress();
  const fixing = await flow.saveAddress();
  assert.equal(fixing.name, 'editing');
  assert.deepEqual(fixing.errors, { zip: 'INVALID' });
  assert.equal(fixing.fix, true);
  const failed = await flow.saveAddress();
  assert.equal(failed.name, 'error');
  assert.equal((await flow.retry()).name, 'edited');
});

test('where the shop approves first, a cancel becomes a request with its time', async () => {
  const requested = { __typename: 'CancelOrderRequested', requestedAt: '2026-11-26T11:10:00Z' };
  const backend = fakeBackend({ body: { data: { order: ORDER } } }, { body: { data: { cancelOrder: requested } } });
  const { flow, seen } = flowWith(backend);
  await flow.check();
  flow.open();
  flow.choose('OTHER');
  const state = await flow.submit();
  assert.deepEqual(seen, ['checking', 'cancellable', 'confirming', 'cancelling', 'requested']);
  assert.equal(state.at, '2026-11-26T11:10:00Z');
  assert.equal(state.justNow, true);
});

test('a waiting request shows as requested; a declined one in the shop\'s words', async () => {
  const waiting = {
    ...ORDER, cancellable: false, status: 'REQUESTED', blockedBy: 'AWAITING_APPROVAL',
    request: { state: 'REQUESTED', requestedAt: '2026-11-26T11:10:00Z', message: null },
  };
  const declined = {
    ...ORDER, cancellable: false, status: 'NONE', blockedBy: 'DECLINED_BY_SHOP',
    request: { state: 'DECLINED', requestedAt: '2026-11-26T11:10:00Z', message: 'Made to measure.' },
  };
  const first = await flowWith(fakeBackend({ body: { data: { order: waiting } } })).flow.check();
  assert.equal(first.name, 'requested');
  assert.equal(first.at, '2026-11-26T11:10:00Z');
  const second = await flowWith(fakeBackend({ body: { data: { order: declined } } })).flow.check();
  assert.equal(second.name, 'blocked');
  assert.equal(second.message, 'Made to measure.');
  assert.equal(messageKey(second.code), 'blocked.declined_by_shop');
});

test('wrong size offers the sizes in stock and sends the one picked', async () => {
  const sized = { ...ORDER, editOptions: { types: ['VARIANT'], countryChange: false } };
  const items = [{
    id: 'gid://shopify/LineItem/1', title: 'Linen shirt', variantTitle: 'S', currencyCode: 'EUR',
    variants: [
      { id: 'gid://shopify/ProductVariant/2', title: 'M', price: '24.95', inStock: true },
      { id: 'gid://shopify/ProductVariant/4', title: 'XL', price: '29.95', inStock: false },
    ],
  }];
  const backend = fakeBackend(
    { body: { data: { order: sized } } },
    { body: { data: { order: { editOptions: { items } } } } },
    { body: { data: { editOrder: { __typename: 'EditOrderSuccess' } } } },
  );
  const { flow } = flowWith(backend);
  await flow.check();
  flow.open();
  flow.choose('WRONG_ADDRESS');
  assert.equal(flow.offersSize, false);
  flow.choose('WRONG_SIZE_OR_COLOUR');
  assert.equal(flow.offersSize, true);
  const sizing = await flow.editSize();
  assert.deepEqual(sizing.choices, [
    { value: 'gid://shopify/LineItem/1 gid://shopify/ProductVariant/2', label: 'Linen shirt: S → M (24.95 EUR)' },
  ]);
  const done = await flow.saveSize();
  assert.equal(done.name, 'edited');
  assert.equal(done.kind, 'size');
  assert.deepEqual(backend.requests[2].body.variables.input, {
    orderId: ORDER.id,
    reason: 'WRONG_SIZE_OR_COLOUR',
    variant: { lineItemId: 'gid://shopify/LineItem/1', variantId: 'gid://shopify/ProductVariant/2' },
  });
});

// Withdrawing a waiting request (issue 14) ------------------------------------------------------

const WAITING = {
  ...ORDER, cancellable: false, status: 'REQUESTED', blockedBy: 'AWAITING_APPROVAL',
  request: { state: 'REQUESTED', requestedAt: '2026-11-26T11:10:00Z', message: null },
};

test('a waiting request is withdrawn with withdrawCancelRequest, then checked again', async () => {
  const backend = fakeBackend(
    { body: { data: { order: WAITING } } },
    { body: { data: { withdrawCancelRequest: { __typename: 'WithdrawCancelRequestSuccess' } } } },
    { body: { data: { order: ORDER } } },
  );
  const { flow, seen } = flowWith(backend);
  await flow.check();
  const state = await flow.withdraw();
  assert.deepEqual(seen, ['checking', 'requested', 'withdrawing', 'withdrawn']);
  assert.equal(state.order.id, ORDER.id);
  const { query, variables } = backend.requests[1].body;
  assert.match(query, /^mutation\(\$input:WithdrawCancelRequestInput!\)\{withdrawCancelRequest/);
  assert.deepEqual(variables, { input: { orderId: ORDER.id } });
  assert.equal((await flow.check()).name, 'cancellable'); // the customer may ask again
});

test('withdraw does nothing unless a request waits', async () => {
  const backend = fakeBackend({ body: { data: { order: ORDER } } });
  const { flow } = flowWith(backend);
  await flow.check();
  assert.equal((await flow.withdraw()).name, 'cancellable');
  assert.equal(backend.requests.length, 1);
});

test('a request the shop answered meanwhile cannot be withdrawn: told by code or in its words', async () => {
  const refused = (code, message) => ({
    body: { data: { withdrawCancelRequest: { __typename: 'CancelOrderRefused', code, message } } },
  });
  const backend = fakeBackend(
    { body: { data: { order: WAITING } } },
    refused('DECLINED_BY_SHOP', 'Made to measure.'),
    { body: { data: { order: WAITING } } },
    refused('NO_REQUEST', 'There is no request to cancel this order waiting for the shop.'),
  );
  const { flow } = flowWith(backend);
  await flow.check();
  const declined = await flow.withdraw();
  assert.equal(declined.name, 'refused');
  assert.equal(declined.message, 'Made to measure.');
  await flow.check();
  const gone = await flow.withdraw();
  assert.equal(gone.name, 'refused');
  assert.equal(gone.message, null); // the backend's English stays out; the key translates
  assert.equal(messageKey(gone.code), 'blocked.no_request');
});

test('a withdrawal that failed on the network is retried as a withdrawal', async () => {
  const backend = fakeBackend(
    { body: { data: { order: WAITING } } },
    new TypeError('offline'),
    { status: 429, body: {} },
    { body: { data: { withdrawCancelRequest: { __typename: 'WithdrawCancelRequestSuccess' } } } },
  );
  const { flow } = flowWith(backend);
  await flow.check();
  const failed = await flow.withdraw();
  assert.equal(failed.name, 'error');
  assert.equal(failed.rateLimited, false);
  const limited = await flow.retry();
  assert.equal(limited.name, 'error');
  assert.equal(limited.rateLimited, true);
  assert.equal((await flow.retry()).name, 'withdrawn');
  assert.equal(backend.requests.filter((r) => /withdrawCancelRequest/.test(r.body.query)).length, 3);
});

// The quantity change and "Edit order" (issue 13) ------------------------------------------------

const SHIRTS = [{
  id: 'gid://shopify/LineItem/1', title: 'Linen shirt', variantTitle: 'S', quantity: 2,
  unitPrice: '24.95', currencyCode: 'EUR', maxQuantity: 12,
}];
const QUANTITIES = { ...ORDER, editOptions: { types: ['QUANTITY', 'ADDRESS'], blockedBy: null, countryChange: false } };

test('ordered too many offers the quantities, previews the refund and sends the change', async () => {
  const backend = fakeBackend(
    { body: { data: { order: QUANTITIES } } },
    { body: { data: { order: { editOptions: { items: SHIRTS } } } } },
    { body: { data: { editOrder: { __typename: 'EditOrderSuccess', difference: { amount: '-24.95', currencyCode: 'EUR', paymentUrl: null } } } } },
  );
  const { flow, seen } = flowWith(backend);
  await flow.check();
  flow.open();
  flow.choose('OTHER');
  assert.equal(flow.offersQuantity, false);
  flow.choose('ORDERED_TOO_MANY');
  assert.equal(flow.offersQuantity, true);
  const panel = await flow.editQuantity();
  assert.equal(panel.name, 'quantities');
  assert.deepEqual(panel.items, [{
    id: 'gid://shopify/LineItem/1', title: 'Linen shirt – S', quantity: 2, max: 12,
    unitPrice: '24.95', currencyCode: 'EUR', value: 2,
  }]);
  assert.equal(flow.setQuantity('gid://shopify/LineItem/1', '0').items[0].value, 1); // at least 1
  assert.equal(flow.setQuantity('gid://shopify/LineItem/1', 99).items[0].value, 12); // stock
  assert.equal(flow.state.difference, '249.50');
  assert.equal(flow.setQuantity('gid://shopify/LineItem/1', 1).difference, '-24.95');
  const done = await flow.saveQuantity();
  assert.equal(done.name, 'edited');
  assert.equal(done.kind, 'quantity');
  assert.deepEqual(done.difference, { amount: '-24.95', currencyCode: 'EUR', paymentUrl: null });
  assert.deepEqual(backend.requests[2].body.variables.input, {
    orderId: ORDER.id,
    reason: 'ORDERED_TOO_MANY',
    quantity: { lineItemId: 'gid://shopify/LineItem/1', quantity: 1 },
  });
  assert.deepEqual(seen.slice(-2), ['requantifying', 'edited']);
});

test('a higher quantity ends with what is owed and the payment link', async () => {
  const owed = { amount: '24.95', currencyCode: 'EUR', paymentUrl: 'https://shop.example/pay/1' };
  const backend = fakeBackend(
    { body: { data: { order: QUANTITIES } } },
    { body: { data: { order: { editOptions: { items: SHIRTS } } } } },
    { body: { data: { editOrder: { __typename: 'EditOrderSuccess', difference: owed } } } },
  );
  const { flow } = flowWith(backend);
  await flow.check();
  flow.startEdit();
  await flow.editQuantity();
  flow.setQuantity('gid://shopify/LineItem/1', 3);
  const done = await flow.saveQuantity();
  assert.deepEqual(done.difference, owed);
  assert.equal(backend.requests[2].body.variables.input.reason, null); // from "Edit order"
});

test('an unchanged quantity is not sent; a refusal and a lost request are told apart', async () => {
  const backend = fakeBackend(
    { body: { data: { order: QUANTITIES } } },
    { body: { data: { order: { editOptions: { items: SHIRTS } } } } },
    new Error('offline'),
    { body: { data: { editOrder: { __typename: 'EditOrderRefused', code: 'OUT_OF_STOCK' } } } },
  );
  const { flow } = flowWith(backend);
  await flow.check();
  flow.startEdit();
  await flow.editQuantity();
  assert.equal((await flow.saveQuantity()).unchanged, true);
  assert.equal(backend.requests.length, 2);
  flow.setQuantity('gid://shopify/LineItem/1', 5);
  const lost = await flow.saveQuantity();
  assert.equal(lost.name, 'error');
  assert.equal(lost.retry, 'quantity');
  const refused = await flow.retry();
  assert.equal(refused.name, 'refused');
  assert.equal(refused.code, 'OUT_OF_STOCK');
});

test('Edit order offers the changes the shop allows, without a reason; back returns to them', async () => {
  const backend = fakeBackend(
    { body: { data: { order: QUANTITIES } } },
    { body: { data: { editOrder: { __typename: 'EditOrderSuccess' } } } },
  );
  const { flow } = flowWith(backend);
  await flow.check();
  assert.deepEqual(flow.editTypes, ['QUANTITY', 'ADDRESS']);
  const choosing = flow.startEdit();
  assert.equal(choosing.name, 'choosing');
  assert.equal(flow.offersAddress, true);
  assert.equal(flow.offersSize, false);
  assert.equal(flow.offersQuantity, true);
  assert.equal(flow.editAddress().name, 'editing');
  assert.equal(flow.back().name, 'choosing');
  flow.editAddress();
  flow.type('lastName', 'Lovelace');
  const done = await flow.saveAddress();
  assert.equal(done.name, 'edited');
  assert.equal(backend.requests[1].body.variables.input.reason, null);
  assert.equal(backend.requests[1].body.variables.input.address.lastName, 'Lovelace');
});

test('Edit order is not offered where the order may no longer be changed', async () => {
  const blocked = { ...QUANTITIES, editOptions: { ...QUANTITIES.editOptions, blockedBy: 'FULFILLMENT_STARTED' } };
  const { flow } = flowWith(fakeBackend({ body: { data: { order: blocked } } }));
  await flow.check();
  assert.deepEqual(flow.editTypes, []);
  assert.equal(flow.startEdit().name, 'cancellable');
});
