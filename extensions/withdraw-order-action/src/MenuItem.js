// customer-account.order.action.menu-item.render: "Withdraw from contract here", only while the
// right of withdrawal lasts for the order. Without an href, Shopify opens the modal on click.
/// <reference types="@shopify/ui-extensions/customer-account.order.action.menu-item.render" />

import { createWithdrawClient, createWithdrawFlow } from '../../shared/withdraw-core.js';
import { el } from '../../shared/cancel-ui.js';

export default async () => {
  const client = createWithdrawClient({ shopify, surface: 'customer-account' });
  const flow = createWithdrawFlow({ client, orderId: shopify.orderId });
  const { name } = await flow.check();
  if (name === 'offered') {
    document.body.replaceChildren(el('s-button', {}, shopify.i18n.translate('withdraw.open')));
  }
};
