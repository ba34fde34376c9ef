// customer-account.order.action.render: the modal the menu item opens. It checks the order
// again (it may have changed since the menu rendered) and goes straight to the reason picker.
/// <reference types="@shopify/ui-extensions/customer-account.order.action.render" />

import { createClient, createFlow } from '../../shared/cancel-core.js';
import { el, view } from '../../shared/cancel-ui.js';

export default async () => {
  const client = createClient({ shopify, surface: 'customer-account' });
  const flow = createFlow({ client, orderId: shopify.orderId, onChange: render });
  const done = () => shopify.close();

  function render() {
    const t = (key, vars) => shopify.i18n.translate(key, vars);
    const { body, actions } = view(shopify, flow, { done });
    const name = flow.state.order?.name ?? '';
    if (flow.state.name === 'absent') body.push(el('s-text', {}, t('blocked.not_found')));
    const primary = actions.primary ?? el('s-button', { onClick: done }, t('close'));
    primary.setAttribute('slot', 'primary-action');
    for (const button of actions.secondary) button.setAttribute('slot', 'secondary-actions');
    document.body.replaceChildren(
      el('s-customer-account-action', { heading: name ? t('dialog.title', { name }) : t('menu') },
        el('s-stack', { gap: 'base' }, body), primary, actions.secondary),
    );
  }

  render();
  if ((await flow.check()).name === 'cancellable') {
    flow.open();
    await flow.load(true);
  }
};
