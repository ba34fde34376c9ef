// The `shopify` global of one extension target, as far as our extensions use it; then the
// bundle's default export runs, as Shopify runs it in the target's worker.
const ctx = JSON.parse(document.getElementById('context').textContent);
window.__APP_URL__ = ctx.appUrl;

const signal = (value) => ({ value, subscribe: (fn) => (fn(value), () => {}) });

function translate(key, vars = {}) {
  const text = key.split('.').reduce((node, part) => node?.[part], ctx.translations);
  if (typeof text !== 'string') return key;
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) => String(vars[name] ?? ''));
}

const shopify = {
  sessionToken: {
    async get() {
      const response = await fetch('/extensions/session-token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ customer: ctx.customer }),
      });
      return (await response.json()).token;
    },
  },
  i18n: {
    translate,
    formatDate: (date, options) => new Intl.DateTimeFormat(ctx.locale, options).format(new Date(date)),
    formatNumber: (number, options) => new Intl.NumberFormat(ctx.locale, options).format(number),
    formatCurrency: (number, options) =>
      new Intl.NumberFormat(ctx.locale, { style: 'currency', ...options }).format(number),
  },
  shop: { storefrontUrl: ctx.storefrontUrl },
  localization: { language: signal({ isoCode: ctx.locale }) },
};

if (ctx.module === 'ThankYouBlock.js') {
  shopify.orderConfirmation = signal({
    order: { id: ctx.orderId },
    number: ctx.confirmationNumber,
    isFirstOrder: false,
  });
} else {
  shopify.orderId = ctx.orderId;
  shopify.close = () => parent.postMessage({ type: 'devshop:close-action' }, location.origin);
}
if (ctx.module === 'MenuItem.js') {
  // A menu item without href opens customer-account.order.action.render.
  document.body.addEventListener('click', (event) => {
    const button = event.target.closest('s-button');
    if (button && !button.hasAttribute('href')) {
      parent.postMessage({ type: 'devshop:open-action' }, location.origin);
    }
  });
}

globalThis.shopify = shopify;
const { default: run } = await import(ctx.bundle);
await run();
document.body.dataset.rendered = 'true';
