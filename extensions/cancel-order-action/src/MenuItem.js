// customer-account.order.action.menu-item.render: one button, for orders that can be cancelled
// or whose cancel request waits for the shop (without an href, Shopify opens
// customer-account.order.action.render on click), or "Buy again" with the cart link for
// cancelled and delivered ones.
/// <reference types="@shopify/ui-extensions/customer-account.order.action.menu-item.render" />

import { createClient, createFlow } from '../../shared/cancel-core.js';
import { el } from '../../shared/cancel-ui.js';

export default async () => {
  const client = createClient({ shopify, surface: 'customer-account' });
  const flow = createFlow({ client, orderId: shopify.orderId });
  const { name, code } = await flow.check();
  if (name === 'cancellable') {
    document.body.replaceChildren(el('s-button', {}, shopify.i18n.translate('menu')));
  } else if (name === 'requested') {
    // Waiting for the shop (issue 14): the modal shows the request and takes it back.
    document.body.replaceChildren(el('s-button', {}, shopify.i18n.translate('request.menu')));
  } else if (name === 'cancelled' || code === 'FULFILLMENT_STARTED') {
    // Cancelled or delivered: "Buy again" goes to the storefront's cart with what is still for
    // sale (the backend offers it for cancelled and fulfilled orders only).
    const found = await client.buyAgain(shopify.orderId).catch(() => null);
    if (found?.buyAgainUrl) {
      const href = `${shopify.shop?.storefrontUrl ?? ''}${found.buyAgainUrl}`;
      document.body.replaceChildren(el('s-button', { href }, shopify.i18n.translate('buy_again')));
    }
  }
};
