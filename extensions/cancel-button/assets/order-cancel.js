// <order-cancel> enhances the block's markup: rows with data-order are checked in ONE request
// to the app proxy; every string comes from its <template data-messages>. The dialog's items
// (<order-cancel-items>), its edit panels (<order-cancel-edit>, <order-cancel-quantity>) and
// "Buy again" (<order-cancel-buy-again>) are elements of their own, loaded by the block; they
// reach this one through closest('order-cancel') and use post(), set(), m and row.
customElements.get('order-cancel') || customElements.define('order-cancel', class extends HTMLElement {
  connectedCallback() {
    const { signal } = (this.ac = new AbortController());
    const on = (el, type, fn) => el.addEventListener(type, fn, { signal });
    const dialog = (this.dialog = this.q('dialog'));
    this.m = {};
    for (const p of this.q('[data-messages]').content.children) this.m[p.dataset.m] = p.textContent;
    on(this.q('[data-retry]'), 'click', () => this.check());
    for (const b of this.querySelectorAll('[data-open]')) on(b, 'click', () => this.open(b));
    for (const b of this.querySelectorAll('[data-edit-open]')) on(b, 'click', () => this.open(b, true));
    for (const b of this.querySelectorAll('[data-withdraw]')) on(b, 'click', () => this.withdraw(b));
    on(dialog, 'submit', (e) => this.submit(e));
    // The form fills the dialog: a click on the dialog itself is on its backdrop.
    on(dialog, 'click', (e) => e.target == dialog && dialog.close());
    on(dialog, 'close', () => this.row && this.refocus(this.row));
    this.check();
  }

  disconnectedCallback() {
    this.ac.abort();
  }

  q(sel, root = this) {
    return root.querySelector(sel);
  }

  set(name, text, root) {
    this.q(`[data-${name}]`, root).textContent = text;
  }

  // To the button if still offered, else to the words that replaced it.
  refocus(root) {
    const button = this.editing ? '[data-edit-open]:not([hidden])' : '[data-open]:not([hidden])';
    (this.q(button, root) || this.q('[data-open]:not([hidden])', root) || this.q('[data-info]', root)).focus();
  }

  // Throws a message's name; anything else thrown is the network failing.
  async post(query, variables) {
    const res = await fetch(this.dataset.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query, variables }),
      signal: this.ac.signal,
    });
    const { data } = await res.json().catch(() => ({}));
    if (res.ok && data) return data;
    throw res.status == 429 ? 'rateLimited' : 'network';
  }

  async check() {
    const rows = [...this.querySelectorAll('[data-order]')];
    const retry = this.q('[data-retry]');
    const info = (text) => rows.forEach((row) => this.set('info', text, row));
    if (!rows[0]) return;
    this.ariaBusy = true;
    this.set('alert', '');
    info(this.m.checking);
    try {
      const { orders } = await this.post(
        'query($ids:[ID!]!,$locale:String){orders(ids:$ids){id cancellable blockedBy deadline status' +
          ' request{state requestedAt message} reasons(locale:$locale){code label} editOptions{types blockedBy countryChange}}}',
        { ids: rows.map((row) => row.dataset.order), locale: this.dataset.locale },
      );
      rows.forEach((row) => this.show(row, orders.find((o) => o.id == row.dataset.order)));
      document.activeElement == retry && this.refocus(this); // before it hides
      retry.hidden = true;
    } catch (e) {
      info('');
      this.set('alert', this.m[e] || this.m.network);
      retry.hidden = false;
    }
    this.ariaBusy = null;
  }

  why(code) {
    return ('explain' in this.dataset && this.m[code]) || this.m.no;
  }

  show(row, order) {
    const { m } = this;
    const can = order?.cancellable && order.status == 'NONE';
    const req = order?.request;
    row.order = order;
    this.q('[data-open]', row).hidden = !can;
    this.q('[data-withdraw]', row).hidden = order?.status != 'REQUESTED';
    // "Edit order": where the shop offers a change and the order still allows one.
    const edits = order?.status == 'NONE' && !order.editOptions?.blockedBy && order.editOptions?.types;
    this.q('[data-edit-open]', row).hidden = !edits?.length;
    this.set('info',
      !order ? this.why('NOT_FOUND')
      : order.status == 'CANCELLED' ? m.cancelled
      : order.status == 'PENDING' ? m.pending
      : order.status == 'REQUESTED' ? m.requested.replace('%s', this.time(req.requestedAt))
      : req?.state == 'DECLINED' ? req.message || m.DECLINED_BY_SHOP
      : !can ? this.why(order.blockedBy)
      : order.deadline ? m.deadline.replace('%s', this.time(order.deadline))
      : m.cancellable, row);
  }

  // "14:32" today, else "3 Dec 2026, 14:32", in the customer's language.
  time(iso) {
    const date = new Date(iso);
    const today = date.toDateString() == new Date().toDateString();
    const style = { dateStyle: today ? undefined : 'medium', timeStyle: 'short' };
    return date.toLocaleString(this.dataset.locale || [], style);
  }

  money(x, currency) {
    return new Intl.NumberFormat(this.dataset.locale || [], { style: 'currency', currency }).format(x.amount);
  }

  // The cancel form, or (edit) the changes the shop offers, with no cancel reason.
  open(opener, edit = false) {
    const { m, dialog } = this;
    const row = (this.row = opener.closest('[data-order]'));
    const { reasons } = row.order;
    const radio = this.q('template', dialog).content.firstChild;
    // The merchant's pick, in the merchant's order, of the reasons the app accepts.
    const picked = this.dataset.reasonCodes.split(',').flatMap((c) => reasons.filter((r) => r.code == c));
    this.q('form').reset();
    this.q('h2', dialog).textContent = m.title.replace('%s', row.dataset.name);
    this.q('[data-reasons]').replaceChildren(...(picked[0] ? picked : reasons).map(({ code, label }) => {
      const item = radio.cloneNode(true);
      item.firstChild.value = code;
      item.append(m['reason.' + code] || label);
      return item;
    }));
    this.say('');
    // Each part starts over for this order (?.: unless its script failed to load).
    this.editing = edit;
    this.q('order-cancel-edit')?.panel?.(edit ? 'choose' : '');
    dialog.showModal();
    edit || this.items?.open?.(row);
  }

  get items() {
    return this.q('order-cancel-items');
  }

  // An edit or a partial cancel went through: the row, the dialog and the live region say so.
  report(text) {
    this.set('info', text, this.row);
    this.dialog.close();
    this.set('status', text);
  }

  say(progress, problem = '') {
    this.set('progress', progress);
    this.set('problem', problem);
  }

  async submit(event) {
    const { row, m } = this;
    const { target: form, submitter: button } = event;
    if (button.value != 'cancel' || !row) return; // "Keep my order" closes the dialog itself.
    event.preventDefault();
    if (form.ariaBusy) return;
    form.ariaBusy = button.ariaDisabled = true;
    this.say(m.cancelling);
    try {
      const { cancelOrder: { code, order, refunded, requestedAt } } = await this.post(
        'mutation($input:CancelOrderInput!){cancelOrder(input:$input){' +
          '...on CancelOrderSuccess{order{status}refunded{amount currencyCode}}...on CancelOrderRequested{requestedAt}' +
          '...on CancelOrderRefused{code}}}',
        { input: { orderId: row.dataset.order, ...Object.fromEntries(new FormData(form)), lineItems: this.items?.picks?.() ?? null } },
      );
      // These the customer can fix or retry; any other answer is final.
      if (/^(TRY_AGAIN|INVALID_)/.test(code)) return this.say('', m[code]);
      if (refunded) {
        // Some items went: the rest of the order stays, and may still be cancelled.
        this.dialog.close();
        await this.check();
        return this.report(m.doneItems.replace('%r', this.money(refunded, refunded.currencyCode)));
      }
      const done = order && m[order.status == 'CANCELLED' ? 'done' : 'donePending'];
      const payment = this.q('[data-payment]', row)?.textContent ?? '';
      const text = requestedAt ? m.requested.replace('%s', this.time(requestedAt))
        : done ? `${done.replace('%s', row.dataset.name)} ${payment}` : this.why(code);
      this.q('[data-open]', row).hidden = this.q('[data-edit-open]', row).hidden = true;
      this.q('[data-withdraw]', row).hidden = !requestedAt;
      this.set('info', text, row);
      this.dialog.close();
      this.set(done || requestedAt ? 'status' : 'alert', text);
    } catch (e) {
      this.say('', m[e] || m.network);
    } finally {
      form.ariaBusy = button.ariaDisabled = null;
    }
  }

  // The customer takes their request back; the row then shows what the app says now.
  async withdraw(button) {
    const row = button.closest('[data-order]');
    button.ariaDisabled = true;
    try {
      const { withdrawCancelRequest: { code } } = await this.post(
        'mutation($input:WithdrawCancelRequestInput!){withdrawCancelRequest(input:$input){' +
          '...on CancelOrderRefused{code}}}',
        { input: { orderId: row.dataset.order } },
      );
      this.set('status', code ? this.why(code) : this.m.withdrawn);
    } catch (e) {
      this.set('alert', this.m[e] || this.m.network);
    }
    button.ariaDisabled = null;
    await this.check();
    this.refocus(row);
  }
});
