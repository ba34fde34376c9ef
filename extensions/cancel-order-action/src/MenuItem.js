// customer-account.order.action.menu-item.render: one button, only for orders that can be
// cancelled. Without an href, Shopify opens customer-account.order.action.render on click.
/// <reference types="@shopify/ui-extensions/customer-account.order.action.menu-item.render" />

import { createClient, createFlow } from '../../shared/cancel-core.js';
import { el } from '../../shared/cancel-ui.js';

export default async () => {
  const client = createClient({ shopify, surface: 'customer-account' });
  const flow = createFlow({ client, orderId: shopify.orderId });
  const { name } = await flow.check();
  if (name === 'cancellable') {
    document.body.replaceChildren(el('s-button', {}, shopify.i18n.translate('menu')));
  }
};
