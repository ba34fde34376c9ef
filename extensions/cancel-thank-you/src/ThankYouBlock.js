// purchase.thank-you.block.render: offer the cancel right after checkout.
// The order id and confirmation number come from `shopify.orderConfirmation`; a guest's token
// has no `sub`, so the backend accepts the pair, for this one order, shortly after checkout.
/// <reference types="@shopify/ui-extensions/purchase.thank-you.block.render" />

import { createClient, createFlow } from '../../shared/cancel-core.js';
import { el, view } from '../../shared/cancel-ui.js';
import { createWithdrawClient, createWithdrawFlow } from '../../shared/withdraw-core.js';
import { withdrawView } from '../../shared/withdraw-ui.js';

export default async () => {
  const { order, number } = shopify.orderConfirmation.value;
  const client = createClient({
    shopify,
    surface: 'checkout',
    guest: { orderId: order.id, confirmationNumber: number },
  });
  const flow = createFlow({ client, orderId: order.id, onChange: render });
  // The EU withdrawal function (issue 15): "withdraw from contract here", while the right lasts.
  const withdrawal = createWithdrawFlow({
    client: createWithdrawClient({
      shopify,
      surface: 'checkout',
      guest: { orderId: order.id, confirmationNumber: number },
    }),
    orderId: order.id,
    email: shopify.buyerIdentity?.email?.value ?? '',
    onChange: render,
  });

  function section(heading, { body, actions }) {
    return el('s-section', { heading },
      el('s-stack', { gap: 'base' }, body,
        el('s-stack', { direction: 'inline', gap: 'base' }, actions.primary, actions.secondary)));
  }

  function render() {
    const sections = [];
    if (flow.state.name !== 'absent') {
      sections.push(section(shopify.i18n.translate('heading'), view(shopify, flow)));
    }
    if (!['checking', 'hidden'].includes(withdrawal.state.name)) {
      sections.push(section(shopify.i18n.translate('withdraw.heading'), withdrawView(shopify, withdrawal)));
    }
    document.body.replaceChildren(...sections);
  }

  render();
  await Promise.all([flow.check(), withdrawal.check()]);
};
