// <order-cancel-quantity> holds the dialog's quantity panel (issue 13): the order's items, each
// with a number field (1 to what stock allows), the price difference before the customer
// confirms (from each item's unit price), then editOrder with `quantity`, one changed item at a
// time. <order-cancel-edit> calls open() when it shows the panel; this element uses
// <order-cancel>'s post(), set(), money(), m, row and report().
customElements.get('order-cancel-quantity') || customElements.define('order-cancel-quantity', class extends HTMLElement {
  connectedCallback() {
    const { signal } = (this.ac = new AbortController());
    this.block = this.closest('order-cancel');
    this.form = this.querySelector('form');
    this.items = [];
    this.form.addEventListener('input', () => this.preview(), { signal });
    this.form.addEventListener('submit', (e) => this.change(e), { signal });
  }

  disconnectedCallback() {
    this.ac.abort();
  }

  q(sel) {
    return this.form.querySelector(sel);
  }

  say(progress, problem = '') {
    this.block.set('qty-progress', progress, this.form);
    this.block.set('qty-problem', problem, this.form);
  }

  async open() {
    const { block } = this;
    const lines = this.q('[data-qty-lines]');
    this.items = [];
    lines.replaceChildren();
    this.q('[data-qty-pay]').hidden = true;
    this.q('[type=submit]').hidden = false;
    this.say('');
    this.preview();
    try {
      const { order } = await block.post(
        'query($id:ID!){order(id:$id){editOptions{items{id title variantTitle quantity unitPrice currencyCode maxQuantity}}}}',
        { id: block.row.dataset.order },
      );
      const line = this.q('template').content.firstChild;
      this.items = order.editOptions.items;
      lines.replaceChildren(...this.items.map((i) => {
        const label = line.cloneNode(true);
        Object.assign(label.querySelector('input'), { name: i.id, value: i.quantity, max: Math.max(i.maxQuantity, 1) });
        label.querySelector('span').textContent = i.variantTitle ? `${i.title} – ${i.variantTitle}` : i.title;
        return label;
      }));
    } catch (e) {
      this.say('', block.m[e] || block.m.network);
    }
  }

  wanted(item) {
    return this.form.elements[item.id]?.valueAsNumber || item.quantity;
  }

  // What the new quantities cost (more than 0) or give back (less than 0).
  difference() {
    return this.items.reduce((sum, i) => sum + (this.wanted(i) - i.quantity) * i.unitPrice, 0);
  }

  amount(x) {
    return this.block.money({ amount: Math.abs(x) }, this.items[0]?.currencyCode || 'EUR');
  }

  preview() {
    const d = this.difference(), { m } = this.block;
    this.block.set('qty-difference', d ? m[d < 0 ? 'qtyRefund' : 'qtyPay'].replace('%r', this.amount(d)) : '', this.form);
  }

  async change(event) {
    const { block, form } = this, { m, row } = block;
    event.preventDefault();
    if (form.ariaBusy) return;
    const changed = this.items.filter((i) => this.wanted(i) != i.quantity);
    if (!changed[0]) return this.say('', m.qtySame);
    const reason = block.q('[name=reason]:checked')?.value ?? null;
    let total = 0, url = null;
    form.ariaBusy = true;
    this.say(m.qtySaving);
    try {
      for (const i of changed) {
        const { editOrder: r } = await block.post(
          'mutation($input:EditOrderInput!){editOrder(input:$input){__typename ' +
            '...on EditOrderSuccess{difference{amount currencyCode paymentUrl}}...on EditOrderRefused{code}}}',
          { input: { orderId: row.dataset.order, reason, quantity: { lineItemId: i.id, quantity: this.wanted(i) } } },
        );
        if (r.code) return this.say('', m[r.code] || m.qtyNo);
        i.quantity = this.wanted(i);
        total += Number(r.difference?.amount || 0);
        url = r.difference?.paymentUrl || url;
      }
      const name = row.dataset.name, money = this.amount(total);
      if (!(total > 0 && url)) return block.report(m.qtyRefunded.replace('%s', name).replace('%r', money));
      // Owed: the panel stays, with Shopify's link to pay the difference.
      const text = m.qtyOwed.replace('%s', name).replace('%r', money);
      const pay = this.q('[data-qty-pay]');
      block.set('info', text, row);
      this.say(text);
      this.preview();
      pay.href = url;
      this.q('[type=submit]').hidden = !(pay.hidden = false);
      pay.focus();
    } catch (e) {
      this.say('', m[e] || m.network);
    } finally {
      form.ariaBusy = null;
    }
  }
});
