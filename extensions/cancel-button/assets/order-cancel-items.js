// <order-cancel-items> is the dialog's "Items to cancel" fieldset and the refund line under it
// (issue 11). <order-cancel> calls open(row) when its dialog opens and picks() when the customer
// confirms; this element asks the app, through the block's post(), which items can go and what
// cancelling gives back, fee included, again whenever a quantity changes.
customElements.get('order-cancel-items') || customElements.define('order-cancel-items', class extends HTMLElement {
  connectedCallback() {
    this.ac = new AbortController();
    this.block = this.closest('order-cancel');
    this.addEventListener('input', (e) => e.target.dataset.id && this.load(), { signal: this.ac.signal });
  }

  disconnectedCallback() {
    this.ac.abort();
  }

  q(sel) {
    return this.querySelector(sel);
  }

  open(row) {
    this.row = row;
    this.q('[data-items]').hidden = true;
    this.q('[data-lines]').replaceChildren();
    this.block.set('refund', '', this);
    this.load(true);
  }

  // Chosen quantities; null when every unit left is chosen: that is the whole order.
  picks() {
    const inputs = [...this.querySelectorAll('[data-lines] input')];
    return inputs.every((i) => +i.value >= +i.dataset.qty) ? null
      : inputs.filter((i) => +i.value > 0).map((i) => ({ lineItemId: i.dataset.id, quantity: +i.value }));
  }

  // The items to choose (first time) and what cancelling gives back, fee included.
  async load(first) {
    const { block, row } = this, { m } = block, lines = first ? null : this.picks();
    try {
      const { order: o } = await block.post(
        'query($id:ID!,$lines:[LineItemQuantityInput!]!){order(id:$id){partialCancel lineItems{id title quantity cancellableQuantity}' +
          'refund{refund{amount currencyCode}total{amount}fee{amount}}preview(lineItems:$lines){refund{amount currencyCode}total{amount}fee{amount}}}}',
        { id: row.dataset.order, lines: lines || [] },
      );
      if (first && o.partialCancel) {
        const line = this.q('[data-items] template').content.firstChild;
        this.q('[data-lines]').replaceChildren(...o.lineItems.map((l) => {
          const item = line.cloneNode(true), input = item.firstChild;
          Object.assign(input, { value: l.cancellableQuantity, max: l.cancellableQuantity, disabled: !l.cancellableQuantity });
          Object.assign(input.dataset, { id: l.id, qty: l.quantity });
          item.lastChild.textContent = `${l.title} (${l.quantity})`;
          return item;
        }));
        this.q('[data-items]').hidden = false;
      }
      const p = (lines && o.preview) || o.refund, f = (x) => block.money(x, p.refund.currencyCode);
      block.set('refund', m.refund.replace('%r', f(p.refund)).replace('%t', f(p.total)) +
        (+p.fee.amount ? ' ' + m.fee.replace('%f', f(p.fee)) : ''), this);
    } catch {
      block.set('refund', '', this);
    }
  }
});
