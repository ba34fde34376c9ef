// <order-cancel> enhances what blocks/order-cancel.liquid rendered: rows with data-order are checked
// in ONE request to the app proxy; every string comes from the block's <template data-messages>.
customElements.get('order-cancel') || customElements.define('order-cancel', class extends HTMLElement {
  connectedCallback() {
    const dialog = (this.dialog = this.q('dialog'));
    const on = (el, type, fn) => el.addEventListener(type, fn, { signal: this.ac.signal });
    this.m = {};
    for (const p of this.q('[data-messages]').content.children) this.m[p.dataset.m] = p.textContent;
    this.ac = new AbortController();
    on(this, 'click', ({ target }) => {
      const b = target.closest('button');
      b?.hasAttribute('data-retry') && this.check();
      b?.hasAttribute('data-open') && this.open(b);
    });
    on(dialog, 'submit', (e) => this.submit(e));
    // The form fills the dialog, so a click on the dialog itself is on its backdrop.
    on(dialog, 'click', (e) => e.target == dialog && dialog.close());
    on(dialog, 'close', () => {
      const b = this.opener;
      b?.isConnected && (b.hidden ? this.q('[data-info]', this.row) : b).focus();
    });
    this.check();
  }

  disconnectedCallback() {
    this.ac.abort();
  }

  q(selector, root = this) {
    return root.querySelector(selector);
  }

  set(selector, text, root) {
    this.q(selector, root).textContent = text.trim();
  }

  async post(query, variables) {
    const res = await fetch(this.dataset.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query, variables }),
      signal: this.ac.signal,
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok || !body.data) throw this.m[res.status == 429 ? 'rateLimited' : 'network'];
    return body.data;
  }

  async check() {
    const rows = [...this.querySelectorAll('[data-order]')];
    const retry = this.q('[data-retry]');
    const refocus = retry.contains(document.activeElement);
    const each = (fn) => rows.map(fn);
    if (!rows[0]) return;
    this.ariaBusy = true;
    this.set('[data-alert]', '');
    each((row) => this.set('[data-info]', this.m.checking, row));
    try {
      const { orders } = await this.post(
        'query($ids:[ID!]!,$locale:String){orders(ids:$ids){id cancellable blockedBy deadline status reasons(locale:$locale){code label}}}',
        { ids: each((row) => row.dataset.order), locale: this.dataset.locale },
      );
      each((row) => this.show(row, orders.find((o) => o.id == row.dataset.order)));
      retry.hidden = true;
      refocus && (this.q('[data-open]:not([hidden])') || this.q('[data-info]')).focus();
    } catch (e) {
      each((row) => this.set('[data-info]', '', row));
      this.set('[data-alert]', this.failed(e));
      retry.hidden = false;
    }
    this.ariaBusy = null;
  }

  // Thrown strings are ours; anything else is the network (fetch or JSON) failing.
  failed(e) {
    return typeof e == 'string' ? e : this.m.network;
  }

  why(code) {
    return ('explain' in this.dataset && this.m[code]) || this.m.no;
  }

  show(row, order) {
    const { m } = this;
    const can = order?.cancellable && order.status == 'NONE';
    row.order = order;
    this.q('[data-open]', row).hidden = !can;
    this.set('[data-info]',
      !order ? this.why('NOT_FOUND')
      : order.status == 'CANCELLED' ? m.cancelled
      : order.status == 'PENDING' ? m.pending
      : !can ? this.why(order.blockedBy)
      : order.deadline ? m.deadline.replace('%s', this.time(order.deadline))
      : m.cancellable, row);
  }

  // "14:32" today, "3 Dec 2026, 14:32" on another day, in the customer's language.
  time(iso) {
    const date = new Date(iso);
    const style = { dateStyle: 'medium', timeStyle: 'short' };
    if (date.toDateString() == new Date().toDateString()) delete style.dateStyle;
    return new Intl.DateTimeFormat(this.dataset.locale || [], style).format(date);
  }

  open(opener) {
    const { m, dialog } = this;
    const row = (this.row = opener.closest('[data-order]'));
    const offered = row.order.reasons;
    // The merchant's pick of reasons, in the merchant's order, among those the app accepts.
    const picked = this.dataset.reasonCodes.split(',').map((code) => offered.find((r) => r.code == code));
    this.opener = opener;
    this.q('form', dialog).reset();
    this.set('h2', m.title.replace('%s', row.dataset.name), dialog);
    this.q('[data-reasons]', dialog).replaceChildren(
      ...(picked.some(Boolean) ? picked.filter(Boolean) : offered).map(({ code, label }) => {
        const item = this.q('template', dialog).content.firstChild.cloneNode(true);
        item.firstChild.value = code;
        item.append(m['reason.' + code] || label);
        return item;
      }),
    );
    this.say('', '');
    dialog.showModal();
  }

  say(progress, problem) {
    this.set('[data-progress]', progress, this.dialog);
    this.set('[data-problem]', problem, this.dialog);
  }

  async submit(event) {
    const { row, m } = this;
    const { target: form, submitter: button } = event;
    if (button.value != 'cancel' || !row) return; // "Keep my order" closes the dialog by itself.
    event.preventDefault();
    if (form.ariaBusy) return;
    const data = new FormData(form);
    form.ariaBusy = button.ariaDisabled = true;
    this.say(m.cancelling, '');
    try {
      const { cancelOrder: { code, order } } = await this.post(
        'mutation($input:CancelOrderInput!){cancelOrder(input:$input){' +
          '...on CancelOrderSuccess{order{status}}...on CancelOrderRefused{code}}}',
        { input: { orderId: row.dataset.order, reason: data.get('reason'), note: data.get('note') } },
      );
      if (order) {
        const done = m[order.status == 'CANCELLED' ? 'done' : 'donePending'];
        const payment = this.q('[data-payment]', row)?.textContent || '';
        this.finish(row, done.replace('%s', row.dataset.name) + ' ' + payment, 'status');
      } else if (/^(TRY_AGAIN|INVALID_)/.test(code)) {
        this.say('', m[code]);
      } else {
        this.finish(row, this.why(code), 'alert');
      }
    } catch (e) {
      this.say('', this.failed(e));
    }
    form.ariaBusy = button.ariaDisabled = null;
  }

  // The answer is final: close the dialog and tell it in the page's live region.
  finish(row, text, region) {
    this.q('[data-open]', row).hidden = true;
    this.set('[data-info]', text, row);
    this.dialog.close();
    this.set(`[data-${region}]`, text);
  }
});
