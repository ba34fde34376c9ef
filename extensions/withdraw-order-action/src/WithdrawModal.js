// customer-account.order.action.render: the withdrawal's two steps in the modal the menu item
// opens: the statement (name, e-mail), then "confirm withdrawal", then the acknowledgement.
/// <reference types="@shopify/ui-extensions/customer-account.order.action.render" />

import { createWithdrawClient, createWithdrawFlow } from '../../shared/withdraw-core.js';
import { el } from '../../shared/cancel-ui.js';
import { withdrawView } from '../../shared/withdraw-ui.js';

export default async () => {
  const client = createWithdrawClient({ shopify, surface: 'customer-account' });
  const flow = createWithdrawFlow({ client, orderId: shopify.orderId, onChange: render });
  const done = () => shopify.close();

  function render() {
    const t = (key, vars) => shopify.i18n.translate(key, vars);
    const { body, actions } = withdrawView(shopify, flow, { done });
    if (flow.state.name === 'hidden') body.push(el('s-text', {}, t('withdraw.errors.not_offered')));
    const primary = actions.primary ?? el('s-button', { onClick: done }, t('close'));
    primary.setAttribute('slot', 'primary-action');
    for (const button of actions.secondary) button.setAttribute('slot', 'secondary-actions');
    document.body.replaceChildren(
      el('s-customer-account-action', { heading: t('withdraw.heading') },
        el('s-stack', { gap: 'base' }, body), primary, actions.secondary),
    );
  }

  render();
  if ((await flow.check()).name === 'offered') flow.open();
};
