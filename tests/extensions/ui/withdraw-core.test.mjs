// The withdrawal's shared logic (issue 15) against a fake `shopify` object and a fake backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  WITHDRAW_MUTATION,
  createWithdrawClient,
  createWithdrawFlow,
  withdrawMessageKey,
} from '../../../extensions/shared/withdraw-core.js';

const ORDER = { id: 'gid://shopify/Order/5001', name: '#1001', withdrawal: { available: true, until: null } };

const fakeShopify = () => ({
  sessionToken: { get: async () => 'header.claims.signature' },
  localization: { language: { value: { isoCode: 'nl' } } },
});

function fakeBackend(...answers) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, init, body: JSON.parse(init.body) });
    const { status = 200, body } = answers.shift();
    return { ok: status < 400, status, json: async () => body };
  };
  return { fetch, requests };
}

function flowWith(backend, options = {}) {
  const seen = [];
  const client = createWithdrawClient({ shopify: fakeShopify(), fetch: backend.fetch, ...options });
  const flow = createWithdrawFlow({
    client, orderId: ORDER.id, email: 'ada@example.com', onChange: (s) => seen.push(s.name),
  });
  return { flow, seen };
}

test('the two steps: statement, review, confirm withdrawal, acknowledgement', async () => {
  const backend = fakeBackend(
    { body: { data: { order: ORDER } } },
    { body: { data: { withdrawFromContract: { __typename: 'WithdrawalReview', confirmation: '1.ab' } } } },
    { body: { data: { withdrawFromContract: { __typename: 'WithdrawalReceived', acknowledgement: 'Ontvangen' } } } },
  );
  const { flow, seen } = flowWith(backend);
  assert.equal((await flow.check()).name, 'offered');
  flow.open();
  flow.write('name', 'Ada Lovelace');
  assert.equal((await flow.next()).name, 'review');
  assert.equal((await flow.confirm()).name, 'received');
  assert.equal(flow.state.acknowledgement, 'Ontvangen');
  assert.deepEqual(seen, ['offered', 'statement', 'sending', 'review', 'sending', 'received']);
  const [, statement, confirm] = backend.requests.map((r) => r.body);
  assert.equal(statement.query, WITHDRAW_MUTATION);
  assert.deepEqual(statement.variables.input, {
    orderId: ORDER.id, name: 'Ada Lovelace', email: 'ada@example.com', step: 'STATEMENT', locale: 'nl',
  });
  assert.equal(confirm.variables.input.step, 'CONFIRM');
  assert.equal(confirm.variables.input.confirmation, '1.ab');
  assert.equal(backend.requests[0].init.headers.Authorization, 'Bearer header.claims.signature');
});

test('an order without the right shows nothing', async () => {
  const backend = fakeBackend({ body: { data: { order: { ...ORDER, withdrawal: { available: false, until: null } } } } });
  const { flow } = flowWith(backend);
  assert.equal((await flow.check()).name, 'hidden');
});

test('a refusal goes back to the statement with its words', async () => {
  const backend = fakeBackend(
    { body: { data: { order: ORDER } } },
    { body: { data: { withdrawFromContract: { __typename: 'WithdrawRefused', code: 'INVALID_EMAIL' } } } },
    { status: 503, body: {} },
  );
  const { flow } = flowWith(backend);
  await flow.check();
  flow.open();
  assert.equal((await flow.next()).code, 'INVALID_EMAIL');
  assert.equal(withdrawMessageKey('INVALID_EMAIL'), 'withdraw.errors.invalid_email');
  assert.equal((await flow.next()).code, 'FAILED');
  assert.equal(withdrawMessageKey('FAILED'), 'withdraw.errors.failed');
});

test('the thank-you page proves a guest with the confirmation number', async () => {
  const backend = fakeBackend({ body: { data: { order: ORDER } } });
  const { flow } = flowWith(backend, { guest: { orderId: ORDER.id, confirmationNumber: 'ABC123' } });
  await flow.check();
  assert.equal(backend.requests[0].init.headers['X-Order-Confirmation'], `${ORDER.id} ABC123`);
});
