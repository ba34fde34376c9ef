// purchase.thank-you.block.render: offer the cancel right after checkout.
// The order id and confirmation number come from `shopify.orderConfirmation`; a guest's token
// has no `sub`, so the backend accepts the pair, for this one order, shortly after checkout.
/// <reference types="@shopify/ui-extensions/purchase.thank-you.block.render" />

import { createClient, createFlow } from '../../shared/cancel-core.js';
import { el, view } from '../../shared/cancel-ui.js';

export default async () => {
  const { order, number } = shopify.orderConfirmation.value;
  const client = createClient({
    shopify,
    surface: 'checkout',
    guest: { orderId: order.id, confirmationNumber: number },
  });
  const flow = createFlow({ client, orderId: order.id, onChange: render });

  function render() {
    if (flow.state.name === 'absent') {
      document.body.replaceChildren();
      return;
    }
    const { body, actions } = view(shopify, flow);
    document.body.replaceChildren(
      el('s-section', { heading: shopify.i18n.translate('heading') },
        el('s-stack', { gap: 'base' }, body,
          el('s-stack', { direction: 'inline', gap: 'base' }, actions.primary, actions.secondary))),
    );
  }

  render();
  await flow.check();
};
